// SONATA import and export (docs/sonata.md). The file has four parts: small helpers (JSON
// configs with manifest substitution, the space-separated type tables, checked HDF5
// reads), circuit import (nodes, then edges with their index groups), the simulation
// config, and export.
#include <synaptogen/io/sonata.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <toml.hpp>

#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/io/network_file.hpp>

#include "distribution_fields.hpp"

namespace synaptogen {

namespace {

namespace fs = std::filesystem;
// ordered_json keeps keys in file order: the order of the initial values in a
// dynamics_params file keys their random streams, so it must survive a round trip.
using json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------
// Helpers

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& what, int line = 0) {
    throw input_error({file, line, field}, what);
}



// The shortest text that reads back as exactly x: 0.1 (not 0.10000000000000001), 50, 1e+300.
// Exports need it (a number written must read back the same); messages use number_text.
std::string exact_number_text(double x) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

std::string read_text(const std::string& path, const source_location& where, const std::string& expected) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(where, "cannot open '" + path + "'; expected " + expected);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

json parse_json(const std::string& text, const std::string& file) {
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        const std::size_t at = std::min<std::size_t>(e.byte, text.size());
        const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
        std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
        const auto colon = what.find(": ", what.find("column"));
        if (colon != std::string::npos) what = what.substr(colon + 2);
        fail(file, "", "malformed JSON: " + what, line);
    }
}

std::string json_type(const json& v) { return v.type_name(); }

// Keys and columns that other tools write and that change nothing in a point-neuron run
// (docs/sonata.md lists them): accepted, and named together in one warning per load so
// that nothing is dropped silently.
class ignored_keys {
public:
    void add(const std::string& what) {
        if (std::find(names_.begin(), names_.end(), what) == names_.end()) names_.push_back(what);
    }
    const std::vector<std::string>& names() const { return names_; }
    void warn(const std::string& file) const {
        if (!names_.empty()) spdlog::warn("{}: ignored (no effect on a point-neuron run): {}", file, join(names_));
    }

private:
    std::vector<std::string> names_;
};

// One JSON object being read: knows its dotted path for messages and which keys were used,
// so that leftovers can be reported with the closest known key.
class json_reader {
public:
    json_reader(const json& object, std::string file, std::string path)
        : object_(object), file_(std::move(file)), path_(std::move(path)) {
        if (!object_.is_object()) fail(file_, path_, "expected a JSON object, got " + json_type(object_));
    }
    std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    source_location where(const std::string& key = "") const { return {file_, 0, key.empty() ? path_ : field(key)}; }
    [[noreturn]] void fail_at(const std::string& key, const std::string& what) const { throw input_error(where(key), what); }

    bool has(const std::string& key) const { return object_.contains(key); }
    const json& get(const std::string& key) {
        if (!has(key)) fail_at("", "missing required key '" + key + "'");
        used_.insert(key);
        return object_.at(key);
    }
    double number(const std::string& key) {
        const json& v = get(key);
        if (!v.is_number()) fail_at(key, "expected a number, got " + json_type(v));
        const double x = v.get<double>();
        if (!std::isfinite(x)) fail_at(key, "expected a finite number");
        return x;
    }
    double number(const std::string& key, double fallback) { return has(key) ? number(key) : fallback; }
    std::string string(const std::string& key) {
        const json& v = get(key);
        if (!v.is_string()) fail_at(key, "expected a string, got " + json_type(v));
        return v.get<std::string>();
    }
    std::string string(const std::string& key, const std::string& fallback) { return has(key) ? string(key) : fallback; }
    bool boolean(const std::string& key, bool fallback) {
        if (!has(key)) return fallback;
        const json& v = get(key);
        if (!v.is_boolean()) fail_at(key, "expected true or false, got " + json_type(v));
        return v.get<bool>();
    }
    void mark_used(const std::string& key) { used_.insert(key); }
    void finish(const std::vector<std::string>& known) const {
        for (const auto& item : object_.items())
            if (!used_.count(item.key()) && std::find(known.begin(), known.end(), item.key()) == known.end())
                fail_at(item.key(), "unknown or unsupported key '" + item.key() + "'" + suggest(item.key(), known));
    }
    // As above, but the `ignorable` keys (written by other tools, no effect here) are
    // accepted and collected for the one warning of the load.
    void finish(std::vector<std::string> known, const std::vector<std::string>& ignorable, ignored_keys& ignored) const {
        for (const auto& key : ignorable)
            if (has(key) && !used_.count(key)) ignored.add(field(key));
        known.insert(known.end(), ignorable.begin(), ignorable.end());
        finish(known);
    }
    const json& object() const { return object_; }
    const std::string& file() const { return file_; }

private:
    const json& object_;
    std::string file_;
    std::string path_;
    std::set<std::string> used_;
};

// A SONATA config (circuit or simulation) with its manifest applied: every "$NAME" or
// "${NAME}" in a string value is replaced (manifest entries may use each other, and
// ${configdir} is the config's folder); relative paths are then taken from that folder.
struct config_file {
    std::string path;
    fs::path dir;
    std::string text;
    json root;

    std::string resolve(const std::string& p) const {
        const fs::path x(p);
        return (x.is_relative() ? dir / x : x).lexically_normal().string();
    }
};

std::string expand(const std::string& s, const std::map<std::string, std::string>& vars, const std::string& file,
                   const std::string& field, int depth = 0) {
    if (depth > 16) fail(file, field, "manifest variables refer to each other in a cycle");
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] != '$') {
            out += s[i++];
            continue;
        }
        std::string name;
        if (i + 1 < s.size() && s[i + 1] == '{') {
            const auto close = s.find('}', i + 2);
            if (close == std::string::npos) fail(file, field, "unterminated '${' in '" + s + "'");
            name = s.substr(i + 2, close - i - 2);
            i = close + 1;
        } else {
            std::size_t j = i + 1;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
            name = s.substr(i + 1, j - i - 1);
            i = j;
        }
        auto it = vars.find(name);
        if (it == vars.end()) {
            std::vector<std::string> names;
            for (const auto& [k, v] : vars) names.push_back("$" + k);
            fail(file, field, "unknown manifest variable '$" + name + "'" + suggest("$" + name, names));
        }
        out += expand(it->second, vars, file, "manifest.$" + name, depth + 1);
    }
    return out;
}

config_file load_config(const std::string& path, const source_location& where) {
    config_file c;
    c.path = path;
    c.dir = fs::path(path).parent_path();
    if (c.dir.empty()) c.dir = ".";
    c.text = read_text(path, where, "a SONATA config (JSON)");
    c.root = parse_json(c.text, path);
    if (!c.root.is_object()) fail(path, "", "expected a JSON object at the top level");
    // Absolute: paths built on it are not taken relative to the config's folder again.
    std::map<std::string, std::string> vars{{"configdir", fs::absolute(c.dir).lexically_normal().string()}};
    if (c.root.contains("manifest")) {
        const json& m = c.root["manifest"];
        if (!m.is_object()) fail(path, "manifest", "expected an object of \"$NAME\": \"path\" entries");
        for (const auto& item : m.items()) {
            std::string key = item.key();
            if (key.size() < 2 || key[0] != '$') fail(path, "manifest." + key, "expected a name starting with '$', such as \"$BASE_DIR\"");
            key = key.substr(1);
            if (key.front() == '{' && key.back() == '}') key = key.substr(1, key.size() - 2);
            if (!item.value().is_string()) fail(path, "manifest." + item.key(), "expected a string");
            vars[key] = item.value().get<std::string>();
        }
    }
    std::function<void(json&, const std::string&)> substitute = [&](json& v, const std::string& field) {
        if (v.is_string()) v = expand(v.get<std::string>(), vars, path, field);
        else if (v.is_array())
            for (std::size_t k = 0; k < v.size(); ++k) substitute(v[k], field + "[" + std::to_string(k) + "]");
        else if (v.is_object())
            for (auto& item : v.items()) substitute(item.value(), field.empty() ? item.key() : field + "." + item.key());
    };
    for (auto& item : c.root.items())
        if (item.key() != "manifest") substitute(item.value(), item.key());
    return c;
}

// node_types.csv / edge_types.csv: a header row, then one row per type, cells separated by
// spaces (SONATA); "NULL", "None", "NaN" and empty quoted cells mean "not given".
struct type_table {
    struct row {
        int line = 0;
        std::vector<std::string> cells;
    };
    std::string file;
    std::vector<std::string> columns;
    std::map<std::int64_t, row> rows;

    std::optional<std::string> cell(const row& r, const std::string& column) const {
        const auto it = std::find(columns.begin(), columns.end(), column);
        if (it == columns.end()) return std::nullopt;
        const std::string& v = r.cells[static_cast<std::size_t>(it - columns.begin())];
        if (v.empty() || v == "NULL" || v == "None" || v == "NONE" || v == "NaN" || v == "nan") return std::nullopt;
        return v;
    }
    std::optional<double> number(const row& r, const std::string& column) const {
        const auto v = cell(r, column);
        if (!v) return std::nullopt;
        char* end = nullptr;
        const double x = std::strtod(v->c_str(), &end);
        if (end != v->c_str() + v->size() || !std::isfinite(x))
            fail(file, column, "expected a number, got '" + *v + "'", r.line);
        return x;
    }
};

std::vector<std::string> split_cells(const std::string& line, const std::string& file, int line_no) {
    std::vector<std::string> cells;
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i >= line.size()) break;
        std::string cell;
        if (line[i] == '"' || line[i] == '\'') {  // a quoted cell may hold spaces
            const char quote = line[i++];
            const auto close = line.find(quote, i);
            if (close == std::string::npos) fail(file, "", "unterminated quote", line_no);
            cell = line.substr(i, close - i);
            i = close + 1;
        } else {
            while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) cell += line[i++];
        }
        cells.push_back(cell);
    }
    return cells;
}

type_table read_type_table(const std::string& path, const std::string& id_column, const source_location& where) {
    type_table t;
    t.file = path;
    std::istringstream in(read_text(path, where, "a space-separated " + id_column.substr(0, id_column.size() - 3) + "s table"));
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto cells = split_cells(line, path, line_no);
        if (cells.empty()) continue;
        if (t.columns.empty()) {
            t.columns = cells;
            if (std::find(t.columns.begin(), t.columns.end(), id_column) == t.columns.end())
                fail(path, id_column, "the header has no column '" + id_column + "' (found: " + join(t.columns) +
                                          "); expected a space-separated table", line_no);
            continue;
        }
        if (cells.size() != t.columns.size())
            fail(path, "", std::to_string(cells.size()) + " cells where the header has " + std::to_string(t.columns.size()) +
                               " columns", line_no);
        type_table::row r{line_no, cells};
        const std::string id = *t.cell(r, id_column);
        char* end = nullptr;
        const long long v = std::strtoll(id.c_str(), &end, 10);
        if (end != id.c_str() + id.size()) fail(path, id_column, "expected an integer id, got '" + id + "'", line_no);
        if (t.rows.count(v)) fail(path, id_column, "type " + id + " is listed twice", line_no);
        t.rows.emplace(v, std::move(r));
    }
    if (t.columns.empty()) fail(path, "", "empty file; expected a header row with '" + id_column + "'");
    return t;
}

// Debian's HDF5 prints its error stack on every failed call; the reader checks first and
// reports through input_error, so the stack is silenced while it works.
class quiet_hdf5_errors {
public:
    quiet_hdf5_errors() {
        H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    ~quiet_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

private:
    H5E_auto2_t func_ = nullptr;
    void* data_ = nullptr;
};

h5::handle open_hdf5(const std::string& path, const source_location& where, const std::string& expected) {
    if (!fs::exists(path)) throw input_error(where, "cannot find '" + path + "'; expected " + expected);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) fail(path, "", "not a readable HDF5 file; expected " + expected);
    return h5::handle(id);
}

// A 1-D dataset of one HDF5 file, read with checks; `path` is its full name for messages.
class dataset_reader {
public:
    dataset_reader(hid_t group, std::string file, std::string group_path)
        : group_(group), file_(std::move(file)), group_path_(std::move(group_path)) {}
    std::string path(const std::string& name) const { return group_path_ + "/" + name; }
    bool has(const std::string& name) const { return h5::exists(group_, name) && !h5::is_group(group_, name); }
    [[noreturn]] void fail_at(const std::string& name, const std::string& what) const { fail(file_, path(name), what); }

    std::vector<std::int64_t> integers(const std::string& name, const std::string& expected) const {
        require(name, expected);
        if (h5::dataset_class(group_, name) != H5T_INTEGER) fail_at(name, "expected integers (" + expected + ")");
        return h5::read_int64s(group_, name);
    }
    std::vector<double> reals(const std::string& name, const std::string& expected) const {
        require(name, expected);
        const H5T_class_t c = h5::dataset_class(group_, name);
        if (c != H5T_INTEGER && c != H5T_FLOAT) fail_at(name, "expected numbers (" + expected + ")");
        return h5::read_doubles(group_, name);
    }
    // A [rows x 2] integer table (the index groups).
    std::vector<std::int64_t> pairs(const std::string& name, std::size_t& rows) const {
        const auto shape = h5::dataset_shape(group_, name);
        if (shape.size() != 2 || shape[1] != 2 || h5::dataset_class(group_, name) != H5T_INTEGER)
            fail_at(name, "expected a [n x 2] integer dataset of [first, end) pairs");
        rows = static_cast<std::size_t>(shape[0]);
        return h5::read_int64s(group_, name);
    }
    const std::string& file() const { return file_; }
    bool has_attribute(const std::string& dataset, const std::string& attribute) const {
        h5::handle d(H5Dopen2(group_, dataset.c_str(), H5P_DEFAULT));
        return d && h5::has_attribute(d.get(), attribute);
    }
    std::string text_attribute(const std::string& dataset, const std::string& attribute) const {
        h5::handle d(H5Dopen2(group_, dataset.c_str(), H5P_DEFAULT));
        if (!d || !h5::has_attribute(d.get(), attribute))
            fail_at(dataset, "missing attribute '" + attribute + "'; expected the name of a node population");
        return h5::read_text_attribute(d.get(), attribute);
    }

private:
    void require(const std::string& name, const std::string& expected) const {
        if (!has(name)) fail_at(name, "missing dataset '" + name + "'; expected " + expected);
        if (h5::dataset_shape(group_, name).size() != 1) fail_at(name, "expected a 1-D dataset (" + expected + ")");
    }
    hid_t group_;
    std::string file_, group_path_;
};

