#pragma once
// A thin RAII layer over the HDF5 C API: owned ids, 1-D/2-D extendible datasets and
// string attributes. Only what Synaptogen's files need.
#include <cstdint>
#include <string>
#include <vector>

#include <hdf5.h>

namespace synaptogen::h5 {

// Owns an HDF5 id and closes it with the right function.
class handle {
public:
    handle() = default;
    explicit handle(hid_t id);
    ~handle();
    handle(handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
    handle& operator=(handle&& o) noexcept;
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    hid_t get() const { return id_; }
    explicit operator bool() const { return id_ >= 0; }

private:
    hid_t id_ = -1;
};

handle create_file(const std::string& path);
handle open_file(const std::string& path);
// Copies `name` (a group or dataset, with everything below it) between open files.
void copy_object(hid_t src, const std::string& name, hid_t dst, const std::string& dst_name);
// Creates a group and any missing parents.
handle create_group(hid_t parent, const std::string& path);
handle open_group(hid_t parent, const std::string& path);
std::vector<std::string> child_names(hid_t group);
bool exists(hid_t parent, const std::string& path);
// Whether `path` is a readable HDF5 file with an object `name` at its root (false, not an
// error, for anything else: what tells one kind of checkpoint from another).
bool file_has(const std::string& path, const std::string& name);

void write_string_attribute(hid_t object, const std::string& name, const std::string& value);
std::string read_string_attribute(hid_t object, const std::string& name);

// A dataset that grows along its first dimension; `columns` = 0 makes it 1-D.
class extendible_dataset {
public:
    extendible_dataset() = default;
    extendible_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type,
                       std::size_t columns, std::size_t chunk_rows);
    // Opens an existing extendible dataset to append to it.
    static extendible_dataset open(hid_t parent, const std::string& name, hid_t mem_type);
    void append(const void* data, std::size_t rows);
    std::size_t rows() const { return rows_; }
    std::size_t columns() const { return columns_; }
    hid_t id() const { return dset_.get(); }

private:
    handle dset_;
    hid_t mem_type_ = -1;
    std::size_t columns_ = 0;
    std::size_t rows_ = 0;
};

// Writes a whole 1-D dataset at once.
void write_vector(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                  std::size_t n);
std::vector<double> read_doubles(hid_t parent, const std::string& name);
std::vector<std::uint64_t> read_uint64s(hid_t parent, const std::string& name);

// Whole 1-D datasets of the native type T, written and read with the matching HDF5 types.
template <class T>
void write_array(hid_t parent, const std::string& name, const std::vector<T>& v);
template <class T>
std::vector<T> read_array(hid_t parent, const std::string& name);

void write_u64_attribute(hid_t object, const std::string& name, std::uint64_t value);
std::uint64_t read_u64_attribute(hid_t object, const std::string& name);

// Generic readers and writers for files written by other tools (SONATA circuits): any
// stored integer or float width is converted by HDF5 to the native type asked for.
// Dimensions of a dataset (empty for a scalar).
std::vector<hsize_t> dataset_shape(hid_t parent, const std::string& name);
// The HDF5 class of a dataset's stored type (H5T_INTEGER, H5T_FLOAT, H5T_STRING, ...).
H5T_class_t dataset_class(hid_t parent, const std::string& name);
// Whether `name` is a group (false for datasets and missing links).
bool is_group(hid_t parent, const std::string& name);
std::vector<std::int64_t> read_int64s(hid_t parent, const std::string& name);
std::vector<float> read_floats(hid_t parent, const std::string& name);
bool has_attribute(hid_t object, const std::string& name);
// A string attribute, fixed- or variable-length (h5py writes the latter).
std::string read_text_attribute(hid_t object, const std::string& name);
// Writes a whole 2-D dataset [rows x columns] from row-major data.
void write_matrix(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                  std::size_t rows, std::size_t columns);
void write_uint32s_attribute(hid_t object, const std::string& name, const std::vector<std::uint32_t>& values);

}  // namespace synaptogen::h5
