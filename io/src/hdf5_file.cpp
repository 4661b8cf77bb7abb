#include <synaptogen/io/hdf5_file.hpp>

#include <filesystem>
#include <stdexcept>

namespace synaptogen::h5 {

namespace {
[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("HDF5: " + what); }

// Failures become exceptions with our own message; HDF5's automatic stack dump to stderr
// would bury it, so it is switched off once, before any HDF5 call of this library.
const bool quiet = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
}();
hid_t check(hid_t id, const std::string& what) {
    if (id < 0) fail(what);
    return id;
}
void check_status(herr_t s, const std::string& what) {
    if (s < 0) fail(what);
}
}  // namespace

handle::handle(hid_t id) : id_(id) {}

handle::~handle() {
    if (id_ < 0) return;
    switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
    }
}

handle& handle::operator=(handle&& o) noexcept {
    if (this != &o) {
        handle tmp(id_);
        id_ = o.id_;
        o.id_ = -1;
    }
    return *this;
}

handle create_file(const std::string& path) {
    return handle(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "cannot create " + path));
}

handle open_file(const std::string& path) {
    return handle(check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open " + path));
}

void copy_object(hid_t src, const std::string& name, hid_t dst, const std::string& dst_name) {
    handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    check_status(H5Ocopy(src, name.c_str(), dst, dst_name.c_str(), H5P_DEFAULT, lcpl.get()), "cannot copy " + name);
}

handle create_group(hid_t parent, const std::string& path) {
    handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    return handle(check(H5Gcreate2(parent, path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), "cannot create group " + path));
}

handle open_group(hid_t parent, const std::string& path) {
    return handle(check(H5Gopen2(parent, path.c_str(), H5P_DEFAULT), "no group " + path));
}

bool exists(hid_t parent, const std::string& path) { return H5Lexists(parent, path.c_str(), H5P_DEFAULT) > 0; }

bool file_has(const std::string& path, const std::string& name) {
    if (!std::filesystem::is_regular_file(path) || H5Fis_hdf5(path.c_str()) <= 0) return false;
    try {
        handle file = open_file(path);
        return exists(file.get(), name);
    } catch (const std::runtime_error&) {
        return false;
    }
}

std::vector<std::string> child_names(hid_t group) {
    H5G_info_t info;
    check_status(H5Gget_info(group, &info), "cannot list a group");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        std::string name(static_cast<std::size_t>(len), '\0');
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), len + 1, H5P_DEFAULT);
        names.push_back(name);
    }
    return names;
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
    handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), value.empty() ? 1 : value.size());
    H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
    handle space(H5Screate(H5S_SCALAR));
    handle attr(check(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create attribute " + name));
    check_status(H5Awrite(attr.get(), type.get(), value.c_str()), "cannot write attribute " + name);
}

std::string read_string_attribute(hid_t object, const std::string& name) {
    handle attr(check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "no attribute " + name));
    handle type(H5Aget_type(attr.get()));
    if (H5Tget_class(type.get()) == H5T_ENUM) {  // SONATA's `sorting` is an enum
        std::uint8_t v = 0;
        H5Aread(attr.get(), H5T_NATIVE_UINT8, &v);
        char buf[64] = {0};
        H5Tenum_nameof(type.get(), &v, buf, sizeof buf);
        return buf;
    }
    std::string out(H5Tget_size(type.get()), '\0');
    check_status(H5Aread(attr.get(), type.get(), out.data()), "cannot read attribute " + name);
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return out;
}

extendible_dataset::extendible_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type,
                                       std::size_t columns, std::size_t chunk_rows)
    : mem_type_(mem_type), columns_(columns) {
    const int rank = columns ? 2 : 1;
    hsize_t dims[2] = {0, columns}, maxdims[2] = {H5S_UNLIMITED, columns}, chunk[2] = {chunk_rows, columns};
    if (columns == 0) chunk[1] = 1;
    handle space(H5Screate_simple(rank, dims, maxdims));
    handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    check_status(H5Pset_chunk(dcpl.get(), rank, chunk), "cannot set chunking for " + name);
    dset_ = handle(check(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                         "cannot create dataset " + name));
}

extendible_dataset extendible_dataset::open(hid_t parent, const std::string& name, hid_t mem_type) {
    extendible_dataset d;
    d.dset_ = handle(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "no dataset " + name));
    d.mem_type_ = mem_type;
    handle space(H5Dget_space(d.dset_.get()));
    hsize_t dims[2] = {0, 0};
    const int rank = H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    d.rows_ = dims[0];
    d.columns_ = rank == 2 ? dims[1] : 0;
    return d;
}

void extendible_dataset::append(const void* data, std::size_t rows) {
    if (rows == 0) return;
    const int rank = columns_ ? 2 : 1;
    hsize_t new_dims[2] = {rows_ + rows, columns_};
    check_status(H5Dset_extent(dset_.get(), new_dims), "cannot extend a dataset");
    handle file_space(H5Dget_space(dset_.get()));
    hsize_t start[2] = {rows_, 0}, count[2] = {rows, columns_};
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    handle mem_space(H5Screate_simple(rank, count, nullptr));
    check_status(H5Dwrite(dset_.get(), mem_type_, mem_space.get(), file_space.get(), H5P_DEFAULT, data),
                 "cannot write a dataset");
    rows_ += rows;
}