// Names of the numbered groups of a population (its node or edge groups), ascending.
std::vector<std::int64_t> numbered_groups(hid_t population) {
    std::vector<std::int64_t> ids;
    for (const auto& name : h5::child_names(population)) {
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
            continue;
        if (h5::is_group(population, name)) ids.push_back(std::stoll(name));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

// Rows of a group's datasets, its dynamics_params ones included (the largest length; 0 for
// a group without datasets).
std::size_t group_rows(hid_t group) {
    std::size_t rows = 0;
    for (const auto& name : h5::child_names(group))
        if (!h5::is_group(group, name)) {
            const auto shape = h5::dataset_shape(group, name);
            if (!shape.empty()) rows = std::max<std::size_t>(rows, shape[0]);
        } else if (name == "dynamics_params") {
            h5::handle dp = h5::open_group(group, name);
            rows = std::max(rows, group_rows(dp.get()));
        }
    return rows;
}

// ---------------------------------------------------------------------------------------
// Distributions and dynamics_params

// A number, or {"distribution": "uniform", "low": .., "high": ..} (also normal, lognormal
// with mean/sd, constant with value; min/max bound every kind, as in the TOML format).
distribution distribution_from_json(const json& v, const std::string& file, const std::string& field) {
    if (v.is_number()) return distribution::constant_value(v.get<double>());
    if (!v.is_object()) fail(file, field, "expected a number or an object such as {\"distribution\": \"uniform\", \"low\": 0, \"high\": 1}");
    // json_reader names its failure fail_at (fail is this file's free function): adapt.
    struct reader {
        json_reader r;
        std::string string(const std::string& key) { return r.string(key); }
        double number(const std::string& key) { return r.number(key); }
        double number(const std::string& key, double fallback) { return r.number(key, fallback); }
        [[noreturn]] void fail(const std::string& key, const std::string& what) const { r.fail_at(key, what); }
        void finish(const std::vector<std::string>& known) const { r.finish(known); }
    } adapter{json_reader(v, file, field)};
    return detail::read_distribution_fields(adapter, suggest);
}

json distribution_to_json(const distribution& d) {
    if (d.kind == distribution_kind::constant && d.min <= -1e300 && d.max >= 1e300) return d.value;
    json j;
    switch (d.kind) {
    case distribution_kind::constant: j = {{"distribution", "constant"}, {"value", d.value}}; break;
    case distribution_kind::uniform: j = {{"distribution", "uniform"}, {"low", d.low}, {"high", d.high}}; break;
    case distribution_kind::normal: j = {{"distribution", "normal"}, {"mean", d.mean}, {"sd", d.sd}}; break;
    case distribution_kind::lognormal: j = {{"distribution", "lognormal"}, {"mean", d.mean}, {"sd", d.sd}}; break;
    }
    if (d.min > -1e300) j["min"] = d.min;
    if (d.max < 1e300) j["max"] = d.max;
    return j;
}

// model_template "nest:<name>" or "synaptogen:<name>". NEST's names are accepted where a
// Synaptogen model integrates the same equations.
const std::vector<std::pair<std::string, neuron_model_kind>>& nest_models() {
    static const std::vector<std::pair<std::string, neuron_model_kind>> m = {
        {"iaf_psc_delta", neuron_model_kind::iaf_psc_delta}, {"iaf_psc_exp", neuron_model_kind::iaf_psc_exp},
        {"iaf_psc_alpha", neuron_model_kind::iaf_psc_alpha}, {"iaf_cond_exp", neuron_model_kind::iaf_cond_exp},
        {"izhikevich", neuron_model_kind::izhikevich},       {"aeif_psc_exp", neuron_model_kind::adex},
        {"glif_psc", neuron_model_kind::glif_psc},
    };
    return m;
}

std::optional<neuron_model_kind> parse_model_template(const std::string& t) {
    const auto colon = t.find(':');
    const std::string prefix = colon == std::string::npos ? "" : t.substr(0, colon);
    const std::string name = colon == std::string::npos ? t : t.substr(colon + 1);
    neuron_model_kind k;
    if (prefix == "synaptogen" && parse_neuron_model(name, k)) return k;
    if (prefix == "nrn" && name == "IntFire1") return neuron_model_kind::intfire1;  // NEURON's artificial cell
    if (prefix == "nest") {
        for (const auto& [nest_name, kind] : nest_models())
            if (name == nest_name) return kind;
        if (parse_neuron_model(name, k) && k != neuron_model_kind::spike_source) return k;  // nest:adex is harmless
    }
    return std::nullopt;
}

std::vector<std::string> model_template_names() {
    std::vector<std::string> names;
    for (const auto& [nest_name, kind] : nest_models()) names.push_back("nest:" + nest_name);
    for (const auto& n : neuron_model_names()) names.push_back("synaptogen:" + n);
    names.push_back("nrn:IntFire1");
    return names;
}

// Whether `key` of a node type with `model_template` is a time bmtk gives in seconds:
// NEURON's artificial cells (nrn:IntFire1) take tau and refrac so, and BioNet multiplies
// them by 1000.
bool in_seconds(const std::string& model_template, const std::string& key) {
    return model_template.rfind("nrn:", 0) == 0 && (key == "tau" || key == "refrac");
}

// Applies a dynamics_params file of a node type with `model_template`: keys that name a
// parameter of the model set it; keys that name a state variable ("V_m", NEST's
// convention) set its initial value, a number or a distribution object (a Synaptogen
// extension). A NEURON cell's "type" key names the cell.
void apply_dynamics_params(population_model& m, const std::string& file, const source_location& where, double dt,
                           const std::string& model_template) {
    json j = parse_json(read_text(file, where, "a dynamics_params JSON file"), file);
    if (model_template.rfind("nrn:", 0) == 0 && j.is_object()) j.erase("type");
    if (j.is_object())
        for (auto& item : j.items())
            if (in_seconds(model_template, item.key()) && item.value().is_number())
                item.value() = item.value().get<double>() * 1000.0;
    if (!j.is_object()) fail(file, "", "expected a JSON object of parameter names and values");
    const auto params = parameter_names(m.model), vars = recordable_variables(m.model), lists = list_parameter_names(m.model);
    std::vector<std::pair<std::string, std::vector<double>>> list_values;  // applied last: an empty list depends on the switches
    for (const auto& item : j.items()) {
        const std::string& key = item.key();
        if (std::find(params.begin(), params.end(), key) != params.end()) {
            if (item.value().is_boolean() && is_switch_parameter(m.model, key)) {  // NEST's glif_psc switches
                set_parameter(m.parameters, m.model, key, item.value().get<bool>() ? 1.0 : 0.0);
                continue;
            }
            if (!item.value().is_number()) fail(file, key, "expected a number, got " + json_type(item.value()));
            set_parameter(m.parameters, m.model, key, item.value().get<double>());
        } else if (std::find(lists.begin(), lists.end(), key) != lists.end()) {
            std::vector<double> values;
            if (!item.value().is_array()) fail(file, key, "expected a list of numbers, got " + json_type(item.value()));
            for (const auto& x : item.value()) {
                if (!x.is_number()) fail(file, key, "expected a list of numbers, got an element of type " + json_type(x));
                values.push_back(x.get<double>());
            }
            list_values.emplace_back(key, values);
        } else if (std::find(vars.begin(), vars.end(), key) != vars.end()) {
            m.initial.push_back({key, distribution_from_json(item.value(), file, key), {}});
        } else {
            std::vector<std::string> known = params;
            known.insert(known.end(), lists.begin(), lists.end());
            known.insert(known.end(), vars.begin(), vars.end());
            fail(file, key, std::string("unknown parameter '") + key + "' of model " + to_string(m.model) + suggest(key, known));
        }
    }
    for (const auto& [key, values] : list_values) {
        std::string error;
        if (!set_list_parameter(m.parameters, m.model, key, values, error)) fail(file, key, error);
    }
    // Initial values draw their streams in name order, as in TOML.
    std::sort(m.initial.begin(), m.initial.end(), [](const auto& a, const auto& b) { return a.variable < b.variable; });
    for (const auto& problem : check_parameters(m.parameters, m.model, dt)) fail(file, problem.name, problem.what);
}

// ---------------------------------------------------------------------------------------
// Circuit import: nodes

struct circuit_dirs {
    fs::path neuron_models, synaptic_models;
};

// The simulator a circuit was written for: its defaults fill what the files leave out.
enum class target_simulator { unspecified, nest, neuron };

// NEST's initial membrane potential where dynamics_params give none: each model's State_
// default (absolute), which NEST keeps when E_L is set (SetStatus shifts the stored
// relative potential by the change of E_L). docs/sonata.md cites the sources.
std::vector<std::pair<std::string, double>> nest_initial_state(neuron_model_kind k) {
    switch (k) {
    case neuron_model_kind::iaf_psc_delta:
    case neuron_model_kind::iaf_psc_exp:
    case neuron_model_kind::iaf_psc_alpha:
    case neuron_model_kind::iaf_cond_exp: return {{"V_m", -70.0}};
    case neuron_model_kind::adex: return {{"V_m", -70.6}};            // aeif_psc_exp
    case neuron_model_kind::izhikevich: return {{"V_m", -65.0}, {"U_m", 0.0}};
    case neuron_model_kind::glif_psc: return {{"V_m", -78.85}};     // E_L of Parameters_()
    default: return {};
    }
}

population_model resolve_node_type(const type_table& types, std::int64_t id, const type_table::row& row,
                                   const circuit_dirs& dirs, double dt, target_simulator target) {
    population_model m;
    m.origin = {types.file, row.line, "node_type_id " + std::to_string(id)};
    const auto model_type = types.cell(row, "model_type");
    if (!model_type) fail(types.file, "model_type", "node type " + std::to_string(id) + " has no model_type", row.line);
    // A biophysical cell is refused naming its model template, so the user sees which cell.
    const std::string template_text = types.cell(row, "model_template") ? " (model_template '" + *types.cell(row, "model_template") + "')" : "";
    for (const char* column : {"model_processing", "morphology"})
        if (auto v = types.cell(row, column))
            fail(types.file, column, "node type " + std::to_string(id) + template_text + " has " + column + " '" + *v +
                                         "': morphologies and their processing belong to biophysical models; Synaptogen "
                                         "simulates point neurons", row.line);
    if (*model_type == "virtual") {
        m.model = neuron_model_kind::spike_source;  // spikes come from the simulation's inputs
        m.parameters = default_parameters(m.model);
        if (auto p = types.cell(row, "dynamics_params"))
            fail(types.file, "dynamics_params", "virtual node type " + std::to_string(id) + " has dynamics_params '" + *p +
                                                    "'; virtual nodes only replay input spikes", row.line);
        return m;
    }
    if (*model_type != "point_neuron" && *model_type != "point_process")
        fail(types.file, "model_type", "node type " + std::to_string(id) + template_text + " has model_type '" + *model_type +
                                           "'; Synaptogen imports point neurons and virtual nodes" +
                                           suggest(*model_type, {"point_neuron", "point_process", "virtual"}), row.line);
    const auto tmpl = types.cell(row, "model_template");
    if (!tmpl) fail(types.file, "model_template", "node type " + std::to_string(id) + " has no model_template", row.line);
    const auto kind = parse_model_template(*tmpl);
    if (!kind) fail(types.file, "model_template", "unknown model_template '" + *tmpl + "'" + suggest(*tmpl, model_template_names()), row.line);
    m.model = *kind;
    m.parameters = default_parameters(m.model);
    if (auto params = types.cell(row, "dynamics_params")) {
        const fs::path file = fs::path(*params).is_absolute() ? fs::path(*params) : dirs.neuron_models / *params;
        apply_dynamics_params(m, file.lexically_normal().string(), {types.file, row.line, "dynamics_params"}, dt, *tmpl);
    } else {
        for (const auto& problem : check_parameters(m.parameters, m.model, dt))
            fail(types.file, "dynamics_params", "node type " + std::to_string(id) + ": " + problem.what, row.line);
    }
    if (target == target_simulator::nest && tmpl->rfind("nest:", 0) == 0)
        for (const auto& nest_default : nest_initial_state(m.model)) {
            const std::string& variable = nest_default.first;  // not a structured binding: lambdas capture it (C++17)
            if (std::none_of(m.initial.begin(), m.initial.end(), [&](const auto& v) { return v.variable == variable; }))
                m.initial.push_back({variable, distribution::constant_value(nest_default.second), {}});
        }
    return m;
}

// Parameter names of every model of a population, each with a model that has it (to read
// the field through).
std::vector<std::pair<std::string, neuron_model_kind>> parameter_names_of(const std::vector<neuron_model_kind>& kinds) {
    std::vector<std::pair<std::string, neuron_model_kind>> out;
    for (const auto kind : kinds)
        for (const auto& name : parameter_names(kind))
            if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.first == name; })) out.emplace_back(name, kind);
    return out;
}

// The node types of one population as one population model: parameters that agree between
// the types stay uniform, the others become per-node values; likewise initial values. Types
// of different spiking point models make a mixed population (each neuron its model).
population_model merge_node_types(const std::map<std::int64_t, population_model>& types,
                                  const std::vector<std::int64_t>& node_type, const dataset_reader& d) {
    const auto& [first_id, first] = *types.begin();
    std::vector<neuron_model_kind> kinds{first.model};
    for (const auto& [id, m] : types) {
        if (m.model == first.model) continue;
        // Every check made on the population's model then holds for each of its neurons.
        for (const auto& [type_id, kind] : {std::pair{first_id, first.model}, std::pair{id, m.model}})
            if (!is_spiking(kind) || !has_membrane_potential(kind))
                d.fail_at("node_type_id", "the population mixes node types " + std::to_string(first_id) + " (" +
                                              to_string(first.model) + ") and " + std::to_string(id) + " (" + to_string(m.model) +
                                              "); a population may mix spiking point models with a membrane potential, not " +
                                              to_string(kind) + " (node type " + std::to_string(type_id) +
                                              "): expected a population of its own for it");
        if (std::find(kinds.begin(), kinds.end(), m.model) == kinds.end()) kinds.push_back(m.model);
    }
    population_model out = first;
    out.initial.clear();
    if (kinds.size() > 1)
        for (const auto id : node_type) out.neuron_models.push_back(types.at(id).model);
    for (const auto& [name, owner] : parameter_names_of(kinds)) {
        std::map<std::int64_t, double> value;
        for (const auto& [id, m] : types) {
            const auto own = parameter_names(m.model);
            get_parameter(m.parameters, std::find(own.begin(), own.end(), name) != own.end() ? m.model : owner, name, value[id]);
        }
        const bool uniform = std::all_of(value.begin(), value.end(), [&](const auto& v) { return v.second == value.begin()->second; });
        if (uniform) continue;
        parameter_variation v;
        v.parameter = name;
        for (const auto id : node_type) v.values.push_back(value.at(id));
        out.varied.push_back(std::move(v));
    }
    std::vector<std::string> variables;
    for (const auto& [id, m] : types)
        for (const auto& init : m.initial)
            if (std::find(variables.begin(), variables.end(), init.variable) == variables.end()) variables.push_back(init.variable);
    for (const auto& variable : variables) {
        std::map<std::int64_t, std::optional<distribution>> given;
        for (const auto& [id, m] : types)
            for (const auto& init : m.initial)
                if (init.variable == variable) given[id] = init.value;
        const auto& one = given.begin()->second;
        const bool same = given.size() == types.size() &&
                          std::all_of(given.begin(), given.end(), [&](const auto& g) {
                              return distribution_to_json(*g.second) == distribution_to_json(*one);
                          });
        if (same) {
            out.initial.push_back({variable, *one, {}});
            continue;
        }
        std::map<std::int64_t, double> value;
        for (const auto& [id, m] : types) {
            auto it = given.find(id);
            if (it == given.end()) {
                value[id] = std::numeric_limits<double>::quiet_NaN();  // at its rest (the engine's resting state)
            } else if (!it->second->is_constant()) {
                fail(m.origin.file, "dynamics_params", "node type " + std::to_string(id) + " draws its initial " + variable +
                                                           " while other node types of the population set other values; "
                                                           "expected numbers", m.origin.line);
            } else {
                value[id] = it->second->value;
            }
        }
        initial_value init{variable, {}, {}};
        for (const auto id : node_type) init.values.push_back(value.at(id));
        out.initial.push_back(std::move(init));
    }
    return out;
}

