#pragma once
// Writers for small SONATA fixtures (test_sonata.cpp, test_sonata_tools.cpp): files are
// written the way other tools write them, with varying integer widths on purpose.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <synaptogen/io/hdf5_file.hpp>

namespace synaptogen::testing {

namespace fs = std::filesystem;

inline fs::path temp_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("synaptogen_sonata_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

inline void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

// Small writers for fixtures; the stored integer widths vary on purpose.
template <class T>
void put(hid_t g, const std::string& name, hid_t file_type, hid_t mem_type, const std::vector<T>& v) {
    h5::write_vector(g, name, file_type, mem_type, v.data(), v.size());
}
inline void put_i64(hid_t g, const std::string& name, const std::vector<std::int64_t>& v) {
    put(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, v);
}
inline void put_i32(hid_t g, const std::string& name, const std::vector<std::int32_t>& v) {
    put(g, name, H5T_STD_I32LE, H5T_NATIVE_INT32, v);
}
inline void put_u16(hid_t g, const std::string& name, const std::vector<std::uint16_t>& v) {
    put(g, name, H5T_STD_U16LE, H5T_NATIVE_UINT16, v);
}
inline void put_f64(hid_t g, const std::string& name, const std::vector<double>& v) {
    put(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v);
}
inline void put_f32(hid_t g, const std::string& name, const std::vector<float>& v) {
    put(g, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, v);
}
inline void put_pairs(hid_t g, const std::string& name, const std::vector<std::uint64_t>& flat) {
    h5::write_matrix(g, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, flat.data(), flat.size() / 2, 2);
}
inline void attribute(hid_t g, const std::string& dataset, const std::string& value) {
    h5::handle d(H5Dopen2(g, dataset.c_str(), H5P_DEFAULT));
    h5::write_string_attribute(d.get(), "node_population", value);
}

// h5py writes string attributes as variable-length strings.
inline void vlen_attribute(hid_t g, const std::string& dataset, const std::string& value) {
    h5::handle d(H5Dopen2(g, dataset.c_str(), H5P_DEFAULT));
    h5::handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);  // h5py's str
    h5::handle space(H5Screate(H5S_SCALAR));
    h5::handle a(H5Acreate2(d.get(), "node_population", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    const char* text = value.c_str();
    H5Awrite(a.get(), type.get(), &text);
}

}  // namespace synaptogen::testing