void write_vector(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                  std::size_t n) {
    hsize_t dims[1] = {n};
    handle space(H5Screate_simple(1, dims, nullptr));
    handle dset(check(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create dataset " + name));
    if (n > 0) check_status(H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write " + name);
}

namespace {
template <class T>
std::vector<T> read_all(hid_t parent, const std::string& name, hid_t mem_type) {
    handle dset(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "no dataset " + name));
    handle space(H5Dget_space(dset.get()));
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    std::vector<T> out(static_cast<std::size_t>(n));
    if (n > 0) check_status(H5Dread(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "cannot read " + name);
    return out;
}
}  // namespace

namespace {
template <class T> hid_t native_type();
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }
template <> hid_t native_type<std::uint32_t>() { return H5T_NATIVE_UINT32; }
template <> hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }
}  // namespace

template <class T>
void write_array(hid_t parent, const std::string& name, const std::vector<T>& v) {
    write_vector(parent, name, native_type<T>(), native_type<T>(), v.data(), v.size());
}
template <class T>
std::vector<T> read_array(hid_t parent, const std::string& name) {
    return read_all<T>(parent, name, native_type<T>());
}
#define SYNAPTOGEN_H5_ARRAY(T)                                                            \
    template void write_array<T>(hid_t, const std::string&, const std::vector<T>&); \
    template std::vector<T> read_array<T>(hid_t, const std::string&);
SYNAPTOGEN_H5_ARRAY(double)
SYNAPTOGEN_H5_ARRAY(float)
SYNAPTOGEN_H5_ARRAY(std::int32_t)
SYNAPTOGEN_H5_ARRAY(std::int64_t)
SYNAPTOGEN_H5_ARRAY(std::uint64_t)
SYNAPTOGEN_H5_ARRAY(std::uint32_t)
SYNAPTOGEN_H5_ARRAY(std::uint8_t)
#undef SYNAPTOGEN_H5_ARRAY

void write_u64_attribute(hid_t object, const std::string& name, std::uint64_t value) {
    handle space(H5Screate(H5S_SCALAR));
    handle attr(check(H5Acreate2(object, name.c_str(), H5T_STD_U64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create attribute " + name));
    check_status(H5Awrite(attr.get(), H5T_NATIVE_UINT64, &value), "cannot write attribute " + name);
}

std::uint64_t read_u64_attribute(hid_t object, const std::string& name) {
    handle attr(check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "no attribute " + name));
    std::uint64_t v = 0;
    check_status(H5Aread(attr.get(), H5T_NATIVE_UINT64, &v), "cannot read attribute " + name);
    return v;
}

std::vector<double> read_doubles(hid_t parent, const std::string& name) {
    return read_all<double>(parent, name, H5T_NATIVE_DOUBLE);
}
std::vector<std::uint64_t> read_uint64s(hid_t parent, const std::string& name) {
    return read_all<std::uint64_t>(parent, name, H5T_NATIVE_UINT64);
}

std::vector<hsize_t> dataset_shape(hid_t parent, const std::string& name) {
    handle dset(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "no dataset " + name));
    handle space(H5Dget_space(dset.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank > 0 ? rank : 0));
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    return dims;
}

H5T_class_t dataset_class(hid_t parent, const std::string& name) {
    handle dset(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "no dataset " + name));
    handle type(H5Dget_type(dset.get()));
    return H5Tget_class(type.get());
}

bool is_group(hid_t parent, const std::string& name) {
    if (!exists(parent, name)) return false;
    handle object(H5Oopen(parent, name.c_str(), H5P_DEFAULT));
    return object && H5Iget_type(object.get()) == H5I_GROUP;
}

std::vector<std::int64_t> read_int64s(hid_t parent, const std::string& name) {
    return read_all<std::int64_t>(parent, name, H5T_NATIVE_INT64);
}
std::vector<float> read_floats(hid_t parent, const std::string& name) {
    return read_all<float>(parent, name, H5T_NATIVE_FLOAT);
}

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

std::string read_text_attribute(hid_t object, const std::string& name) {
    handle attr(check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "no attribute " + name));
    handle type(H5Aget_type(attr.get()));
    if (H5Tget_class(type.get()) != H5T_STRING) fail("attribute " + name + " is not a string");
    if (!H5Tis_variable_str(type.get())) return read_string_attribute(object, name);
    handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // h5py writes UTF-8; HDF5 converts no character sets
    char* text = nullptr;
    check_status(H5Aread(attr.get(), mem.get(), &text), "cannot read attribute " + name);
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
}

void write_matrix(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                  std::size_t rows, std::size_t columns) {
    hsize_t dims[2] = {rows, columns};
    handle space(H5Screate_simple(2, dims, nullptr));
    handle dset(check(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create dataset " + name));
    if (rows * columns > 0)
        check_status(H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write " + name);
}

void write_uint32s_attribute(hid_t object, const std::string& name, const std::vector<std::uint32_t>& values) {
    hsize_t dims[1] = {values.size()};
    handle space(H5Screate_simple(1, dims, nullptr));
    handle attr(check(H5Acreate2(object, name.c_str(), H5T_STD_U32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create attribute " + name));
    check_status(H5Awrite(attr.get(), H5T_NATIVE_UINT32, values.data()), "cannot write attribute " + name);
}

}  // namespace synaptogen::h5