// A per-node dynamics_params dataset of node group `g`: the values of its nodes replace
// their node types' (a parameter, or a state variable's initial value).
void apply_per_node_values(population_model& m, const std::string& key, const std::vector<double>& rows, std::int64_t g,
                           const std::vector<std::int64_t>& node_group, const std::vector<std::int64_t>& node_row,
                           const std::string& file, const std::string& path) {
    const std::size_t n = node_group.size();
    const auto kinds = models_in(m);
    const auto named = parameter_names_of(kinds);
    std::vector<std::string> params, vars;
    for (const auto& p : named) params.push_back(p.first);
    for (const auto kind : kinds)
        for (const auto& v : recordable_variables(kind))
            if (std::find(vars.begin(), vars.end(), v) == vars.end()) vars.push_back(v);
    const bool is_parameter = std::find(params.begin(), params.end(), key) != params.end();
    const bool is_variable = std::find(vars.begin(), vars.end(), key) != vars.end();
    if (!is_parameter && !is_variable) {
        std::vector<std::string> known = params;
        known.insert(known.end(), vars.begin(), vars.end());
        fail(file, path + "/" + key, std::string("unknown parameter '") + key + "' of model " + to_string(m.model) + suggest(key, known));
    }
    std::vector<double>* values = nullptr;
    if (is_parameter) {
        auto it = std::find_if(m.varied.begin(), m.varied.end(), [&](const auto& v) { return v.parameter == key; });
        if (it == m.varied.end()) {
            double uniform = 0.0;
            const auto owner = std::find_if(named.begin(), named.end(), [&](const auto& p) { return p.first == key; })->second;
            get_parameter(m.parameters, owner, key, uniform);
            m.varied.push_back({key, {}, std::vector<double>(n, uniform)});
            it = m.varied.end() - 1;
        }
        values = &it->values;
    } else {
        auto it = std::find_if(m.initial.begin(), m.initial.end(), [&](const auto& v) { return v.variable == key; });
        if (it == m.initial.end()) {  // the nodes outside this group start at their rest (NaN)
            m.initial.push_back({key, {}, std::vector<double>(n, std::numeric_limits<double>::quiet_NaN())});
            it = m.initial.end() - 1;
        } else if (it->values.empty()) {  // ... or at what their node types give
            if (!it->value.is_constant())
                fail(file, path + "/" + key, "the node types draw the initial " + key +
                                                 " while this group gives per-node values; expected one or the other");
            it->values.assign(n, it->value.value);
        }
        values = &it->values;
    }
    for (std::size_t k = 0; k < n; ++k) {
        if (node_group[k] != g) continue;
        if (node_row[k] < 0 || static_cast<std::size_t>(node_row[k]) >= rows.size())
            fail(file, path + "/" + key, "node " + std::to_string(k) + " points at row " + std::to_string(node_row[k]) +
                                             ", but the dataset has " + std::to_string(rows.size()) + " values");
        (*values)[k] = rows[node_row[k]];
    }
}

// A node population as node sets see it: node sets select by node-type attributes.
struct circuit_population {
    std::string name;
    std::size_t index = 0;  // in spec.layout
    std::shared_ptr<const type_table> types;
    std::set<std::int64_t> used_types;
    std::set<std::string> node_attributes;  // per-node datasets of its node groups
    std::vector<std::int64_t> node_type;         // per node
};

circuit_population import_node_population(hid_t nodes, const std::string& file, const std::string& name,
                                          const std::shared_ptr<const type_table>& types_ptr, const circuit_dirs& dirs,
                                          target_simulator target, network_spec& spec) {
    const type_table& types = *types_ptr;
    circuit_population info{name, spec.layout.count(), types_ptr, {}, {}, {}};
    const std::string base = "/nodes/" + name;
    h5::handle group = h5::open_group(nodes, name);
    dataset_reader d(group.get(), file, base);
    const auto type_ids = d.integers("node_type_id", "one node type per node");
    const std::size_t n = type_ids.size();
    if (n == 0) d.fail_at("node_type_id", "the population has no nodes; expected at least one");
    if (d.has("node_id")) {  // optional in SONATA; when given it must be 0..n-1
        const auto ids = d.integers("node_id", "the node ids 0..n-1");
        if (ids.size() != n) d.fail_at("node_id", std::to_string(ids.size()) + " entries but node_type_id has " + std::to_string(n));
        for (std::size_t k = 0; k < n; ++k)
            if (ids[k] != static_cast<std::int64_t>(k))
                d.fail_at("node_id", "expected the node ids 0.." + std::to_string(n - 1) + " in order (entry " +
                                         std::to_string(k) + " is " + std::to_string(ids[k]) + ")");
    }
    // Node groups hold per-node attributes: positions and the like are not used; a
    // `dynamics_params` subgroup holds per-node parameters (read below). A per-node model
    // would mix models within a population, which the engine does not do.
    const auto groups = numbered_groups(group.get());
    for (const auto g : groups) {
        h5::handle gg = h5::open_group(group.get(), std::to_string(g));
        for (const auto& child : h5::child_names(gg.get())) info.node_attributes.insert(child);
        for (const char* override_name : {"model_template", "model_type"})
            if (h5::exists(gg.get(), override_name))
                fail(file, base + "/" + std::to_string(g) + "/" + override_name,
                     "per-node " + std::string(override_name) + " is not supported: Synaptogen runs one model per "
                     "population; expected node types (node_types.csv) to carry it");
    }
    if (d.has("node_group_id") != d.has("node_group_index"))
        d.fail_at(d.has("node_group_id") ? "node_group_index" : "node_group_id",
                  "missing dataset; node_group_id and node_group_index come together");
    if (d.has("node_group_id")) {
        const auto gid = d.integers("node_group_id", "one group per node");
        const auto gidx = d.integers("node_group_index", "one row per node");
        if (gid.size() != n) d.fail_at("node_group_id", std::to_string(gid.size()) + " entries but node_type_id has " + std::to_string(n));
        if (gidx.size() != n) d.fail_at("node_group_index", std::to_string(gidx.size()) + " entries but node_type_id has " + std::to_string(n));
        std::map<std::int64_t, std::size_t> rows;
        for (const auto g : groups) rows[g] = group_rows(h5::open_group(group.get(), std::to_string(g)).get());
        for (std::size_t k = 0; k < n; ++k) {
            auto it = rows.find(gid[k]);
            if (it == rows.end())
                d.fail_at("node_group_id", "node " + std::to_string(k) + " is in group " + std::to_string(gid[k]) + ", which does not exist");
            if (gidx[k] < 0 || (it->second > 0 && static_cast<std::size_t>(gidx[k]) >= it->second))
                d.fail_at("node_group_index", "node " + std::to_string(k) + " points at row " + std::to_string(gidx[k]) +
                                                  " of group " + std::to_string(gid[k]) + ", which has " + std::to_string(it->second));
        }
    }
    std::map<std::int64_t, population_model> type_models;
    for (const auto id : std::set<std::int64_t>(type_ids.begin(), type_ids.end())) {
        auto it = types.rows.find(id);
        if (it == types.rows.end())
            d.fail_at("node_type_id", "node type " + std::to_string(id) + " is not in " + types.file);
        if (auto pop = types.cell(it->second, "population"); pop && *pop != name)
            fail(types.file, "population", "node type " + std::to_string(id) + " is declared for population '" + *pop +
                                               "' but used by '" + name + "' (" + file + ")", it->second.line);
        type_models.emplace(id, resolve_node_type(types, id, it->second, dirs, spec.simulation.dt, target));
    }
    population_model model = merge_node_types(type_models, type_ids, d);
    // One model per population: the first node type's template names it for all.
    const std::string model_template = types.cell(types.rows.at(type_ids[0]), "model_template").value_or("");
    // Per-node dynamics_params datasets override their node type's values.
    std::vector<std::int64_t> node_group(n, groups.empty() ? 0 : groups.front()), node_row(n);
    if (!d.has("node_group_id") && groups.size() > 1)
        d.fail_at("node_group_id", "missing dataset; with " + std::to_string(groups.size()) +
                                       " node groups, node_group_id and node_group_index say which holds each node");
    if (d.has("node_group_id")) {
        node_group = d.integers("node_group_id", "one group per node");
        node_row = d.integers("node_group_index", "one row per node");
    } else {
        std::iota(node_row.begin(), node_row.end(), 0);
    }
    for (const auto g : groups) {
        h5::handle gg = h5::open_group(group.get(), std::to_string(g));
        if (!h5::exists(gg.get(), "dynamics_params")) continue;
        h5::handle dp = h5::open_group(gg.get(), "dynamics_params");
        const std::string dp_path = base + "/" + std::to_string(g) + "/dynamics_params";
        dataset_reader per_node(dp.get(), file, dp_path);
        for (const auto& key : h5::child_names(dp.get())) {
            std::vector<double> values = per_node.reals(key, "one value per node of group " + std::to_string(g));
            if (in_seconds(model_template, key))  // in the unit of the node types' files
                for (double& x : values) x *= 1000.0;
            apply_per_node_values(model, key, values, g, node_group, node_row, file, dp_path);
        }
    }
    if (spec.layout.find(name)) fail(file, base, "a population named '" + name + "' already exists; expected unique names");
    spec.layout.add(name, n);
    model.origin = {file, 0, base};
    info.node_type = type_ids;
    spec.models.push_back(model);
    spec.record_spikes.resize(spec.layout.count(), false);
    info.used_types.insert(type_ids.begin(), type_ids.end());
    return info;
}

// ---------------------------------------------------------------------------------------
// Circuit import: edges

struct edge_type {
    std::optional<double> weight, delay;
    std::optional<double> nsyns;         // synapses per edge (edge_types.csv column)
    double sign = 1.0;                   // BioNet's "sign" of the synapse model file
    std::optional<std::int64_t> receptor_type;  // NEST's receptor port
    synapse_spec synapse;  // static unless model_template names another Synaptogen synapse model
};

// A continuous synapse model acts within the step: its edges carry no delay.
bool is_continuous(synapse_kind k) { return k != synapse_kind::static_synapse && k != synapse_kind::stdp; }

edge_type resolve_edge_type(const type_table& types, std::int64_t id, const type_table::row& row, const circuit_dirs& dirs,
                            ignored_keys& ignored) {
    const std::string what = "edge type " + std::to_string(id);
    edge_type e;
    if (auto t = types.cell(row, "model_template")) {
        // Static synapses under their usual names, or "synaptogen:<synapse model>".
        std::vector<std::string> known = {"static_synapse", "nest:static_synapse"};
        for (const auto& k : synapse_kind_names()) known.push_back("synaptogen:" + k);
        const bool is_static = *t == "static_synapse" || *t == "nest:static_synapse";
        if (!is_static && !(t->rfind("synaptogen:", 0) == 0 && parse_synapse_kind(t->substr(11), e.synapse.kind)))
            fail(types.file, "model_template", what + " has model_template '" + *t + "'" + suggest(*t, known), row.line);
    }
    // bmtk's weight functions are Python functions of its build script; "wmax" returns
    // syn_weight as it is, the others would have to be run.
    if (auto v = types.cell(row, "weight_function"); v && *v != "wmax")
        fail(types.file, "weight_function", what + " has weight_function '" + *v +
                                                "', a function of the build script; expected 'wmax' or final per-edge weights "
                                                "in syn_weight", row.line);
    if (auto v = types.cell(row, "weight_sigma"))
        fail(types.file, "weight_sigma", what + " has weight_sigma '" + *v +
                                             "', which a build-time weight function uses; expected final weights in syn_weight",
             row.line);
    if (types.cell(row, "nsyns")) e.nsyns = types.number(row, "nsyns");
    if (auto params = types.cell(row, "dynamics_params")) {
        const fs::path file = fs::path(*params).is_absolute() ? fs::path(*params) : dirs.synaptic_models / *params;
        const std::string path = file.lexically_normal().string();
        const json j = parse_json(read_text(path, {types.file, row.line, "dynamics_params"}, "a synapse dynamics_params JSON file"), path);
        if (!j.is_object()) fail(path, "", "expected a JSON object");
        std::vector<std::string> keys = synapse_parameter_names(e.synapse.kind);
        keys.insert(keys.end(), {"name", "level_of_detail", "synapse_model", "sign", "receptor_type"});
        synapse_spec& syn = e.synapse;
        for (const auto& item : j.items()) {
            const std::string& key = item.key();
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                // A static synapse has no parameters: keys of other simulators' synapse models
                // (NEURON's Exp2Syn tau1, ...) change nothing a point-neuron run simulates.
                if (syn.kind == synapse_kind::static_synapse) {
                    ignored.add(fs::path(path).filename().string() + " key " + key);
                    continue;
                }
                fail(path, key, std::string("a ") + to_string(syn.kind) + " synapse has no parameter '" + key + "'" + suggest(key, keys));
            }
            if (key == "level_of_detail" || key == "synapse_model") continue;
            if (key == "sign") {
                if (!item.value().is_number() || std::fabs(item.value().get<double>()) != 1.0)
                    fail(path, key, "expected 1 or -1, got " + item.value().dump());
                e.sign = item.value().get<double>();
                continue;
            }
            if (key == "receptor_type") {
                if (!item.value().is_number_integer() || item.value().get<std::int64_t>() < 0)
                    fail(path, key, "expected a receptor port number >= 0, got " + item.value().dump());
                e.receptor_type = item.value().get<std::int64_t>();
                continue;
            }
            auto text = [&](const std::vector<std::string>& allowed) {
                if (!item.value().is_string()) fail(path, key, "expected a string");
                const std::string v = item.value().get<std::string>();
                if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
                    fail(path, key, "unknown value '" + v + "'" + suggest(v, allowed));
                return v;
            };
            if (key == "name") {
                if (!item.value().is_string()) fail(path, key, "expected a string");
                syn.name = item.value().get<std::string>();
            } else if (key == "rule") syn.stdp.multiplicative = text({"additive", "multiplicative"}) == "multiplicative";
            else if (key == "pairing") syn.stdp.nearest = text({"all_to_all", "nearest"}) == "nearest";
            else if (!item.value().is_number()) fail(path, key, "expected a number");
            else set_synapse_parameter(syn, key, item.value().get<double>());
        }
        if (syn.kind == synapse_kind::stdp && !j.contains("w_max")) fail(path, "w_max", "missing; an STDP synapse needs its upper bound");
        for (const auto& problem : check_synapse(syn)) fail(path, problem.name, problem.what);
    } else if (e.synapse.kind == synapse_kind::stdp) {
        fail(types.file, "dynamics_params", what + " is an STDP synapse; expected a dynamics_params file with at least w_max", row.line);
    }
    e.weight = types.number(row, "syn_weight");
    e.delay = types.number(row, "delay");
    return e;
}

// An index group (indices/source_to_target or target_to_source): node_id_to_ranges[n] is
// a [first, end) run of rows of range_to_edge_id, each row a [first, end) run of edge ids
// whose `node` (source or target) is n. Together the runs must cover every edge once.
void check_index(hid_t population, const std::string& file, const std::string& base, const std::string& which,
                 const std::vector<std::int64_t>& node_of_edge, std::size_t node_count) {
    if (!h5::is_group(population, "indices")) return;
    h5::handle indices = h5::open_group(population, "indices");
    if (!h5::is_group(indices.get(), which)) return;
    h5::handle g = h5::open_group(indices.get(), which);
    const std::string path = base + "/indices/" + which;
    dataset_reader d(g.get(), file, path);
    // Both spellings occur in files written by different tools.
    const std::string nodes_name = d.has("node_id_to_ranges") ? "node_id_to_ranges" : "node_id_to_range";
    const std::string ranges_name = d.has("range_to_edge_id") ? "range_to_edge_id" : "range_to_edge_ids";
    if (!d.has(nodes_name)) d.fail_at("node_id_to_ranges", "missing dataset 'node_id_to_ranges' (or 'node_id_to_range')");
    if (!d.has(ranges_name)) d.fail_at("range_to_edge_id", "missing dataset 'range_to_edge_id' (or 'range_to_edge_ids')");
    std::size_t nodes = 0, ranges = 0;
    const auto node_ranges = d.pairs(nodes_name, nodes);
    const auto edge_ranges = d.pairs(ranges_name, ranges);
    if (nodes > node_count)
        d.fail_at(nodes_name, std::to_string(nodes) + " rows for a population of " + std::to_string(node_count) + " nodes");
    const std::size_t n_edges = node_of_edge.size();
    std::vector<std::uint8_t> seen(n_edges, 0);
    for (std::size_t node = 0; node < nodes; ++node) {
        const std::int64_t a = node_ranges[2 * node], b = node_ranges[2 * node + 1];
        if (a == b) continue;  // a node without edges ([0, 0] or any empty run)
        if (a < 0 || b < a || static_cast<std::size_t>(b) > ranges)
            d.fail_at(nodes_name, "node " + std::to_string(node) + " has the range rows [" + std::to_string(a) + ", " +
                                      std::to_string(b) + "), outside the " + std::to_string(ranges) + " rows of " + ranges_name);
        for (auto r = a; r < b; ++r) {
            const std::int64_t e0 = edge_ranges[2 * r], e1 = edge_ranges[2 * r + 1];
            if (e0 < 0 || e1 < e0 || static_cast<std::size_t>(e1) > n_edges)
                d.fail_at(ranges_name, "row " + std::to_string(r) + " is the edge range [" + std::to_string(e0) + ", " +
                                           std::to_string(e1) + "), outside the " + std::to_string(n_edges) + " edges");
            for (auto e = e0; e < e1; ++e) {
                if (node_of_edge[e] != static_cast<std::int64_t>(node))
                    d.fail_at(ranges_name, "row " + std::to_string(r) + " lists edge " + std::to_string(e) + " under node " +
                                               std::to_string(node) + ", but that edge's node is " + std::to_string(node_of_edge[e]) +
                                               "; the index does not match the edge arrays");
                if (seen[e]++) d.fail_at(ranges_name, "edge " + std::to_string(e) + " is listed twice");
            }
        }
    }
    for (std::size_t e = 0; e < n_edges; ++e)
        if (!seen[e])
            d.fail_at(ranges_name, "edge " + std::to_string(e) + " (node " + std::to_string(node_of_edge[e]) +
                                       ") is in no range; the index does not match the edge arrays");
}

// The node population of source_node_id or target_node_id: its node_population attribute,
// or, where a tool left it out (bmtk), the only node population of the circuit or the
// matching side of an edge population named "<source>_to_<target>".
std::size_t node_population(dataset_reader& d, const std::string& dataset, const std::string& edge_population,
                            const std::vector<std::string>& circuit_populations, const network_spec& spec) {
    std::string name;
    if (d.has_attribute(dataset, "node_population")) {
        name = d.text_attribute(dataset, "node_population");
    } else {
        const bool source = dataset == "source_node_id";
        std::vector<std::string> candidates;
        if (circuit_populations.size() == 1) candidates = circuit_populations;
        for (auto at = edge_population.find("_to_"); circuit_populations.size() > 1 && at != std::string::npos;
             at = edge_population.find("_to_", at + 1)) {
            const std::string a = edge_population.substr(0, at), b = edge_population.substr(at + 4);
            const auto is_node_population = [&](const std::string& x) {
                return std::find(circuit_populations.begin(), circuit_populations.end(), x) != circuit_populations.end();
            };
            if (is_node_population(a) && is_node_population(b)) candidates.push_back(source ? a : b);
        }
        if (candidates.size() != 1)
            d.fail_at(dataset, "missing attribute 'node_population', and it cannot be inferred: the circuit has " +
                                   std::to_string(circuit_populations.size()) + " node populations (" + join(circuit_populations) +
                                   ") and the edge population's name '" + edge_population +
                                   "' is not '<source>_to_<target>' of two of them; expected the attribute naming the node "
                                   "population");
        name = candidates.front();
        spdlog::info("{}: {} has no node_population attribute; taken to be '{}'", d.file(), d.path(dataset), name);
    }
    if (auto p = spec.layout.find(name)) return *p;
    std::vector<std::string> names;
    for (const auto& p : spec.layout.populations()) names.push_back(p.name);
    d.fail_at(dataset, "node_population '" + name + "' is not a node population of the circuit" + suggest(name, names));
}

// NEST's receptor ports: models with one port take receptor_type 0; glif_psc numbers its
// ports from 1, one per tau_syn entry, and the edge's input goes to that port whatever its
// sign. Returns the projection's receptor (0: none, input goes by its sign).
std::uint32_t edge_receptor(const population_model& m, neuron_id target, std::int64_t receptor, const std::string& file,
                            const std::string& base, std::size_t edge, std::int64_t type) {
    const std::string what = "edge " + std::to_string(edge) + " (edge type " + std::to_string(type) + ") has receptor_type " +
                             std::to_string(receptor);
    const neuron_model_kind kind = model_of(m, target);
    if (kind != neuron_model_kind::glif_psc) {
        if (receptor != 0)
            fail(file, base, what + "; its target node " + std::to_string(target) + " (" + to_string(kind) +
                                 ") has one receptor port: expected receptor_type 0");
        return 0;
    }
    const int ports = static_cast<int>(parameters_of(m, target, target, 0).receptor_ports);
    if (receptor < 1 || receptor > ports)
        fail(file, base, what + "; its target node " + std::to_string(target) + " (glif_psc) has receptor ports 1.." +
                             std::to_string(ports) + ", one per tau_syn entry");
    return static_cast<std::uint32_t>(receptor);
}

void import_edge_population(hid_t edges, const std::string& file, const std::string& name, const type_table& types,
                            const circuit_dirs& dirs, const std::vector<std::string>& circuit_populations,
                            target_simulator target, ignored_keys& ignored, network_spec& spec) {
    const std::string base = "/edges/" + name;
    h5::handle group = h5::open_group(edges, name);
    dataset_reader d(group.get(), file, base);
    const auto src = d.integers("source_node_id", "the source node of each edge");
    const auto tgt = d.integers("target_node_id", "the target node of each edge");
    const std::size_t n = src.size();
    auto same_length = [&](const std::string& dataset, std::size_t size) {
        if (size != n)
            d.fail_at(dataset, std::to_string(size) + " entries but source_node_id has " + std::to_string(n) +
                                   "; expected one per edge");
    };
    same_length("target_node_id", tgt.size());
    const std::size_t s = node_population(d, "source_node_id", name, circuit_populations, spec),
                      t = node_population(d, "target_node_id", name, circuit_populations, spec);
    const neuron_id ns = spec.layout[s].size, nt = spec.layout[t].size;
    for (std::size_t e = 0; e < n; ++e) {
        if (src[e] < 0 || src[e] >= static_cast<std::int64_t>(ns))
            d.fail_at("source_node_id", "edge " + std::to_string(e) + " starts at node " + std::to_string(src[e]) +
                                            ", outside population '" + spec.layout[s].name + "' (0.." + std::to_string(ns - 1) + ")");
        if (tgt[e] < 0 || tgt[e] >= static_cast<std::int64_t>(nt))
            d.fail_at("target_node_id", "edge " + std::to_string(e) + " ends at node " + std::to_string(tgt[e]) +
                                            ", outside population '" + spec.layout[t].name + "' (0.." + std::to_string(nt - 1) + ")");
    }
    const auto type_ids = d.integers("edge_type_id", "one edge type per edge");
    same_length("edge_type_id", type_ids.size());

    // Edge groups: per-edge syn_weight and delay, overriding the edge type's.
    std::vector<std::int64_t> group_id(n, 0), group_index(n);
    const auto groups = numbered_groups(group.get());
    if (d.has("edge_group_id") != d.has("edge_group_index"))
        d.fail_at(d.has("edge_group_id") ? "edge_group_index" : "edge_group_id",
                  "missing dataset; edge_group_id and edge_group_index come together");
    if (d.has("edge_group_id")) {
        group_id = d.integers("edge_group_id", "one group per edge");
        group_index = d.integers("edge_group_index", "one row per edge");
        same_length("edge_group_id", group_id.size());
        same_length("edge_group_index", group_index.size());
    } else {
        if (groups.size() > 1) d.fail_at("edge_group_id", "missing dataset; expected it with several edge groups");
        if (!groups.empty()) std::fill(group_id.begin(), group_id.end(), groups[0]);
        for (std::size_t e = 0; e < n; ++e) group_index[e] = static_cast<std::int64_t>(e);
    }
    struct group_data {
        std::vector<double> weight, delay, nsyns;  // empty: not given per edge
        std::size_t rows = 0;
        std::map<std::uint32_t, projection_spec> by_receptor;  // the group's projection per receptor port
        std::optional<synapse_spec> synapse;  // one synapse model per group
    };
    std::map<std::int64_t, group_data> data;
    for (const auto g : groups) {
        const std::string g_name = std::to_string(g);
        h5::handle gg = h5::open_group(group.get(), g_name);
        dataset_reader gd(gg.get(), file, base + "/" + g_name);
        for (const char* refused : {"dynamics_params", "model_template"})
            if (h5::exists(gg.get(), refused))
                gd.fail_at(refused, std::string("per-edge ") + refused + " is not supported; expected static synapses with "
                                                                      "final weights in syn_weight");
        group_data& gdat = data[g];
        gdat.rows = group_rows(gg.get());
        if (gd.has("syn_weight")) gdat.weight = gd.reals("syn_weight", "one weight per edge of the group");
        if (gd.has("delay")) gdat.delay = gd.reals("delay", "one delay [ms] per edge of the group");
        if (gd.has("nsyns")) gdat.nsyns = gd.reals("nsyns", "synapses per edge of the group");
    }
    std::map<std::int64_t, edge_type> resolved;
    for (const auto id : std::set<std::int64_t>(type_ids.begin(), type_ids.end())) {
        auto it = types.rows.find(id);
        if (it == types.rows.end()) d.fail_at("edge_type_id", "edge type " + std::to_string(id) + " is not in " + types.file);
        resolved[id] = resolve_edge_type(types, id, it->second, dirs, ignored);
    }
    const double dt = spec.simulation.dt;
    for (std::size_t e = 0; e < n; ++e) {
        auto it = data.find(group_id[e]);
        if (it == data.end())
            d.fail_at("edge_group_id", "edge " + std::to_string(e) + " is in group " + std::to_string(group_id[e]) + ", which does not exist");
        group_data& g = it->second;
        const std::int64_t row = group_index[e];
        if (row < 0 || (g.rows > 0 && static_cast<std::size_t>(row) >= g.rows))
            d.fail_at("edge_group_index", "edge " + std::to_string(e) + " points at row " + std::to_string(row) + " of group " +
                                              std::to_string(group_id[e]) + ", which has " + std::to_string(g.rows));
        const edge_type& type = resolved[type_ids[e]];
        const std::string group_path = base + "/" + std::to_string(group_id[e]);
        auto value = [&](const std::vector<double>& per_edge, const std::optional<double>& per_type, const std::string& what) {
            if (!per_edge.empty()) {
                if (static_cast<std::size_t>(row) >= per_edge.size())
                    fail(file, group_path + "/" + what, "has " + std::to_string(per_edge.size()) + " entries; edge " +
                                                             std::to_string(e) + " needs row " + std::to_string(row));
                return per_edge[row];
            }
            if (per_type) return *per_type;
            // NEST connects with static_synapse's defaults: weight 1.0, delay 1.0 ms.
            if (target == target_simulator::nest) return 1.0;
            fail(file, group_path, "edge " + std::to_string(e) + " has no " + what + ": expected a dataset '" + what +
                                       "' in its group or a '" + what + "' column for edge type " +
                                       std::to_string(type_ids[e]) + " in " + types.file);
        };
        if (!g.synapse) g.synapse = type.synapse;
        if (g.synapse->kind != type.synapse.kind || g.synapse->name != type.synapse.name)
            fail(file, group_path, "edge " + std::to_string(e) + " has another synapse model than the group's first edge (edge type " +
                                       std::to_string(type_ids[e]) + "); expected one synapse model per edge group");
        const bool continuous = is_continuous(type.synapse.kind);
        const bool spiking_synapse = !continuous;
        const neuron_model_kind sm = spec.models[s].model, tm = spec.models[t].model;
        if ((type.synapse.kind == synapse_kind::gap_junction || type.synapse.kind == synapse_kind::graded) &&
            (!has_membrane_potential(sm) || !has_membrane_potential(tm)))
            fail(file, base, std::string(to_string(type.synapse.kind)) + " edges need a membrane potential on both sides; '" +
                                 spec.layout[s].name + "' is " + to_string(sm) + " and '" + spec.layout[t].name + "' is " + to_string(tm));
        if (type.synapse.kind == synapse_kind::rate && (!is_rate_model(sm) || !is_rate_model(tm)))
            fail(file, base, "rate edges join rate units; '" + spec.layout[s].name + "' is " + to_string(sm) + " and '" +
                                 spec.layout[t].name + "' is " + to_string(tm));
        if (spiking_synapse && !is_spiking(spec.models[s].model))
            fail(file, base, "population '" + spec.layout[s].name + "' (" + to_string(spec.models[s].model) +
                                 ") does not spike; its edges need a continuous synapse model (synaptogen:graded, "
                                 "synaptogen:gap_junction, synaptogen:rate)");
        explicit_edge x;
        x.source = static_cast<neuron_id>(src[e]);
        x.target = static_cast<neuron_id>(tgt[e]);
        x.weight = value(g.weight, type.weight, "syn_weight");
        // Synapses per edge, as the target simulator counts them: BioNet's NetCon weight is
        // syn_weight * sign * nsyns where nsyns is given; PointNet's (and SONATA's meaning)
        // nsyns * syn_weight; NEST's own reader leaves nsyns aside.
        std::optional<double> nsyns = type.nsyns;
        if (!g.nsyns.empty()) {
            if (static_cast<std::size_t>(row) >= g.nsyns.size())
                fail(file, group_path + "/nsyns", "has " + std::to_string(g.nsyns.size()) + " entries; edge " +
                                                      std::to_string(e) + " needs row " + std::to_string(row));
            nsyns = g.nsyns[static_cast<std::size_t>(row)];
        }
        if (nsyns) {
            if (!(*nsyns >= 0.0) || *nsyns != std::floor(*nsyns))
                fail(file, group_path + "/nsyns", "edge " + std::to_string(e) + " has nsyns " + exact_number_text(*nsyns) +
                                                      "; expected a whole number >= 0");
            if (target == target_simulator::nest) {
                if (*nsyns != 1.0) ignored.add(base + " nsyns (NEST's SONATA reader does not scale weights by it)");
                if (type.sign != 1.0) ignored.add(base + " sign (BioNet's; NEST's reader does not use it)");
            } else {
                x.weight *= *nsyns * (target == target_simulator::neuron ? type.sign : 1.0);
            }
        }
        if (!nsyns && type.sign != 1.0) ignored.add(base + " sign (BioNet applies it with nsyns only)");
        const std::uint32_t receptor =
            type.receptor_type ? edge_receptor(spec.models[t], static_cast<neuron_id>(tgt[e]), *type.receptor_type, file, base, e, type_ids[e])
                               : 0;
        x.delay = continuous ? dt : value(g.delay, type.delay, "delay");  // continuous couplings act within the step
        if (!std::isfinite(x.weight)) fail(file, group_path + "/syn_weight", "edge " + std::to_string(e) + ": expected a finite weight");
        if (continuous && x.weight < 0.0 && type.synapse.kind != synapse_kind::rate)
            fail(file, group_path + "/syn_weight", "edge " + std::to_string(e) + ": expected a conductance >= 0 nS");
        if (!(x.delay >= dt * (1.0 - 1e-9)) || !(x.delay <= max_delay_steps * dt))
            fail(file, group_path + "/delay", "edge " + std::to_string(e) + " has delay " + exact_number_text(x.delay) +
                                                  " ms; expected dt = " + exact_number_text(dt) + " ms <= delay <= " +
                                                  exact_number_text(max_delay_steps * dt) + " ms");
        g.by_receptor[receptor].edges.push_back(x);
    }
    check_index(group.get(), file, base, "source_to_target", src, ns);
    check_index(group.get(), file, base, "target_to_source", tgt, nt);
    // One projection per edge group and receptor port (a projection has one port).
    for (auto& [g, gdat] : data) {
        for (auto& [receptor, p] : gdat.by_receptor) {
            p.source = s;
            p.target = t;
            p.rule = connection_rule_kind::explicit_edges;
            p.edges_have_weights = true;
            p.edges_have_delays = !is_continuous(gdat.synapse->kind);
            p.origin = {file, 0, base + "/" + std::to_string(g)};
            synapse_spec syn = *gdat.synapse;
            syn.receptor = receptor;
            if (syn.kind == synapse_kind::stdp)
                for (const auto& x : p.edges)
                    if (x.weight < syn.stdp.w_min || x.weight > syn.stdp.w_max)
                        fail(file, p.origin.field + "/syn_weight", "weight " + exact_number_text(x.weight) + " is outside the STDP bounds [" +
                                                                       exact_number_text(syn.stdp.w_min) + ", " + exact_number_text(syn.stdp.w_max) + "]");
            if (!syn.name.empty())
                for (const auto& other : spec.synapses)
                    if (other.name == syn.name) fail(file, p.origin.field, "two projections are named '" + syn.name + "'");
            spec.projections.push_back(std::move(p));
            spec.synapses.push_back(syn);
        }
    }
    if (n > 0 && data.empty()) d.fail_at("edge_group_id", "the population has edges but no edge group");
}

// The "networks" entries of a config, with their files resolved.
struct network_entry {
    std::string data_file, types_file, field;
};

std::vector<network_entry> network_entries(const config_file& c, json_reader& networks, const std::string& key,
                                           const std::string& data_key, const std::string& types_key) {
    std::vector<network_entry> out;
    if (!networks.has(key)) return out;
    const json& list = networks.get(key);
    if (!list.is_array()) networks.fail_at(key, "expected a list of {\"" + data_key + "\": ..., \"" + types_key + "\": ...}");
    for (std::size_t k = 0; k < list.size(); ++k) {
        json_reader r(list[k], c.path, networks.field(key) + "[" + std::to_string(k) + "]");
        network_entry e{c.resolve(r.string(data_key)), c.resolve(r.string(types_key)), r.field(data_key)};
        r.mark_used("populations");  // SONATA 2 per-population properties; the node types say it all
        const bool enabled = r.boolean("enabled", true);
        r.finish({data_key, types_key, "populations", "enabled"});
        if (enabled) out.push_back(e);
    }
    return out;
}

// HDF5 helper failures (std::runtime_error "HDF5: ...") become input errors on the file.
template <class Fn>
void reading(const std::string& file, Fn fn) {
    try {
        fn();
    } catch (const input_error&) {
        throw;
    } catch (const internal_error&) {
        throw;
    } catch (const std::runtime_error& e) {
        fail(file, "", std::string("cannot read: ") + e.what());
    }
}

// Spikes from node ids outside the population: input files often cover a larger network
// than the one simulated, so they are counted and dropped with one warning per input.
void warn_dropped_ids(std::size_t dropped, std::size_t total, const std::string& file, const std::string& population,
                      neuron_id size) {
    if (dropped > 0)
        spdlog::warn("{}: {} of {} spikes are from node ids outside '{}' (0..{}); dropped", file, dropped, total, population,
                     size - 1);
}

// The spikes of one population as spike trains: /spikes/<population>/{timestamps [ms],
// node_ids}, or the old unnamed layout /spikes/{timestamps, gids} when `g` is /spikes.
std::shared_ptr<spike_trains> read_spike_datasets(hid_t g, const std::string& file, const std::string& base,
                                                  const std::string& population, neuron_id size) {
    dataset_reader d(g, file, base);
    const auto t = d.reals("timestamps", "spike times [ms]");
    const std::string ids_name = !d.has("node_ids") && d.has("gids") ? "gids" : "node_ids";
    const auto id = d.integers(ids_name, "the node of each spike");
    if (id.size() != t.size())
        d.fail_at(ids_name, std::to_string(id.size()) + " entries but timestamps has " + std::to_string(t.size()));
    {
        h5::handle ts(H5Dopen2(g, "timestamps", H5P_DEFAULT));
        if (h5::has_attribute(ts.get(), "units")) {
            const std::string units = h5::read_text_attribute(ts.get(), "units");
            if (units != "ms") d.fail_at("timestamps", "units '" + units + "'; expected 'ms'");
        }
    }
    auto trains = std::make_shared<spike_trains>();
    trains->file = file;
    std::size_t dropped = 0;
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (!(t[k] >= 0.0) || !std::isfinite(t[k]))
            d.fail_at("timestamps", "spike " + std::to_string(k) + " at " + exact_number_text(t[k]) + " ms; expected a finite time >= 0");
        if (id[k] < 0 || id[k] >= static_cast<std::int64_t>(size)) {
            ++dropped;
            continue;
        }
        trains->neuron.push_back(static_cast<neuron_id>(id[k]));
        trains->time.push_back(t[k]);
    }
    warn_dropped_ids(dropped, t.size(), file, population, size);
    return trains;
}

std::shared_ptr<spike_trains> read_spike_group(hid_t spikes, const std::string& file, const std::string& population,
                                               neuron_id size) {
    h5::handle g = h5::open_group(spikes, population);
    return read_spike_datasets(g.get(), file, "/spikes/" + population, population, size);
}

// Whether /spikes holds the old layout (bmtk before SONATA named populations).
bool is_unnamed_spike_layout(hid_t spikes) { return h5::exists(spikes, "timestamps") && !h5::is_group(spikes, "timestamps"); }

// Adds trains to a population's (several inputs may drive one population).
void add_trains(population_model& m, std::shared_ptr<spike_trains> more) {
    if (m.spikes) {
        auto merged = std::make_shared<spike_trains>(*m.spikes);
        merged->neuron.insert(merged->neuron.end(), more->neuron.begin(), more->neuron.end());
        merged->time.insert(merged->time.end(), more->time.begin(), more->time.end());
        if (merged->file != more->file) merged->file += ", " + more->file;
        m.spikes = merged;
    } else {
        m.spikes = std::move(more);
    }
}

// Node-type columns that change the model (read or refused); any other column describes
// the type (pop_name, ei, ...) and is listed as ignored. Same for edge types.
const std::vector<std::string> node_type_columns = {"node_type_id", "model_type", "model_template", "dynamics_params",
                                                    "population", "model_processing", "morphology"};
const std::vector<std::string> edge_type_columns = {"edge_type_id", "model_template", "dynamics_params", "syn_weight",
                                                    "delay", "weight_function", "weight_sigma", "nsyns"};

void note_ignored_columns(const type_table& t, const std::vector<std::string>& used, ignored_keys& ignored) {
    std::vector<std::string> unused;
    for (const auto& column : t.columns)
        if (std::find(used.begin(), used.end(), column) == used.end()) unused.push_back(column);
    if (!unused.empty())
        ignored.add(fs::path(t.file).filename().string() + (unused.size() == 1 ? " column " : " columns ") + join(unused));
}

// The simulator named by `target_simulator` ("NEST", "NEURON"; any case), or unspecified.
target_simulator parse_target(const std::string& name) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower == "nest") return target_simulator::nest;
    if (lower == "neuron") return target_simulator::neuron;
    return target_simulator::unspecified;
}

// `target`: the simulation config's target_simulator; the circuit config's own applies
// where that names none.
std::vector<circuit_population> import_circuit(const std::string& circuit_config_path, network_spec& spec,
                                               const source_location& where, ignored_keys& ignored,
                                               target_simulator target = target_simulator::unspecified) {
    const config_file c = load_config(circuit_config_path, where);
    json_reader root(c.root, c.path, "");
    if (target == target_simulator::unspecified && c.root.contains("target_simulator") && c.root["target_simulator"].is_string())
        target = parse_target(c.root["target_simulator"].get<std::string>());
    json_reader networks(root.get("networks"), c.path, "networks");
    circuit_dirs dirs{c.dir, c.dir};
    if (root.has("components")) {
        json_reader comp(root.get("components"), c.path, "components");
        dirs.neuron_models = c.resolve(comp.string("point_neuron_models_dir", "."));
        dirs.synaptic_models = c.resolve(comp.string("synaptic_models_dir", "."));
        // Other component folders (morphologies, mechanisms, templates) serve biophysical
        // models, which the node types refuse one by one.
    }
    const auto node_files = network_entries(c, networks, "nodes", "nodes_file", "node_types_file");
    const auto edge_files = network_entries(c, networks, "edges", "edges_file", "edge_types_file");
    // bmtk writes "gap_juncs": [] into point circuits; listed gap-junction files would have
    // to be honoured.
    if (networks.has("gap_juncs")) {
        const json& g = networks.get("gap_juncs");
        if (!g.is_array() || !g.empty())
            networks.fail_at("gap_juncs", "gap-junction files are not read; expected an empty list (Synaptogen gap junctions "
                                          "are edges with model_template synaptogen:gap_junction)");
        ignored.add(networks.field("gap_juncs"));
    }
    networks.finish({"nodes", "edges"});
    if (node_files.empty()) networks.fail_at("nodes", "expected at least one enabled entry with nodes_file and node_types_file");

    quiet_hdf5_errors quiet;
    // Each file: its type table, then every population under /nodes or /edges.
    auto for_each_population = [&](const std::vector<network_entry>& files, const std::string& kind, const auto& fn) {
        for (const auto& e : files) {
            auto types = std::make_shared<const type_table>(
                read_type_table(e.types_file, kind.substr(0, 4) + "_type_id", {c.path, 0, e.field}));
            note_ignored_columns(*types, kind == "nodes" ? node_type_columns : edge_type_columns, ignored);
            reading(e.data_file, [&] {
                h5::handle file = open_hdf5(e.data_file, {c.path, 0, e.field}, "a SONATA " + kind + " file (HDF5)");
                if (!h5::is_group(file.get(), kind))
                    fail(e.data_file, "/" + kind, "missing group '/" + kind + "'; expected /" + kind + "/<population>/...");
                h5::handle group = h5::open_group(file.get(), kind);
                for (const auto& name : h5::child_names(group.get())) fn(group.get(), e.data_file, name, types);
            });
        }
    };
    // All node populations first: edges name them.
    std::vector<circuit_population> populations;
    std::vector<std::string> names;
    for_each_population(node_files, "nodes", [&](hid_t g, const std::string& file, const std::string& name, const auto& types) {
        populations.push_back(import_node_population(g, file, name, types, dirs, target, spec));
        names.push_back(name);
    });
    for_each_population(edge_files, "edges", [&](hid_t g, const std::string& file, const std::string& name, const auto& types) {
        import_edge_population(g, file, name, *types, dirs, names, target, ignored, spec);
    });
    return populations;
}

}  // namespace

void import_sonata_circuit(const std::string& circuit_config_path, network_spec& spec, const source_location& where) {
    ignored_keys ignored;
    import_circuit(circuit_config_path, spec, where, ignored);
    ignored.warn(circuit_config_path);
}

void read_sonata_input_spikes(const std::string& spike_file, network_spec& spec, const source_location& where) {
    quiet_hdf5_errors quiet;
    reading(spike_file, [&] {
        h5::handle file = open_hdf5(spike_file, where, "a SONATA spike file (HDF5)");
        if (!h5::is_group(file.get(), "spikes")) fail(spike_file, "/spikes", "missing group '/spikes'; expected /spikes/<population>/...");
        h5::handle spikes = h5::open_group(file.get(), "spikes");
        std::vector<std::string> sources;
        for (std::size_t k = 0; k < spec.layout.count(); ++k)
            if (spec.models[k].model == neuron_model_kind::spike_source) sources.push_back(spec.layout[k].name);
        if (is_unnamed_spike_layout(spikes.get())) {  // names no population: only one can be meant
            if (sources.size() != 1)
                fail(spike_file, "/spikes/timestamps", "the old layout /spikes/{timestamps, gids} names no population, and "
                                                       "the network has " + std::to_string(sources.size()) +
                                                       " virtual populations; expected /spikes/<population>/...");
            const std::size_t p = *spec.layout.find(sources[0]);
            add_trains(spec.models[p], read_spike_datasets(spikes.get(), spike_file, "/spikes", sources[0], spec.layout[p].size));
            return;
        }
        for (const auto& name : h5::child_names(spikes.get())) {
            auto p = spec.layout.find(name);
            if (!p || spec.models[*p].model != neuron_model_kind::spike_source)
                fail(spike_file, "/spikes/" + name, "'" + name + "' is not a virtual (spike_source) population" + suggest(name, sources));
            add_trains(spec.models[*p], read_spike_group(spikes.get(), spike_file, name, spec.layout[*p].size));
        }
    });
}

// ---------------------------------------------------------------------------------------
// Simulation config

namespace {

class simulation_loader {
public:
    // `circuit`: the circuit named next to the simulation by bmtk's top-level config.json.
    simulation_loader(config_file c, std::optional<std::string> circuit, source_location circuit_where)
        : c_(std::move(c)), root_(c_.root, c_.path, ""), outer_circuit_(std::move(circuit)),
          outer_circuit_where_(std::move(circuit_where)) {}

    network_spec load() {
        spec_.source_file = c_.path;
        spec_.source_text = c_.text;
        read_run();
        // The simulator the files were written for: its defaults fill what they leave out.
        target_name_ = root_.string("target_simulator", "");
        target_ = parse_target(target_name_);
        read_circuit();
        // SONATA simulations write the spikes of every simulated (non-virtual) population.
        spec_.record_spikes.assign(spec_.layout.count(), false);
        for (std::size_t p = 0; p < spec_.layout.count(); ++p)
            spec_.record_spikes[p] = spec_.models[p].model != neuron_model_kind::spike_source;
        read_node_sets();
        if (root_.has("inputs")) {
            json_reader inputs(root_.get("inputs"), c_.path, "inputs");
            for (const auto& item : inputs.object().items()) read_input(item.key(), item.value());
        }
        note_spikes_after_tstop();
        if (root_.has("reports")) {
            json_reader reports(root_.get("reports"), c_.path, "reports");
            for (const auto& item : reports.object().items()) read_report(item.key(), item.value());
        }
        read_output();
        if (root_.has("conditions"))
            spdlog::warn("{}: 'conditions' (temperature, v_init) is ignored: point models take their initial state from "
                         "dynamics_params", c_.path);
        root_.finish({"manifest", "run", "network", "networks", "components", "node_sets_file", "inputs", "reports",
                      "output", "conditions", "target_simulator"});
        ignored_.warn(c_.path);
        summarize();
        return std::move(spec_);
    }

    const sonata_summary& summary() const { return summary_; }

private:
    void read_run() {
        json_reader run(root_.get("run"), c_.path, "run");
        simulation_settings& s = spec_.simulation;
        s.origin = run.where();
        s.dt = run.number("dt", s.dt);
        if (!(s.dt > 0.0)) run.fail_at("dt", "expected a positive time step in ms");
        s.duration = run.number("tstop");
        if (!(s.duration >= 0.0)) run.fail_at("tstop", "expected a duration >= 0 in ms");
        if (s.duration / s.dt > 4.0e9) run.fail_at("tstop", "more than 4e9 steps; expected a shorter run or a larger dt");
        if (run.number("tstart", 0.0) != 0.0) run.fail_at("tstart", "simulations start at t = 0 ms; expected tstart = 0");
        if (run.has("spike_threshold")) {
            run.mark_used("spike_threshold");
            spdlog::warn("{}: run.spike_threshold is ignored: point models use their own threshold (V_th)", c_.path);
        }
        if (run.has("random_seed")) {  // the seed of the run's random streams, as --seed
            const json& seed = run.get("random_seed");
            if (!seed.is_number_unsigned())
                run.fail_at("random_seed", "expected an integer >= 0, got " + seed.dump());
            s.seed = seed.get<std::uint64_t>();
        }
        // NEURON's and bmtk's execution settings (segment length, buffering, block-wise
        // runs, seeds of NEURON mechanisms) do not apply to point-neuron runs.
        run.finish({"tstop", "dt", "tstart", "spike_threshold", "random_seed"},
                   {"dL", "nsteps_block", "overwrite_output_dir", "block_run", "block_size", "integration_method",
                    "stimulus_seed", "ionchannel_seed", "minis_seed", "synapse_seed"},
                   ignored_);
    }

    // Input files often cover longer runs than tstop. Their later spikes stay: a run given
    // a longer --duration (or continued from a checkpoint) replays them; within tstop they
    // never fire.
    void note_spikes_after_tstop() const {
        const std::uint64_t steps = spec_.simulation.steps();
        for (std::size_t p = 0; p < spec_.layout.count(); ++p) {
            const population_model& m = spec_.models[p];
            if (!m.spikes) continue;
            const auto later = std::count_if(m.spikes->time.begin(), m.spikes->time.end(), [&](double t) {
                return spike_time_to_step(t, spec_.simulation.dt) >= steps;
            });
            if (later > 0)
                spdlog::info("{}: {} spikes of '{}' come after tstop = {} ms (they fire only in a longer run)", m.spikes->file,
                             later, spec_.layout[p].name, exact_number_text(spec_.simulation.duration));
        }
    }

    void read_circuit() {
        if (outer_circuit_) {
            if (root_.has("networks") || (root_.has("network") && c_.resolve(root_.string("network")) != *outer_circuit_))
                root_.fail_at(root_.has("networks") ? "networks" : "network",
                              "a second circuit; " + outer_circuit_where_.file + " already names '" + *outer_circuit_ +
                                  "'; expected the circuit in one place");
            circuit_path_ = *outer_circuit_;
            populations_ = import_circuit(circuit_path_, spec_, outer_circuit_where_, ignored_, target_);
            return;
        }
        if (root_.has("network") == root_.has("networks"))
            root_.fail_at("", "expected either \"network\" (the path of a circuit config) or inline \"networks\"");
        if (root_.has("network")) {
            circuit_path_ = c_.resolve(root_.string("network"));
            populations_ = import_circuit(circuit_path_, spec_, root_.where("network"), ignored_, target_);
        } else {
            root_.mark_used("networks");
            circuit_path_ = c_.path;
            populations_ = import_circuit(c_.path, spec_, root_.where("networks"), ignored_, target_);
        }
    }

    // Node sets: from the circuit's node_sets_file, then the simulation's (which wins).
    void read_node_sets() {
        auto load = [&](const config_file& c, json_reader& r) {
            if (!r.has("node_sets_file")) return;
            const std::string file = c.resolve(r.string("node_sets_file"));
            const json sets = parse_json(read_text(file, r.where("node_sets_file"), "a node sets JSON file"), file);
            if (!sets.is_object()) fail(file, "", "expected a JSON object of node sets");
            for (const auto& item : sets.items()) node_sets_[item.key()] = {item.value(), file};
        };
        if (circuit_path_ != c_.path) {
            const config_file circuit = load_config(circuit_path_, outer_circuit_ ? outer_circuit_where_ : root_.where("network"));
            json_reader r(circuit.root, circuit.path, "");
            load(circuit, r);
        }
        load(c_, root_);
    }

    // The nodes a node set selects, per population (ascending local ids; `whole` when it is
    // all of them). Accepted: a population name (an implicit node set, as bmtk and NEST
    // treat it), the name of a node set, an object of node-type attributes (columns of
    // node_types.csv), "population" and "node_id"/"node_ids", or a list of these (a
    // compound node set: the union).
    struct node_selection {
        std::size_t population = 0;
        std::vector<neuron_id> nodes;
        bool whole = false;
    };

    // bmtk's implicit node set "all" (its NodeSetAll; its create_environment writes "cells":
    // "all" into reports): every node, where node_sets.json defines no "all" and no
    // population has the name. Users of a selection leave out the populations that cannot
    // take what they give when the set is this one (reports and clamps skip virtual nodes,
    // spike inputs all others), as bmtk does.
    bool implicit_all(const json& set) const {
        return set.is_string() && set.get<std::string>() == "all" && !node_sets_.count("all") && !spec_.layout.find("all");
    }

    std::vector<node_selection> select_nodes(const json& set, const std::string& file, const std::string& field, int depth = 0) {
        if (depth > 16) fail(file, field, "node sets refer to each other in a cycle");
        std::map<std::size_t, std::vector<bool>> chosen;  // population -> node mask
        auto add_all = [&](std::size_t p) { chosen[p].assign(spec_.layout[p].size, true); };
        auto population = [&](const std::string& name) {
            if (auto p = spec_.layout.find(name)) return *p;
            std::vector<std::string> names;
            for (const auto& p : spec_.layout.populations()) names.push_back(p.name);
            for (const auto& [k, v] : node_sets_) names.push_back(k);
            fail(file, field, "no node set or population named '" + name + "'" + suggest(name, names));
        };
        auto merge = [&](const std::vector<node_selection>& more) {
            for (const auto& sel : more) {
                auto& mask = chosen[sel.population];
                mask.resize(spec_.layout[sel.population].size, false);
                if (sel.whole) std::fill(mask.begin(), mask.end(), true);
                for (const neuron_id i : sel.nodes) mask[i] = true;
            }
        };
        if (set.is_string()) {
            const std::string name = set.get<std::string>();
            auto it = node_sets_.find(name);
            if (it != node_sets_.end()) return select_nodes(it->second.first, it->second.second, name, depth + 1);
            if (implicit_all(set))
                for (std::size_t p = 0; p < spec_.layout.count(); ++p) add_all(p);
            else
                add_all(population(name));
        } else if (set.is_array()) {
            if (set.empty()) fail(file, field, "an empty node set selects no node");
            for (const auto& x : set) merge(select_nodes(x, file, field, depth + 1));
        } else if (set.is_object()) {
            json_reader r(set, file, field);
            std::vector<std::size_t> candidates;
            if (r.has("population")) {
                const json& pop = r.get("population");
                if (pop.is_string()) candidates.push_back(population(pop.get<std::string>()));
                else if (pop.is_array())
                    for (const auto& x : pop) {
                        if (!x.is_string()) r.fail_at("population", "expected population names");
                        candidates.push_back(population(x.get<std::string>()));
                    }
                else r.fail_at("population", "expected a population name or a list of names");
            } else {
                for (const auto& c : populations_) candidates.push_back(c.index);
            }
            for (const auto p : candidates) {
                std::vector<bool> mask = select_in_population(r, p);
                if (std::find(mask.begin(), mask.end(), true) != mask.end()) chosen[p] = std::move(mask);
            }
            if (chosen.empty()) r.fail_at("", "the node set " + set.dump() + " selects no node");
        } else {
            fail(file, field, "expected a node set name, an object of attributes or a list of them");
        }
        std::vector<node_selection> out;
        for (const auto& [p, mask] : chosen) {
            node_selection sel;
            sel.population = p;
            for (neuron_id i = 0; i < mask.size(); ++i)
                if (mask[i]) sel.nodes.push_back(i);
            sel.whole = sel.nodes.size() == mask.size();
            if (sel.whole) sel.nodes.clear();
            if (sel.whole || !sel.nodes.empty()) out.push_back(std::move(sel));
        }
        return out;
    }

    std::vector<std::size_t> populations_of(const json& set, const std::string& file, const std::string& field) {
        std::vector<std::size_t> out;
        for (const auto& sel : select_nodes(set, file, field)) out.push_back(sel.population);
        return out;
    }

    // The nodes of population p that the attribute query `r` selects: node ids, and
    // node-type attributes (node_types.csv columns) matched per node through its type.
    // Per-node attributes of node groups are not read; a query on them is refused.
    std::vector<bool> select_in_population(const json_reader& r, std::size_t p) const {
        const neuron_id n = spec_.layout[p].size;
        std::vector<bool> mask(n, true);
        const auto info = std::find_if(populations_.begin(), populations_.end(), [&](const auto& c) { return c.index == p; });
        for (const auto& item : r.object().items()) {
            const auto scalar = [](const json& v) { return v.is_string() || v.is_number(); };
            if (!scalar(item.value()) && !(item.value().is_array() && std::all_of(item.value().begin(), item.value().end(), scalar)))
                r.fail_at(item.key(), "expected a string, a number or a list of them, got " + item.value().dump());
            if (item.key() == "population") continue;
            if (item.key() == "node_id" || item.key() == "node_ids") {
                std::vector<bool> ids(n, false);
                const json list = item.value().is_array() ? item.value() : json::array({item.value()});
                for (const auto& x : list) {
                    if (!x.is_number_integer() || x.get<std::int64_t>() < 0) r.fail_at(item.key(), "expected node ids, got " + x.dump());
                    // Ids count within each population: one beyond this population selects
                    // nothing here, unless the node set names the population.
                    if (x.get<std::int64_t>() >= static_cast<std::int64_t>(n)) {
                        if (r.has("population"))
                            r.fail_at(item.key(), "expected node ids of population '" + spec_.layout[p].name + "' (0.." +
                                                      std::to_string(n - 1) + "), got " + x.dump());
                        continue;
                    }
                    ids[x.get<std::size_t>()] = true;
                }
                for (neuron_id i = 0; i < n; ++i) mask[i] = mask[i] && ids[i];
                continue;
            }
            if (info == populations_.end()) {  // not from the circuit: no attributes to query
                std::fill(mask.begin(), mask.end(), false);
                continue;
            }
            const type_table& types = *info->types;
            if (std::find(types.columns.begin(), types.columns.end(), item.key()) == types.columns.end() &&
                info->node_attributes.count(item.key()))
                r.fail_at(item.key(), "'" + item.key() + "' is a per-node attribute of population '" + info->name +
                                          "' (a node group dataset); node sets select by node-type attributes (" + types.file + ")");
            std::map<std::int64_t, bool> type_matches;
            for (const auto id : info->used_types)
                type_matches[id] = attribute_matches(types, types.rows.at(id), item.key(), item.value());
            for (neuron_id i = 0; i < n; ++i) mask[i] = mask[i] && type_matches.at(info->node_type[i]);
        }
        return mask;
    }

    // A node-type cell against a node-set value: a string, a number, or a list of either
    // (any of them). A type without the column does not match.
    static bool attribute_matches(const type_table& types, const type_table::row& row, const std::string& column, const json& value) {
        if (value.is_array())
            return std::any_of(value.begin(), value.end(), [&](const json& v) { return attribute_matches(types, row, column, v); });
        const auto cell = types.cell(row, column);
        if (!cell) return false;
        if (value.is_string()) return *cell == value.get<std::string>();
        if (value.is_number()) {
            char* end = nullptr;
            const double x = std::strtod(cell->c_str(), &end);
            return end == cell->c_str() + cell->size() && x == value.get<double>();
        }
        return false;
    }

    void read_input(const std::string& name, const json& value) {
        json_reader in(value, c_.path, "inputs." + name);
        if (!in.boolean("enabled", true)) return in.mark_used("enabled");
        const std::string type = in.string("input_type");
        const std::string module = in.string("module", "");
        if (type == "spikes") {
            // The file's node ids say which nodes fire: the node set names the populations.
            auto pops = populations_of(in.get("node_set"), c_.path, in.field("node_set"));
            if (implicit_all(in.get("node_set")))
                pops.erase(std::remove_if(pops.begin(), pops.end(),
                                          [&](std::size_t p) { return spec_.models[p].model != neuron_model_kind::spike_source; }),
                           pops.end());
            for (const auto p : pops)
                if (spec_.models[p].model != neuron_model_kind::spike_source)
                    in.fail_at("node_set", "spike inputs drive virtual nodes; population '" + spec_.layout[p].name + "' is " +
                                               to_string(spec_.models[p].model));
            const std::string file = c_.resolve(in.string("input_file"));
            if (module == "h5" || module == "hdf5" || module == "sonata") {
                quiet_hdf5_errors quiet;
                reading(file, [&] {
                    h5::handle f = open_hdf5(file, in.where("input_file"), "a SONATA spike file (HDF5)");
                    if (!h5::is_group(f.get(), "spikes")) fail(file, "/spikes", "missing group '/spikes'; expected /spikes/<population>/{timestamps, node_ids}");
                    h5::handle spikes = h5::open_group(f.get(), "spikes");
                    if (is_unnamed_spike_layout(spikes.get())) {  // the node set says whose spikes they are
                        if (pops.size() != 1)
                            in.fail_at("node_set", "the old spike layout /spikes/{timestamps, gids} of '" + file +
                                                       "' names no population; expected a node set of one population (it selects " +
                                                       std::to_string(pops.size()) + ")");
                        const std::string& pop = spec_.layout[pops[0]].name;
                        add_trains(spec_.models[pops[0]],
                                   read_spike_datasets(spikes.get(), file, "/spikes", pop, spec_.layout[pops[0]].size));
                        return;
                    }
                    const auto groups = h5::child_names(spikes.get());
                    for (const auto p : pops) {
                        const std::string& pop = spec_.layout[p].name;
                        if (std::find(groups.begin(), groups.end(), pop) == groups.end())
                            fail(file, "/spikes", "no group '" + pop + "' for population '" + pop + "'" + suggest(pop, groups));
                        add_trains(spec_.models[p], read_spike_group(spikes.get(), file, pop, spec_.layout[p].size));
                    }
                });
            } else if (module == "csv") {
                for (const auto p : pops) add_trains(spec_.models[p], read_csv_spikes(file, in.where("input_file"), p));
            } else {
                in.fail_at("module", "unsupported spike input module '" + module + "'" + suggest(module, {"h5", "sonata", "csv"}));
            }
            std::size_t spikes = 0;
            std::string whose;
            for (const auto p : pops) {
                spikes += spec_.models[p].spikes ? spec_.models[p].spikes->time.size() : 0;
                whose += (whose.empty() ? "" : ", ") + describe(p, {});
            }
            summary_.inputs.push_back(name + ": spikes (" + module + ") from " + file + " into " + whose + ", " +
                                      std::to_string(spikes) + " spikes in all");
            in.finish({"input_type", "module", "node_set", "input_file", "enabled"});
        } else if (type == "current_clamp") {
            if (module != "IClamp" && module != "iclamp")
                in.fail_at("module", "unsupported current clamp module '" + module + "'; expected \"IClamp\"");
            // amp [nA], delay and duration [ms]: numbers, or lists of equal length (several pulses).
            const auto amp = numbers(in, "amp"), delay = numbers(in, "delay"), duration = numbers(in, "duration");
            if (delay.size() != amp.size() || duration.size() != amp.size())
                in.fail_at("amp", "amp, delay and duration must have the same number of entries");
            for (const auto& sel : select_nodes(in.get("node_set"), c_.path, in.field("node_set"))) {
                const std::size_t p = sel.population;
                const neuron_model_kind m = spec_.models[p].model;
                if (implicit_all(in.get("node_set")) && m == neuron_model_kind::spike_source) continue;
                if (!has_membrane_potential(m) && !is_rate_model(m))
                    in.fail_at("node_set", "population '" + spec_.layout[p].name + "' is " + to_string(m) + ", which takes no current");
                for (std::size_t k = 0; k < amp.size(); ++k) {
                    if (!(delay[k] >= 0.0)) in.fail_at("delay", "expected a delay >= 0 ms");
                    if (!(duration[k] >= 0.0)) in.fail_at("duration", "expected a duration >= 0 ms");
                    stimulus_spec s;
                    s.kind = stimulus_kind::dc;
                    s.population = p;
                    s.amplitude = amp[k] * 1000.0;  // nA -> pA
                    s.start = delay[k];
                    s.stop = delay[k] + duration[k];
                    s.neurons = sel.nodes;  // empty: the whole population
                    s.origin = in.where();
                    summary_.inputs.push_back(name + ": current clamp " + exact_number_text(s.amplitude) + " pA from " +
                                              exact_number_text(s.start) + " to " + exact_number_text(s.stop) + " ms on " +
                                              describe(p, sel.nodes));
                    spec_.stimuli.push_back(s);
                }
            }
            in.finish({"input_type", "module", "node_set", "amp", "delay", "duration", "enabled"});
        } else {
            in.fail_at("input_type", "unsupported input_type '" + type + "'" + suggest(type, {"spikes", "current_clamp"}));
        }
    }

    std::vector<double> numbers(json_reader& r, const std::string& key) {
        const json& v = r.get(key);
        std::vector<double> out;
        if (v.is_number()) out.push_back(v.get<double>());
        else if (v.is_array())
            for (const auto& x : v) {
                if (!x.is_number()) r.fail_at(key, "expected numbers");
                out.push_back(x.get<double>());
            }
        else r.fail_at(key, "expected a number or a list of numbers");
        for (double x : out)
            if (!std::isfinite(x)) r.fail_at(key, "expected finite numbers");
        return out;
    }

    // bmtk's CSV spikes: a header naming the columns timestamps, node_ids and (optionally)
    // population; cells separated by spaces or commas.
    std::shared_ptr<spike_trains> read_csv_spikes(const std::string& file, const source_location& where, std::size_t p) {
        std::istringstream in(read_text(file, where, "a CSV spike file"));
        const std::string& pop = spec_.layout[p].name;
        auto trains = std::make_shared<spike_trains>();
        trains->file = file;
        std::string line;
        std::vector<std::string> header;
        int line_no = 0;
        std::ptrdiff_t t_col = -1, id_col = -1, pop_col = -1;
        std::size_t total = 0, dropped = 0;
        while (std::getline(in, line)) {
            ++line_no;
            std::replace(line.begin(), line.end(), ',', ' ');
            const auto cells = split_cells(line, file, line_no);
            if (cells.empty()) continue;
            if (header.empty()) {
                header = cells;
                auto col = [&](const std::string& n) {
                    auto it = std::find(header.begin(), header.end(), n);
                    return it == header.end() ? std::ptrdiff_t(-1) : it - header.begin();
                };
                t_col = col("timestamps");
                id_col = col("node_ids");
                pop_col = col("population");
                if (t_col < 0 || id_col < 0)
                    fail(file, "", "expected a header naming the columns 'timestamps' and 'node_ids' (found: " + join(header) + ")", line_no);
                continue;
            }
            if (cells.size() != header.size()) fail(file, "", "expected " + std::to_string(header.size()) + " cells", line_no);
            if (pop_col >= 0 && cells[pop_col] != pop) continue;
            char* end = nullptr;
            const double t = std::strtod(cells[t_col].c_str(), &end);
            if (*end || !(t >= 0.0) || !std::isfinite(t)) fail(file, "timestamps", "expected a time >= 0 ms, got '" + cells[t_col] + "'", line_no);
            const long long id = std::strtoll(cells[id_col].c_str(), &end, 10);
            if (*end || cells[id_col].empty()) fail(file, "node_ids", "expected an integer node id, got '" + cells[id_col] + "'", line_no);
            ++total;
            if (id < 0 || id >= static_cast<long long>(spec_.layout[p].size)) {
                ++dropped;
                continue;
            }
            trains->neuron.push_back(static_cast<neuron_id>(id));
            trains->time.push_back(t);
        }
        warn_dropped_ids(dropped, total, file, pop, spec_.layout[p].size);
        return trains;
    }

    // Membrane reports of point neurons become trace records of whole populations.
    void read_report(const std::string& name, const json& value) {
        json_reader r(value, c_.path, "reports." + name);
        if (!r.boolean("enabled", true)) return r.mark_used("enabled");
        const std::string module = r.string("module", "");
        const std::string type = r.string("type", "");
        if (module != "membrane_report" && module != "multimeter_report" && !(module.empty() && type == "compartment"))
            r.fail_at(module.empty() ? "type" : "module",
                      "unsupported report '" + (module.empty() ? type : module) +
                          "'; expected module \"membrane_report\" or \"multimeter_report\" (or type \"compartment\")");
        // A point neuron is all soma: what `sections` names changes nothing (NEST's own
        // example writes "multimeter_report" there).
        const std::string sections = r.string("sections", "soma");
        if (sections != "soma") ignored_.add(r.field("sections") + " \"" + sections + "\"");
        std::string variable = r.string("variable_name");
        if (variable == "v") variable = "V_m";  // NEURON's name for the membrane potential
        const double dt = spec_.simulation.dt;
        const double every = r.number("dt", dt) / dt;
        if (!(every >= 1.0 - 1e-9) || std::fabs(every - std::round(every)) > 1e-6)
            r.fail_at("dt", "expected a sampling interval that is a whole number of time steps (dt = " + exact_number_text(dt) + " ms)");
        if (r.number("start_time", 0.0) != 0.0) r.fail_at("start_time", "reports cover the whole run; expected start_time = 0");
        if (r.has("end_time") && r.number("end_time") < spec_.simulation.duration)
            r.fail_at("end_time", "reports cover the whole run; expected end_time >= tstop");
        const json& cells = r.has("cells") ? r.get("cells") : r.get("node_set");
        auto selected = select_nodes(cells, c_.path, r.field(r.has("cells") ? "cells" : "node_set"));
        if (implicit_all(cells))
            selected.erase(std::remove_if(selected.begin(), selected.end(),
                                          [&](const node_selection& x) { return spec_.models[x.population].model == neuron_model_kind::spike_source; }),
                           selected.end());
        for (const auto& sel : selected) {
            const std::size_t p = sel.population;
            const auto vars = recordable_variables(spec_.models[p].model);
            if (std::find(vars.begin(), vars.end(), variable) == vars.end())
                r.fail_at("variable_name", "population '" + spec_.layout[p].name + "' (" + to_string(spec_.models[p].model) +
                                               ") cannot record '" + variable + "'" + suggest(variable, vars));
            trace_record_spec t;
            t.name = selected.size() == 1 ? name : name + "_" + spec_.layout[p].name;
            t.population = p;
            t.variable = variable;
            if (sel.whole)
                for (neuron_id i = 0; i < spec_.layout[p].size; ++i) t.neurons.push_back(i);
            else
                t.neurons = sel.nodes;
            t.every = static_cast<std::uint32_t>(std::round(every));
            t.origin = r.where();
            for (const auto& other : spec_.traces)
                if (other.name == t.name) r.fail_at("", "two reports are named '" + t.name + "'");
            summary_.reports.push_back(t.name + ": " + variable + " of " + describe(p, sel.nodes) + " every " +
                                       exact_number_text(t.every * dt) + " ms");
            spec_.traces.push_back(t);
        }
        r.finish({"module", "type", "sections", "variable_name", "dt", "start_time", "end_time", "cells", "node_set",
                  "file_name", "enabled", "unit"});
    }

    void summarize() {
        summary_.target_simulator = target_name_;
        for (const auto& c : populations_) {
            std::map<std::int64_t, std::size_t> count;
            for (const auto id : c.node_type) ++count[id];
            for (const auto& [id, n] : count) {
                const type_table::row& row = c.types->rows.at(id);
                summary_.node_types.push_back({c.name, id, n, c.types->cell(row, "model_template").value_or(""),
                                               c.types->cell(row, "dynamics_params").value_or("")});
            }
            std::vector<std::string> varied;
            for (const auto& v : spec_.models[c.index].varied) varied.push_back(v.parameter);
            if (!varied.empty()) summary_.varied.push_back(c.name + ": " + join(varied));
        }
        for (std::size_t k = 0; k < spec_.projections.size(); ++k) {
            const projection_spec& p = spec_.projections[k];
            summary_.edge_populations.push_back(p.origin.field + ": " + spec_.layout[p.source].name + " -> " +
                                                spec_.layout[p.target].name + ", " + std::to_string(p.edges.size()) +
                                                " edges (" + to_string(spec_.synapses[k].kind) +
                                                (spec_.synapses[k].receptor > 0 ? ", receptor port " + std::to_string(spec_.synapses[k].receptor) : "") +
                                                ")");
        }
        summary_.ignored = ignored_.names();
    }

    // "<n> of <population>" or "<population>" for a node selection, for the summary.
    std::string describe(std::size_t p, const std::vector<neuron_id>& nodes) const {
        return nodes.empty() ? "'" + spec_.layout[p].name + "'"
                             : std::to_string(nodes.size()) + " of " + std::to_string(spec_.layout[p].size) + " nodes of '" +
                                   spec_.layout[p].name + "'";
    }

    void read_output() {
        if (!root_.has("output")) return;
        json_reader out(root_.get("output"), c_.path, "output");
        // Where files go is the --out option of `synaptogen run`; the names are fixed
        // (spikes.h5, <report>.h5, run.json).
        if (out.has("output_dir") || out.has("spikes_file"))
            spdlog::info("{}: output.output_dir and output.spikes_file are replaced by `synaptogen run --out DIR` "
                         "(DIR/spikes.h5)", c_.path);
        out.mark_used("output_dir");
        out.mark_used("spikes_file");
        out.finish({}, {"log_file", "spikes_sort_order", "overwrite_output_dir", "quiet_simulator", "spikes_file_csv"}, ignored_);
    }

    config_file c_;
    target_simulator target_ = target_simulator::unspecified;
    std::string target_name_;
    sonata_summary summary_;
    json_reader root_;
    std::optional<std::string> outer_circuit_;
    source_location outer_circuit_where_;
    network_spec spec_;
    std::string circuit_path_;
    std::vector<circuit_population> populations_;
    ignored_keys ignored_;
    std::map<std::string, std::pair<json, std::string>> node_sets_;  // name -> (definition, file)
};

}  // namespace

network_spec load_sonata_simulation(const std::string& simulation_config_path) {
    sonata_summary ignored;
    return load_sonata_simulation(simulation_config_path, ignored);
}

network_spec load_sonata_simulation(const std::string& simulation_config_path, sonata_summary& summary) {
    config_file c = load_config(simulation_config_path, {simulation_config_path, 0, ""});
    auto load = [&summary](simulation_loader loader) {
        network_spec spec = loader.load();
        summary = loader.summary();
        return spec;
    };
    // bmtk's top-level config.json names the two configs: {"network": ..., "simulation": ...}.
    if (c.root.contains("simulation") && !c.root.contains("run")) {
        json_reader top(c.root, c.path, "");
        const std::string simulation = c.resolve(top.string("simulation"));
        std::optional<std::string> circuit;
        if (top.has("network")) circuit = c.resolve(top.string("network"));
        top.finish({"manifest", "network", "simulation"});
        const source_location where = top.where("simulation");
        return load(simulation_loader(load_config(simulation, where), circuit, top.where("network")));
    }
    return load(simulation_loader(std::move(c), std::nullopt, {}));
}

// ---------------------------------------------------------------------------------------
// Export

namespace {

// Population names become HDF5 group names and file names.
bool safe_name(const std::string& s) {
    return !s.empty() && s[0] != '.' && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

// SONATA's root attributes: magic 0x0A7A and version 0.1.
h5::handle create_sonata_file(const fs::path& path) {
    h5::handle f = h5::create_file(path.string());
    h5::write_uint32s_attribute(f.get(), "magic", {0x0A7A});
    h5::write_uint32s_attribute(f.get(), "version", {0, 1});
    return f;
}

// An index group: runs of consecutive edge ids that share a node, listed by node.
void write_index(hid_t population, const std::string& which, const std::vector<std::uint64_t>& node_of_edge,
                 std::size_t node_count) {
    std::vector<std::uint64_t> order(node_of_edge.size());
    for (std::size_t e = 0; e < order.size(); ++e) order[e] = e;
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return node_of_edge[a] < node_of_edge[b]; });
    std::vector<std::uint64_t> node_ranges(2 * node_count, 0), edge_ranges;
    for (std::size_t k = 0; k < order.size();) {
        const std::uint64_t node = node_of_edge[order[k]];
        node_ranges[2 * node] = edge_ranges.size() / 2;
        while (k < order.size() && node_of_edge[order[k]] == node) {
            std::size_t end = k + 1;
            while (end < order.size() && node_of_edge[order[end]] == node && order[end] == order[end - 1] + 1) ++end;
            edge_ranges.push_back(order[k]);
            edge_ranges.push_back(order[end - 1] + 1);
            k = end;
        }
        node_ranges[2 * node + 1] = edge_ranges.size() / 2;
    }
    h5::handle g = h5::create_group(population, "indices/" + which);
    h5::write_matrix(g.get(), "node_id_to_ranges", H5T_STD_U64LE, H5T_NATIVE_UINT64, node_ranges.data(), node_count, 2);
    h5::write_matrix(g.get(), "range_to_edge_id", H5T_STD_U64LE, H5T_NATIVE_UINT64, edge_ranges.data(), edge_ranges.size() / 2, 2);
}

void write_sorting_none(hid_t group) {
    h5::handle type(H5Tenum_create(H5T_NATIVE_UINT8));
    const char* names[] = {"none", "by_id", "by_time"};
    for (std::uint8_t v = 0; v < 3; ++v) H5Tenum_insert(type.get(), names[v], &v);
    h5::handle space(H5Screate(H5S_SCALAR));
    h5::handle attr(H5Acreate2(group, "sorting", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    const std::uint8_t none = 0;
    H5Awrite(attr.get(), type.get(), &none);
}

std::string toml_string(const std::string& s) { return toml::format(toml::value(s)); }

std::string toml_numbers(const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + exact_number_text(v[k]);
    return s + "]";
}

// network.toml: the run around the circuit. Written line by line rather than through
// toml11's serializer, which orders keys by hash and prints 0.1 as 0.10000000000000001.
std::string network_toml(const network_spec& spec, bool has_input_spikes) {
    const auto& s = spec.simulation;
    std::string t = "# Written by `synaptogen export sonata`" +
                    (spec.source_file.empty() ? std::string() : " from " + spec.source_file) +
                    ".\n# Populations, models and synapses are in the SONATA circuit; stimuli and records are here.\n";
    t += "[simulation]\ndt = " + exact_number_text(s.dt) + "\nduration = " + exact_number_text(s.duration) + "\nseed = " +
         std::to_string(s.seed) + "\n";
    if (s.threads > 0) t += "threads = " + std::to_string(s.threads) + "\n";
    if (!s.backend.empty()) t += "backend = " + toml_string(s.backend) + "\n";
    t += "\n[sonata]\ncircuit = \"circuit_config.json\"\n";
    if (has_input_spikes) t += "spikes = \"inputs/spikes.h5\"\n";
    for (const auto& st : spec.stimuli) {
        t += "\n[[stimulus]]\n";
        switch (st.kind) {
        case stimulus_kind::poisson:
            t += "type = \"poisson\"\nrate = " + exact_number_text(st.rate) + "\nweight = " + exact_number_text(st.weight) +
                 "\nsources = " + std::to_string(st.sources) + "\n";
            break;
        case stimulus_kind::dc: t += "type = \"dc\"\namplitude = " + exact_number_text(st.amplitude) + "\n"; break;
        case stimulus_kind::step_current:
            t += "type = \"step_current\"\ntimes = " + toml_numbers(st.times) + "\nvalues = " + toml_numbers(st.values) + "\n";
            break;
        case stimulus_kind::noise: t += "type = \"noise\"\nmean = " + exact_number_text(st.mean) + "\nstd = " + exact_number_text(st.std) + "\n"; break;
        }
        t += "target = " + toml_string(spec.layout[st.population].name) + "\n";
        if (st.start != 0.0) t += "start = " + exact_number_text(st.start) + "\n";
        if (st.stop < 1e299) t += "stop = " + exact_number_text(st.stop) + "\n";
        if (!st.neurons.empty()) {  // chosen neurons (a node selection of a SONATA input)
            std::vector<double> ids(st.neurons.begin(), st.neurons.end());
            t += "neurons = " + toml_numbers(ids) + "\n";
        }
    }
    std::vector<std::string> recorded;
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        if (p < spec.record_spikes.size() && spec.record_spikes[p]) recorded.push_back(toml_string(spec.layout[p].name));
    if (recorded.size() == spec.layout.count() && !recorded.empty()) t += "\n[[record]]\nspikes = \"all\"\n";
    else if (!recorded.empty()) t += "\n[[record]]\nspikes = [" + join(recorded) + "]\n";
    for (const auto& r : spec.traces) {
        if (r.weights) {  // the projection keeps its name in its edge type's dynamics_params
            t += "\n[[record]]\nprojection = " + toml_string(spec.synapses[r.projection].name) + "\nname = " + toml_string(r.name) +
                 "\nevery = " + std::to_string(r.every) + "\nsynapses = [";
            for (std::size_t k = 0; k < r.synapses.size(); ++k)
                t += (k ? ", [" : "[") + std::to_string(r.synapses[k].first) + ", " + std::to_string(r.synapses[k].second) + "]";
            t += "]\n";
            continue;
        }
        t += "\n[[record]]\npopulation = " + toml_string(spec.layout[r.population].name) + "\nvariable = " +
             toml_string(r.variable) + "\nname = " + toml_string(r.name) + "\nevery = " + std::to_string(r.every) + "\nneurons = [";
        for (std::size_t k = 0; k < r.neurons.size(); ++k) t += (k ? ", " : "") + std::to_string(r.neurons[k]);
        t += "]\n";
    }
    return t;
}

// Everything SONATA (as written here) cannot hold is refused before a file is touched.
void check_exportable(const network_spec& spec, const synapse_table& table) {
    if (table.n_neurons != spec.layout.total() || table.row_map.size() != static_cast<std::size_t>(table.n_neurons) + 1)
        throw internal_error("export_sonata: the synapse table does not belong to the network");
    for (std::size_t k = 0; k < spec.projections.size() && k < table.projection_size.size(); ++k)
        if (k < spec.synapses.size() && spec.synapses[k].kind != synapse_kind::static_synapse && table.projection_size[k] > 0)
            throw internal_error("export_sonata: expected the static synapses only (build_static_synapses)");
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        if (!safe_name(spec.layout[p].name))
            throw input_error(spec.models[p].origin, "population name '" + spec.layout[p].name +
                                                         "' cannot name a SONATA population file; expected letters, "
                                                         "digits, '_', '-' and '.' (not first)");
}

}  // namespace

void export_sonata(const network_spec& spec, const synapse_table& table, const std::string& out_dir) {
    check_exportable(spec, table);
    const fs::path out(out_dir);
    // Everything is written under a hidden folder, then moved into place with the two
    // files that make the export usable (circuit_config.json, network.toml) last: an
    // interrupted export never looks complete.
    const fs::path part = out / ".sonata-export.part";
    std::error_code ec;
    fs::remove_all(part, ec);
    fs::create_directories(part / "network");
    fs::create_directories(part / "components" / "point_neuron_models");
    try {
        quiet_hdf5_errors quiet;
        const population_layout& layout = spec.layout;
        json nodes_list = json::array(), edges_list = json::array();
        bool has_input_spikes = false;

        // Nodes: one file per population, and one node type per population and model.
        std::uint32_t next_type_id = 100;
        for (std::size_t p = 0; p < layout.count(); ++p) {
            const std::string& name = layout[p].name;
            const population_model& m = spec.models[p];
            const auto kinds = models_in(m);
            const std::uint32_t type_id = next_type_id;
            next_type_id += static_cast<std::uint32_t>(kinds.size());
            auto type_of = [&](neuron_model_kind k) {
                return type_id + static_cast<std::uint32_t>(std::find(kinds.begin(), kinds.end(), k) - kinds.begin());
            };
            {
                h5::handle f = create_sonata_file(part / "network" / (name + "_nodes.h5"));
                h5::handle g = h5::create_group(f.get(), "nodes/" + name);
                const std::size_t n = layout[p].size;
                std::vector<std::uint32_t> type(n, type_id), group(n, 0);
                for (std::size_t i = 0; i < m.neuron_models.size(); ++i) type[i] = type_of(m.neuron_models[i]);
                std::vector<std::uint64_t> index(n);
                for (std::size_t i = 0; i < n; ++i) index[i] = i;
                h5::write_vector(g.get(), "node_type_id", H5T_STD_U32LE, H5T_NATIVE_UINT32, type.data(), n);
                h5::write_vector(g.get(), "node_group_id", H5T_STD_U32LE, H5T_NATIVE_UINT32, group.data(), n);
                h5::write_vector(g.get(), "node_group_index", H5T_STD_U64LE, H5T_NATIVE_UINT64, index.data(), n);
                h5::handle g0 = h5::create_group(g.get(), "0");
                // Parameters and initial values that differ between neurons: per-node
                // dynamics_params datasets, the values this run draws or was given.
                bool per_node = !m.varied.empty();
                for (const auto& init : m.initial) per_node = per_node || !init.values.empty();
                if (per_node) {
                    h5::handle dp = h5::create_group(g0.get(), "dynamics_params");
                    std::vector<std::vector<double>> columns(m.varied.size(), std::vector<double>(n));
                    const auto named = parameter_names_of(kinds);  // read through a model that has the parameter
                    for (std::size_t i = 0; i < n; ++i) {
                        const neuron_parameters params =
                            parameters_of(m, static_cast<neuron_id>(i), layout[p].first + static_cast<neuron_id>(i), spec.simulation.seed);
                        for (std::size_t k = 0; k < m.varied.size(); ++k) {
                            const std::string& pname = m.varied[k].parameter;
                            const auto owner = std::find_if(named.begin(), named.end(), [&](const auto& x) { return x.first == pname; });
                            get_parameter(params, owner == named.end() ? m.model : owner->second, pname, columns[k][i]);
                        }
                    }
                    for (std::size_t k = 0; k < m.varied.size(); ++k)
                        h5::write_vector(dp.get(), m.varied[k].parameter, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, columns[k].data(), n);
                    for (const auto& init : m.initial)
                        if (!init.values.empty())
                            h5::write_vector(dp.get(), init.variable, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, init.values.data(), n);
                }
            }
            std::string rows;
            if (m.model == neuron_model_kind::spike_source) {
                rows = std::to_string(type_id) + " virtual NULL NULL " + name + "\n";
                has_input_spikes = has_input_spikes || (m.spikes && !m.spikes->time.empty());
            } else {
                for (const auto kind : kinds) {
                    json params;
                    for (const auto& pname : parameter_names(kind)) {
                        double v = 0.0;
                        get_parameter(m.parameters, kind, pname, v);
                        params[pname] = v;
                    }
                    for (const auto& init : m.initial) {
                        state_slot slot;
                        if (init.values.empty() && find_state_variable(kind, init.variable, slot))
                            params[init.variable] = distribution_to_json(init.value);
                    }
                    const std::string file = name + (kinds.size() > 1 ? std::string("_") + to_string(kind) : "") + ".json";
                    write_text(part / "components" / "point_neuron_models" / file, params.dump(2) + "\n");
                    rows += std::to_string(type_of(kind)) + " point_neuron synaptogen:" + to_string(kind) + " " + file + " " + name + "\n";
                }
            }
            write_text(part / "network" / (name + "_node_types.csv"),
                       "node_type_id model_type model_template dynamics_params population\n" + rows);
            nodes_list.push_back({{"nodes_file", "$NETWORK_DIR/" + name + "_nodes.h5"},
                                  {"node_types_file", "$NETWORK_DIR/" + name + "_node_types.csv"}});
        }

        // Edges: one population per (source, target) pair, in the table's order.
        struct bucket {
            std::vector<std::uint64_t> source, target;
            std::vector<float> weight;
            std::vector<double> delay;  // [ms]
        };
        std::map<std::pair<std::size_t, std::size_t>, bucket> buckets;
        // Static projections on receptor ports go with the other models (their own edge
        // type): the buckets take a table without them.
        const synapse_table* bucketed = &table;
        synapse_table without_ports;
        std::vector<bool> no_port(spec.projections.size(), false);
        for (std::size_t k = 0; k < spec.projections.size(); ++k)
            no_port[k] = k >= spec.synapses.size() ||
                         (spec.synapses[k].kind == synapse_kind::static_synapse && spec.synapses[k].receptor == 0);
        if (std::any_of(spec.synapses.begin(), spec.synapses.end(), [](const synapse_spec& x) { return x.receptor > 0; })) {
            without_ports = build_synapses(layout, spec.projections, spec.simulation.seed, spec.simulation.dt, no_port);
            bucketed = &without_ports;
        }
        std::size_t p = 0;
        for (neuron_id i = 0; i < bucketed->n_neurons; ++i) {
            while (i >= layout[p].first + layout[p].size) ++p;
            for (edge_index e = bucketed->row_map[i]; e < bucketed->row_map[i + 1]; ++e) {
                const neuron_id target = bucketed->target[e];
                const std::size_t q = layout.population_of(target);
                bucket& b = buckets[{p, q}];
                b.source.push_back(i - layout[p].first);
                b.target.push_back(target - layout[q].first);
                b.weight.push_back(bucketed->weight[e]);
                b.delay.push_back(bucketed->delay[e] * spec.simulation.dt);
            }
        }
        // Every other synapse model, and static synapses on a receptor port: one edge
        // population per projection, in its own build order, with an edge type naming the
        // model and a dynamics_params file holding its parameters (and the projection's
        // name, which weight records refer to, and its receptor_type).
        struct projection_edges {
            std::size_t projection;
            bucket edges;
        };
        std::vector<projection_edges> others;
        for (std::size_t k = 0; k < spec.projections.size(); ++k) {
            const synapse_kind kind = k < spec.synapses.size() ? spec.synapses[k].kind : synapse_kind::static_synapse;
            const std::uint32_t receptor = k < spec.synapses.size() ? spec.synapses[k].receptor : 0;
            if (kind == synapse_kind::static_synapse && receptor == 0) continue;
            std::vector<bool> only(spec.projections.size(), false);
            only[k] = true;
            const synapse_table t = build_synapses(layout, spec.projections, spec.simulation.seed, spec.simulation.dt, only);
            const projection_spec& pk = spec.projections[k];
            projection_edges pe{k, {}};
            for (neuron_id i = 0; i < t.n_neurons; ++i)
                for (edge_index e = t.row_map[i]; e < t.row_map[i + 1]; ++e) {
                    pe.edges.source.push_back(i - layout[pk.source].first);
                    pe.edges.target.push_back(t.target[e] - layout[pk.target].first);
                    pe.edges.weight.push_back(t.weight[e]);
                    pe.edges.delay.push_back(t.delay[e] * spec.simulation.dt);
                }
            others.push_back(std::move(pe));
        }
        if (!buckets.empty() || !others.empty()) {
            h5::handle f = create_sonata_file(part / "network" / "edges.h5");
            std::string types = "edge_type_id model_template dynamics_params\n";
            std::set<std::string> names;
            std::uint32_t type_id = 100;
            std::vector<std::tuple<std::size_t, std::size_t, const bucket*, std::size_t>> populations;  // source, target, edges, projection or npos
            for (const auto& [pq, b] : buckets) populations.emplace_back(pq.first, pq.second, &b, std::size_t(-1));
            for (const auto& pe : others)
                populations.emplace_back(spec.projections[pe.projection].source, spec.projections[pe.projection].target, &pe.edges,
                                         pe.projection);
            fs::create_directories(part / "components" / "synaptic_models");
            for (const auto& [s, t, bp, k] : populations) {
                const bucket& b = *bp;
                const bool is_static = k == std::size_t(-1);
                const synapse_spec syn = is_static ? synapse_spec{} : spec.synapses[k];
                const std::string stem = layout[s].name + "_to_" + layout[t].name + (is_static ? "" : "_" + std::string(to_string(syn.kind)));
                std::string name = stem;
                for (int n = 2; names.count(name); ++n) name = stem + "_" + std::to_string(n);
                names.insert(name);
                const std::size_t n = b.source.size();
                h5::handle g = h5::create_group(f.get(), "edges/" + name);
                h5::write_vector(g.get(), "source_node_id", H5T_STD_U64LE, H5T_NATIVE_UINT64, b.source.data(), n);
                h5::write_vector(g.get(), "target_node_id", H5T_STD_U64LE, H5T_NATIVE_UINT64, b.target.data(), n);
                {
                    h5::handle sd(H5Dopen2(g.get(), "source_node_id", H5P_DEFAULT)), td(H5Dopen2(g.get(), "target_node_id", H5P_DEFAULT));
                    h5::write_string_attribute(sd.get(), "node_population", layout[s].name);
                    h5::write_string_attribute(td.get(), "node_population", layout[t].name);
                }
                std::vector<std::uint32_t> type(n, type_id), group(n, 0);
                std::vector<std::uint64_t> index(n);
                for (std::size_t e = 0; e < n; ++e) index[e] = e;
                h5::write_vector(g.get(), "edge_type_id", H5T_STD_U32LE, H5T_NATIVE_UINT32, type.data(), n);
                h5::write_vector(g.get(), "edge_group_id", H5T_STD_U32LE, H5T_NATIVE_UINT32, group.data(), n);
                h5::write_vector(g.get(), "edge_group_index", H5T_STD_U64LE, H5T_NATIVE_UINT64, index.data(), n);
                h5::handle g0 = h5::create_group(g.get(), "0");
                h5::write_vector(g0.get(), "syn_weight", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, b.weight.data(), n);
                if (!is_continuous(syn.kind))  // continuous couplings have no delay
                    h5::write_vector(g0.get(), "delay", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, b.delay.data(), n);
                write_index(g.get(), "source_to_target", b.source, layout[s].size);
                write_index(g.get(), "target_to_source", b.target, layout[t].size);
                if (is_static) {
                    types += std::to_string(type_id++) + " static_synapse NULL\n";
                    continue;
                }
                json params = json::object();
                if (!syn.name.empty()) params["name"] = syn.name;
                if (syn.receptor > 0) params["receptor_type"] = syn.receptor;
                for (const auto& pname : synapse_parameter_names(syn.kind)) {
                    double v = 0.0;
                    if (get_synapse_parameter(syn, pname, v)) params[pname] = v;
                }
                if (syn.kind == synapse_kind::stdp) {
                    params["rule"] = syn.stdp.multiplicative ? "multiplicative" : "additive";
                    params["pairing"] = syn.stdp.nearest ? "nearest" : "all_to_all";
                }
                write_text(part / "components" / "synaptic_models" / (name + ".json"), params.dump(2) + "\n");
                const std::string model = syn.kind == synapse_kind::static_synapse ? "static_synapse"
                                                                                     : "synaptogen:" + std::string(to_string(syn.kind));
                types += std::to_string(type_id++) + " " + model + " " + name + ".json\n";
            }
            write_text(part / "network" / "edge_types.csv", types);
            edges_list.push_back({{"edges_file", "$NETWORK_DIR/edges.h5"}, {"edge_types_file", "$NETWORK_DIR/edge_types.csv"}});
        }

        // The trains of spike sources, as a SONATA spike file the TOML points at.
        if (has_input_spikes) {
            fs::create_directories(part / "inputs");
            h5::handle f = create_sonata_file(part / "inputs" / "spikes.h5");
            for (std::size_t k = 0; k < layout.count(); ++k) {
                const auto& trains = spec.models[k].spikes;
                if (spec.models[k].model != neuron_model_kind::spike_source || !trains || trains->time.empty()) continue;
                h5::handle g = h5::create_group(f.get(), "spikes/" + layout[k].name);
                write_sorting_none(g.get());
                std::vector<std::uint64_t> ids(trains->neuron.begin(), trains->neuron.end());
                h5::write_vector(g.get(), "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, trains->time.data(), trains->time.size());
                h5::write_vector(g.get(), "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, ids.data(), ids.size());
                h5::handle ts(H5Dopen2(g.get(), "timestamps", H5P_DEFAULT));
                h5::write_string_attribute(ts.get(), "units", "ms");
            }
        }

        json config = {
            {"manifest", {{"$BASE_DIR", "."}, {"$NETWORK_DIR", "$BASE_DIR/network"}, {"$COMPONENTS_DIR", "$BASE_DIR/components"}}},
            {"components", {{"point_neuron_models_dir", "$COMPONENTS_DIR/point_neuron_models"},
                            {"synaptic_models_dir", "$COMPONENTS_DIR/synaptic_models"}}},
            {"networks", {{"nodes", nodes_list}, {"edges", edges_list}}},
        };
        write_text(part / "circuit_config.json", config.dump(2) + "\n");
        write_text(part / "network.toml", network_toml(spec, has_input_spikes));

        // Publish: replace what an earlier export left, the two entry files last.
        for (const char* f : {"network.toml", "circuit_config.json"}) fs::remove(out / f);
        for (const char* dir : {"network", "components", "inputs"}) {
            fs::remove_all(out / dir);
            if (fs::exists(part / dir)) fs::rename(part / dir, out / dir);
        }
        fs::rename(part / "circuit_config.json", out / "circuit_config.json");
        fs::rename(part / "network.toml", out / "network.toml");
        fs::remove_all(part);
    } catch (...) {
        fs::remove_all(part, ec);
        throw;
    }
}

}  // namespace synaptogen
