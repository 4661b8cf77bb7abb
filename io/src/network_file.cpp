#include <synaptogen/io/network_file.hpp>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <limits>
#include <set>
#include <sstream>

#include <toml.hpp>

#include <synaptogen/models/evolution.hpp>
#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/io/sonata.hpp>
#include <synaptogen/io/spike_file.hpp>

#include "distribution_fields.hpp"

namespace synaptogen {

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    auto distance = [](const std::string& a, const std::string& b) {
        std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            cur[0] = i;
            for (std::size_t j = 1; j <= b.size(); ++j) {
                const bool same = std::tolower(a[i - 1]) == std::tolower(b[j - 1]);
                cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
            }
            std::swap(prev, cur);
        }
        return prev[b.size()];
    };
    std::string best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (const auto& c : candidates) {
        const std::size_t d = distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    // Accept up to a third of the word's length in edits (at least 2): catches typos, not guesses.
    return best_d <= std::max<std::size_t>(2, word.size() / 3) ? best : std::string();
}

std::string number_text(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", x);
    return buf;
}

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

std::string suggest(const std::string& what, const std::vector<std::string>& options) {
    const std::string guess = closest_match(what, options);
    return (guess.empty() ? "" : "; did you mean '" + guess + "'?") + " (expected one of: " + join(options) + ")";
}

namespace {

using toml_value = toml::value;



// One TOML table being read: knows its path for messages, and which keys were used so
// that leftovers can be reported as unknown.
class table_reader {
public:
    table_reader(const toml_value& table, std::string file, std::string path)
        : table_(table), file_(std::move(file)), path_(std::move(path)) {
        if (!table_.is_table()) fail_at(table_, "", "expected a table");
    }

    std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    source_location where(const std::string& key = "") const {
        const toml_value* v = find(key);
        return {file_, line_of(v ? *v : table_), key.empty() ? path_ : field(key)};
    }

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
        throw input_error(where(key), problem);
    }
    [[noreturn]] void fail_at(const toml_value& v, const std::string& key, const std::string& problem) const {
        throw input_error({file_, line_of(v), key.empty() ? path_ : field(key)}, problem);
    }

    bool has(const std::string& key) const { return find(key) != nullptr; }

    const toml_value& get(const std::string& key) {
        const toml_value* v = find(key);
        if (!v) fail("", "missing required key '" + key + "'");
        used_.insert(key);
        return *v;
    }

    double number(const std::string& key) {
        const toml_value& v = get(key);
        if (v.is_floating()) return v.as_floating();
        if (v.is_integer()) return static_cast<double>(v.as_integer());
        fail(key, "expected a number, got " + type_name(v));
    }
    double number(const std::string& key, double fallback) { return has(key) ? number(key) : fallback; }

    std::int64_t integer(const std::string& key) {
        const toml_value& v = get(key);
        if (v.is_integer()) return v.as_integer();
        if (v.is_floating() && std::floor(v.as_floating()) == v.as_floating() && std::fabs(v.as_floating()) < 9e15)
            return static_cast<std::int64_t>(v.as_floating());
        fail(key, "expected an integer, got " + type_name(v));
    }
    std::uint64_t count(const std::string& key, std::uint64_t max) {
        const std::int64_t n = integer(key);
        if (n < 0) fail(key, "expected a non-negative integer, got " + std::to_string(n));
        if (static_cast<std::uint64_t>(n) > max)
            fail(key, std::to_string(n) + " is too large; expected at most " + std::to_string(max));
        return static_cast<std::uint64_t>(n);
    }

    std::string string(const std::string& key) {
        const toml_value& v = get(key);
        if (!v.is_string()) fail(key, "expected a string, got " + type_name(v));
        return v.as_string().str;
    }
    std::string string(const std::string& key, const std::string& fallback) { return has(key) ? string(key) : fallback; }

    bool boolean(const std::string& key, bool fallback) {
        if (!has(key)) return fallback;
        const toml_value& v = get(key);
        if (!v.is_boolean()) fail(key, "expected true or false, got " + type_name(v));
        return v.as_boolean();
    }

    // Reports the first key that was never read, with the closest known one.
    void finish(const std::vector<std::string>& known) const {
        for (const auto& [key, value] : table_.as_table())
            if (!used_.count(key)) unknown(key, known);
    }

    [[noreturn]] void unknown(const std::string& key, const std::vector<std::string>& known) const {
        throw input_error(where(key), "unknown key '" + key + "'" + suggest(key, known));
    }

    const toml_value& table() const { return table_; }
    const std::string& file() const { return file_; }

    static int line_of(const toml_value& v) { return static_cast<int>(v.location().line()); }
    static std::string type_name(const toml_value& v) {
        std::ostringstream s;
        s << v.type();
        return s.str();
    }

private:
    const toml_value* find(const std::string& key) const {
        if (key.empty() || !table_.is_table()) return nullptr;
        const auto& t = table_.as_table();
        auto it = t.find(key);
        return it == t.end() ? nullptr : &it->second;
    }

    const toml_value& table_;
    std::string file_;
    std::string path_;
    std::set<std::string> used_;
};


// A number, or an inline table { distribution = "normal", mean = .., sd = .., min = .., max = .. }.
distribution read_distribution(table_reader& parent, const std::string& key) {
    const toml_value& v = parent.get(key);
    if (v.is_floating() || v.is_integer()) return distribution::constant_value(parent.number(key));
    if (!v.is_table()) parent.fail(key, "expected a number or a table such as { distribution = \"normal\", mean = 1.0, sd = 0.1 }");
    table_reader t(v, parent.file(), parent.field(key));
    return detail::read_distribution_fields(t, suggest);
}


toml_value parse_toml(const std::string& text, const std::string& name) {
    try {
        std::istringstream in(text);
        return toml::parse(in, name);
    } catch (const toml::exception& e) {
        std::string what = e.what();
        // toml11 explains over several lines; keep the first, without its "[error] " tag.
        const auto nl = what.find('\n');
        if (nl != std::string::npos) what = what.substr(0, nl);
        if (what.rfind("[error] ", 0) == 0) what = what.substr(8);
        throw input_error({name, static_cast<int>(e.location().line()), ""}, "malformed TOML: " + what);
    }
}

// The centre of a distribution, within its bounds.
double typical_value(const distribution& d) {
    double x = d.value;
    if (d.kind == distribution_kind::uniform) x = 0.5 * (d.low + d.high);
    else if (d.kind == distribution_kind::normal) x = d.mean;
    else if (d.kind == distribution_kind::lognormal) x = std::exp(d.mean);
    return std::min(std::max(x, d.min), d.max);
}

class network_parser {
public:
    network_parser(const toml_value& root, std::string file, int depth = 0)
        : root_(root, file, ""), file_(std::move(file)), depth_(depth) {}

    network_spec parse() {
        read_include();
        read_simulation();
        read_sonata();
        for_each_table("population", [&](table_reader& t) { read_population(t); });
        spec_.record_spikes.assign(spec_.layout.count(), false);
        for_each_table("projection", [&](table_reader& t) { read_projection(t); });
        for_each_table("stimulus", [&](table_reader& t) { read_stimulus(t); });
        for_each_table("record", [&](table_reader& t) { read_record(t); });
        read_scaling();
        read_language();
        read_evolution();
        root_.finish({"include", "simulation", "sonata", "population", "projection", "stimulus", "record", "scaling", "lm",
                      "evolution"});
        if (spec_.layout.count() == 0) root_.fail("population", "expected at least one [[population]]");
        if (spec_.language) plan_language_model(spec_, *spec_.language);  // roles, sizes, cycles: errors now
        return std::move(spec_);
    }

    // The description text of included files, for the manifest and checkpoint key.
    const std::string& included_text() const { return included_text_; }

private:
    template <class Fn>
    void for_each_table(const std::string& key, Fn fn) {
        if (!root_.has(key)) return;
        const toml_value& v = root_.get(key);
        if (!v.is_array()) root_.fail(key, "expected an array of tables: write [[" + key + "]]");
        const auto& arr = v.as_array();
        for (std::size_t i = 0; i < arr.size(); ++i) {
            table_reader t(arr[i], file_, key + "[" + std::to_string(i) + "]");
            fn(t);
        }
    }

    std::size_t population_index(table_reader& t, const std::string& key) {
        const std::string name = t.string(key);
        if (auto i = spec_.layout.find(name)) return *i;
        std::vector<std::string> names;
        for (const auto& p : spec_.layout.populations()) names.push_back(p.name);
        t.fail(key, "no population named '" + name + "'" + suggest(name, names));
    }

    // Paths in a description are relative to its own folder.
    std::string beside_this_file(const std::string& path) const {
        const std::filesystem::path p = path;
        return (p.is_relative() ? std::filesystem::path(file_).parent_path() / p : p).string();
    }

    // include = "other.toml" (relative to this file): everything the other file describes
    // comes first, and this file's [simulation] and [scaling] keys override its values.
    void read_include() {
        if (!root_.has("include")) return;
        const std::string path = beside_this_file(root_.string("include"));
        if (depth_ >= 8) root_.fail("include", "includes nest more than 8 deep; expected no cycle of includes");
        std::ifstream in(path, std::ios::binary);
        if (!in) root_.fail("include", "cannot open '" + path + "'; expected a readable TOML network description");
        std::ostringstream text;
        text << in.rdbuf();
        const toml_value root = parse_toml(text.str(), path);  // outlives `inner`, which refers to it
        network_parser inner(root, path, depth_ + 1);
        spec_ = inner.parse();
        // The canonical path, so the text (and the checkpoint keys hashed from it) does not
        // depend on how the including file was named (relative or absolute).
        included_text_ = "\n# include " + std::filesystem::weakly_canonical(path).string() + "\n" + text.str() +
                         inner.included_text();
        included_dt_ = spec_.simulation.dt;
        included_file_ = path;
    }

    void read_simulation() {
        simulation_settings& s = spec_.simulation;
        s.origin = {file_, 0, "simulation"};
        if (!root_.has("simulation")) return;
        table_reader t(root_.get("simulation"), file_, "simulation");
        s.origin = t.where();
        s.dt = t.number("dt", s.dt);
        if (!(s.dt > 0.0) || !std::isfinite(s.dt)) t.fail("dt", "expected a positive time step in ms");
        if (!included_file_.empty() && s.dt != included_dt_)
            t.fail("dt", "the included " + included_file_ + " has dt = " + number_text(included_dt_) +
                             " ms, and its delays were checked against it; expected the same dt (set it in that file)");
        s.duration = t.number("duration", s.duration);
        if (!(s.duration >= 0.0) || !std::isfinite(s.duration)) t.fail("duration", "expected a duration >= 0 in ms");
        if (s.duration / s.dt > 4.0e9) t.fail("duration", "more than 4e9 steps; expected a shorter run or a larger dt");
        if (t.has("seed")) s.seed = t.count("seed", std::numeric_limits<std::int64_t>::max());
        if (t.has("threads")) s.threads = static_cast<int>(t.count("threads", 4096));
        s.backend = t.string("backend", s.backend);  // an included file's value unless given here
        const std::vector<std::string> backends = {"serial", "openmp", "cuda", "hip"};  // whether compiled in: runtime
        if (!s.backend.empty() && std::find(backends.begin(), backends.end(), s.backend) == backends.end())
            t.fail("backend", "unknown backend '" + s.backend + "'" + suggest(s.backend, backends));
        t.finish({"dt", "duration", "seed", "threads", "backend"});
    }

    // [sonata] circuit = "circuit_config.json", spikes = "inputs.h5" (paths relative to this
    // file): the populations and edges of a SONATA circuit (io/sonata.hpp), added before the
    // [[population]] tables so that everything after can refer to them by name.
    void read_sonata() {
        if (!root_.has("sonata")) return;
        table_reader t(root_.get("sonata"), file_, "sonata");
        import_sonata_circuit(beside_this_file(t.string("circuit")), spec_, t.where("circuit"));
        if (t.has("spikes")) read_sonata_input_spikes(beside_this_file(t.string("spikes")), spec_, t.where("spikes"));
        t.finish({"circuit", "spikes"});
    }

    void read_scaling() {
        scaling_spec& sc = spec_.scaling;
        sc.origin = {file_, 0, "scaling"};
        if (!root_.has("scaling")) return;
        table_reader t(root_.get("scaling"), file_, "scaling");
        sc.origin = t.where("scale");
        sc.scale = t.number("scale", sc.scale);
        if (!(sc.scale > 0.0 && sc.scale <= 1.0)) t.fail("scale", "expected a scale in (0, 1]");
        sc.compensate = t.boolean("compensate", sc.compensate);
        t.finish({"scale", "compensate"});
    }

    void read_population(table_reader& t) {
        const std::string name = t.string("name");
        if (name.empty()) t.fail("name", "expected a non-empty name");
        if (spec_.layout.find(name)) t.fail("name", "a population named '" + name + "' already exists");
        const std::int64_t size = t.integer("size");
        if (size <= 0) t.fail("size", "expected a positive number of neurons, got " + std::to_string(size));
        try {
            spec_.layout.add(name, static_cast<std::uint64_t>(size));
        } catch (const std::overflow_error& e) {
            t.fail("size", e.what());
        }
        population_model m;
        m.origin = t.where();
        const std::string model = t.string("model");
        if (!parse_neuron_model(model, m.model))
            t.fail("model", "unknown model '" + model + "'" + suggest(model, neuron_model_names()));
        m.parameters = default_parameters(m.model);
        std::vector<std::string> known = {"name", "size", "model", "parameters", "initial", "full_scale_rate"};
        if (t.has("full_scale_rate")) {
            m.full_scale_rate = t.number("full_scale_rate");
            if (!(m.full_scale_rate >= 0.0) || !std::isfinite(m.full_scale_rate))
                t.fail("full_scale_rate", "expected a rate >= 0 Hz");
        }
        if (t.has("preset")) {
            const std::string preset = t.string("preset");
            const auto presets = preset_names(m.model);
            if (presets.empty()) t.fail("preset", std::string("the model '") + to_string(m.model) + "' has no presets");
            if (!apply_preset(m.parameters, m.model, preset))
                t.fail("preset", "unknown preset '" + preset + "'" + suggest(preset, presets));
            known.push_back("preset");
        }
        if (m.model == neuron_model_kind::spike_source) {
            m.spikes = read_spike_trains(t, static_cast<neuron_id>(size));
            known.insert(known.end(), {"spike_times", "spike_file", "spike_file_population"});
        }
        if (t.has("parameters")) {
            table_reader params(t.get("parameters"), file_, t.field("parameters"));
            auto names = parameter_names(m.model);
            const auto lists = list_parameter_names(m.model);
            names.insert(names.end(), lists.begin(), lists.end());
            std::vector<std::string> list_keys;  // applied last: an empty list depends on the switches
            for (const auto& [key, value] : params.table().as_table()) {
                if (std::find(names.begin(), names.end(), key) == names.end()) params.unknown(key, names);
                if (std::find(lists.begin(), lists.end(), key) != lists.end()) {
                    list_keys.push_back(key);
                } else if (value.is_boolean() && is_switch_parameter(m.model, key)) {
                    set_parameter(m.parameters, m.model, key, params.boolean(key, false) ? 1.0 : 0.0);
                } else {
                    // A number, or a distribution drawn per neuron (like `initial`).
                    const distribution d = read_distribution(params, key);
                    if (!d.is_constant()) m.varied.push_back({key, d, {}});
                    // A varied parameter's population value is its distribution's centre: what
                    // the population-level checks below see; each draw is checked when built.
                    set_parameter(m.parameters, m.model, key, typical_value(d));
                }
            }
            // The k-th varied parameter draws from stream k: name order, since TOML tables
            // do not keep their order.
            std::sort(m.varied.begin(), m.varied.end(), [](const auto& a, const auto& b) { return a.parameter < b.parameter; });
            for (const auto& key : list_keys) {
                std::string error;
                if (!set_list_parameter(m.parameters, m.model, key, number_list(params, key), error)) params.fail(key, error);
            }
            for (const auto& problem : check_parameters(m.parameters, m.model, spec_.simulation.dt))
                params.fail(params.has(problem.name) ? problem.name : "", problem.what);
        }
        if (t.has("initial")) {
            table_reader init(t.get("initial"), file_, t.field("initial"));
            const auto vars = recordable_variables(m.model);
            for (const auto& [key, value] : init.table().as_table()) {
                if (std::find(vars.begin(), vars.end(), key) == vars.end()) init.unknown(key, vars);
                m.initial.push_back({key, read_distribution(init, key), {}});
            }
            // The k-th initial value draws from stream k: name order (as SONATA's JSON gives
            // them back), since TOML tables keep no order.
            std::sort(m.initial.begin(), m.initial.end(), [](const auto& a, const auto& b) { return a.variable < b.variable; });
        }
        if (t.has("cell_names")) {
            const toml_value& v = t.get("cell_names");
            if (!v.is_array() || v.as_array().size() != static_cast<std::size_t>(size))
                t.fail("cell_names", "expected a list of " + std::to_string(size) + " names, one per neuron");
            std::set<std::string> seen;
            for (const auto& x : v.as_array()) {
                if (!x.is_string() || x.as_string().str.empty()) t.fail_at(x, "cell_names", "expected non-empty strings");
                if (!seen.insert(x.as_string().str).second)
                    t.fail_at(x, "cell_names", "the name '" + x.as_string().str + "' is given twice");
                m.cell_names.push_back(x.as_string().str);
            }
            known.push_back("cell_names");
        }
        spec_.models.push_back(m);
        t.finish(known);
    }

    // `neurons = [local ids]` (or "all" where allowed), or `cells = ["name", ...]` naming
    // neurons by the population's cell_names. Empty if neither key is given.
    std::vector<neuron_id> read_selection(table_reader& t, std::size_t population, bool allow_all) {
        const neuron_id size = spec_.layout[population].size;
        std::vector<neuron_id> out;
        if (t.has("neurons") && t.has("cells")) t.fail("cells", "expected either neurons or cells, not both");
        if (t.has("neurons")) {
            const toml_value& v = t.get("neurons");
            if (allow_all && v.is_string() && v.as_string().str == "all") {
                for (neuron_id i = 0; i < size; ++i) out.push_back(i);
                return out;
            }
            if (!v.is_array() || v.as_array().empty())
                t.fail("neurons", std::string("expected a list of neuron indices within the population") + (allow_all ? " or \"all\"" : ""));
            for (const auto& x : v.as_array()) {
                if (!x.is_integer() || x.as_integer() < 0 || x.as_integer() >= size)
                    t.fail_at(x, "neurons", "expected indices in 0.." + std::to_string(size - 1));
                out.push_back(static_cast<neuron_id>(x.as_integer()));
            }
        } else if (t.has("cells")) {
            const toml_value& v = t.get("cells");
            const auto& names = spec_.models[population].cell_names;
            const std::string& pop = spec_.layout[population].name;
            if (names.empty()) t.fail("cells", "population '" + pop + "' has no cell_names; expected neurons = [indices]");
            if (!v.is_array() || v.as_array().empty()) t.fail("cells", "expected a list of cell names");
            for (const auto& x : v.as_array()) {
                if (!x.is_string()) t.fail_at(x, "cells", "expected cell names (strings)");
                const std::string& name = x.as_string().str;
                const auto it = std::find(names.begin(), names.end(), name);
                if (it == names.end()) {
                    const std::string guess = closest_match(name, names);
                    t.fail_at(x, "cells", "no cell named '" + name + "' in population '" + pop + "'" +
                                              (guess.empty() ? std::string() : "; did you mean '" + guess + "'?"));
                }
                out.push_back(static_cast<neuron_id>(it - names.begin()));
            }
        }
        return out;
    }

    // spike_times = [[t, ...], ...] (one list per neuron, ms) or spike_file = "x.h5" (SONATA
    // spikes; the group named by spike_file_population, default the population's name) or
    // "x.csv"/"x.txt" (lines "node_id time_ms", separated by a comma or whitespace, # comments).
    std::shared_ptr<const spike_trains> read_spike_trains(table_reader& t, neuron_id size) {
        auto trains = std::make_shared<spike_trains>();
        const bool inline_times = t.has("spike_times"), from_file = t.has("spike_file");
        if (inline_times == from_file) t.fail("", "a spike_source needs exactly one of spike_times or spike_file");
        auto add = [&](std::uint64_t neuron, double time, const std::function<void(const std::string&)>& fail) {
            if (neuron >= size) fail("neuron " + std::to_string(neuron) + " is outside the population (0.." + std::to_string(size - 1) + ")");
            if (!(time >= 0.0) || !std::isfinite(time)) fail("spike time " + number_text(time) + " ms; expected a finite time >= 0");
            trains->neuron.push_back(static_cast<neuron_id>(neuron));
            trains->time.push_back(time);
        };
        if (inline_times) {
            const toml_value& v = t.get("spike_times");
            if (!v.is_array()) t.fail("spike_times", "expected one list of times [ms] per neuron");
            const auto& rows = v.as_array();
            if (rows.size() > size) t.fail("spike_times", "more lists (" + std::to_string(rows.size()) + ") than neurons (" + std::to_string(size) + ")");
            for (std::size_t i = 0; i < rows.size(); ++i) {
                if (!rows[i].is_array()) t.fail_at(rows[i], "spike_times", "expected a list of times [ms] for neuron " + std::to_string(i));
                for (const auto& x : rows[i].as_array()) {
                    if (!x.is_floating() && !x.is_integer()) t.fail_at(x, "spike_times", "expected numbers (times in ms)");
                    const double time = x.is_floating() ? x.as_floating() : static_cast<double>(x.as_integer());
                    add(i, time, [&](const std::string& what) { t.fail_at(x, "spike_times", what); });
                }
            }
            return trains;
        }
        namespace fs = std::filesystem;
        const fs::path path = beside_this_file(t.string("spike_file"));
        trains->file = path.string();
        if (!fs::exists(path)) t.fail("spike_file", "cannot find '" + path.string() + "'");
        const std::string ext = path.extension().string();
        if (ext == ".h5" || ext == ".hdf5" || ext == ".sonata") {
            const std::string group = t.string("spike_file_population", spec_.layout.populations().back().name);
            std::map<std::string, population_spikes> all;
            try {
                all = read_spike_file(path.string());
            } catch (const std::exception& e) {
                t.fail("spike_file", std::string("cannot read SONATA spikes: ") + e.what());
            }
            auto it = all.find(group);
            if (it == all.end()) {
                std::vector<std::string> names;
                for (const auto& [name, value] : all) names.push_back(name);
                t.fail("spike_file", "'" + path.string() + "' has no population '" + group + "'" + suggest(group, names));
            }
            for (std::size_t k = 0; k < it->second.node_ids.size(); ++k)
                add(it->second.node_ids[k], it->second.timestamps[k], [&](const std::string& what) {
                    t.fail("spike_file", path.string() + ", spike " + std::to_string(k) + ": " + what);
                });
            return trains;
        }
        std::ifstream in(path);
        std::string line;
        for (int line_no = 1; std::getline(in, line); ++line_no) {
            const auto hash = line.find('#');
            if (hash != std::string::npos) line.erase(hash);
            std::replace(line.begin(), line.end(), ',', ' ');
            std::istringstream fields(line);
            std::string a, b, extra;
            if (!(fields >> a)) continue;
            auto fail = [&](const std::string& what) { throw input_error({path.string(), line_no, "spike_file"}, what); };
            if (!(fields >> b) || (fields >> extra)) fail("expected two columns: node_id time_ms");
            std::size_t used_a = 0, used_b = 0;
            double id = 0, time = 0;
            try {
                id = std::stod(a, &used_a);
                time = std::stod(b, &used_b);
            } catch (const std::exception&) {
                if (line_no == 1) continue;  // a header line
                fail("expected numbers, got '" + a + "' and '" + b + "'");
            }
            if (used_a != a.size() || used_b != b.size() || id < 0 || id != std::floor(id))
                fail("expected a non-negative integer node_id and a time in ms, got '" + a + "' and '" + b + "'");
            add(static_cast<std::uint64_t>(id), time, fail);
        }
        return trains;
    }

    distribution read_delay(table_reader& t) {
        const double dt = spec_.simulation.dt;
        if (!t.has("delay")) return distribution::constant_value(dt);
        distribution d = read_distribution(t, "delay");
        const double lowest = d.lower_bound();
        const double highest = d.upper_bound();
        if (d.is_constant() && !(d.value >= dt * (1.0 - 1e-9)))
            t.fail("delay", "delay " + number_text(d.value) + " ms is below the time step dt = " + number_text(dt) +
                                " ms; expected a delay >= dt");
        if (!d.is_constant() && !(lowest >= 0.5 * dt))
            t.fail("delay", "this distribution can draw delays below dt/2 = " + number_text(0.5 * dt) +
                                " ms (rounded to zero steps); expected min >= " + number_text(0.5 * dt));
        const double limit = max_delay_steps * dt;
        if (highest < 1e299 && highest > limit)
            t.fail("delay", "delays above " + number_text(limit) + " ms (65535 steps) are not supported");
        if (highest >= 1e299) d.max = limit;  // an unbounded tail is redrawn above the longest delay
        return d;
    }

    void read_projection(table_reader& t) {
        projection_spec p;
        p.origin = t.where();
        p.source = population_index(t, "source");
        p.target = population_index(t, "target");
        const std::string rule = t.string("rule");
        const std::vector<std::string> rules = {"all_to_all", "one_to_one", "fixed_probability", "fixed_indegree",
                                                "fixed_outdegree", "fixed_total_number", "explicit"};
        std::vector<std::string> known = {"source", "target", "rule", "weight", "delay", "autapses", "multapses"};
        const std::uint64_t ns = spec_.layout[p.source].size, nt = spec_.layout[p.target].size;
        if (rule == "all_to_all") {
            p.rule = connection_rule_kind::all_to_all;
        } else if (rule == "one_to_one") {
            p.rule = connection_rule_kind::one_to_one;
            if (ns != nt) t.fail("rule", "one_to_one needs populations of equal size (" + std::to_string(ns) + " and " +
                                             std::to_string(nt) + ")");
        } else if (rule == "fixed_probability") {
            p.rule = connection_rule_kind::fixed_probability;
            p.probability = t.number("p");
            if (!(p.probability >= 0.0 && p.probability <= 1.0)) t.fail("p", "expected a probability in [0, 1]");
            known.push_back("p");
        } else if (rule == "fixed_indegree") {
            p.rule = connection_rule_kind::fixed_indegree;
            p.number = t.count("indegree", std::numeric_limits<std::uint32_t>::max());
            known.push_back("indegree");
        } else if (rule == "fixed_outdegree") {
            p.rule = connection_rule_kind::fixed_outdegree;
            p.number = t.count("outdegree", std::numeric_limits<std::uint32_t>::max());
            known.push_back("outdegree");
        } else if (rule == "fixed_total_number") {
            p.rule = connection_rule_kind::fixed_total_number;
            p.number = t.count("number", std::uint64_t(1) << 48);
            known.push_back("number");
        } else if (rule == "explicit") {
            p.rule = connection_rule_kind::explicit_edges;
            if (t.has("edges_file") && t.has("edges")) t.fail("edges", "expected edges or edges_file, not both");
            if (t.has("edges_group") && !t.has("edges_file")) t.fail("edges_group", "edges_group needs edges_file");
            if (t.has("edges_file")) read_edges_file(t, p, ns, nt);
            else read_edges(t, p, ns, nt);
            known.insert(known.end(), {"edges", "edges_file", "edges_group"});
        } else {
            t.fail("rule", "unknown rule '" + rule + "'" + suggest(rule, rules));
        }
        p.allow_autapses = t.boolean("autapses", true);
        p.allow_multapses = t.boolean("multapses", true);
        if (t.has("weight")) p.weight = read_distribution(t, "weight");
        else if (!p.edges_have_weights) t.fail("", "missing required key 'weight'");
        if (!std::isfinite(p.weight.lower_bound()) && p.weight.is_constant()) t.fail("weight", "expected a finite weight");
        synapse_spec syn = read_synapse_model(t, p, known);
        if (syn.kind == synapse_kind::static_synapse || syn.kind == synapse_kind::stdp) p.delay = read_delay(t);
        else if (t.has("delay")) t.fail("delay", std::string(to_string(syn.kind)) + " connections act within the step; they take no delay");
        t.finish(known);
        spec_.projections.push_back(std::move(p));
        spec_.synapses.push_back(std::move(syn));
    }

    // The synapse model of a projection and its parameters; checks that it fits the models
    // of the populations it connects.
    synapse_spec read_synapse_model(table_reader& t, const projection_spec& p, std::vector<std::string>& known) {
        synapse_spec syn;
        known.insert(known.end(), {"synapse", "name"});
        syn.name = t.string("name", "");
        if (!syn.name.empty())
            for (const auto& other : spec_.synapses)
                if (other.name == syn.name) t.fail("name", "two projections are named '" + syn.name + "'");
        const neuron_model_kind src = spec_.models[p.source].model, tgt = spec_.models[p.target].model;
        const std::string src_name = spec_.layout[p.source].name, tgt_name = spec_.layout[p.target].name;
        syn.kind = is_rate_model(src) ? synapse_kind::rate : synapse_kind::static_synapse;
        if (t.has("synapse")) {
            const std::string name = t.string("synapse");
            if (!parse_synapse_kind(name, syn.kind))
                t.fail("synapse", "unknown synapse model '" + name + "'" + suggest(name, synapse_kind_names()));
        }
        // Explicit edges may carry their own weights: the checks below cover those too.
        double weight_lower = p.weight.lower_bound(), weight_upper = p.weight.upper_bound();
        if (p.edges_have_weights) {
            weight_lower = std::numeric_limits<double>::infinity();
            weight_upper = -weight_lower;
            for (const auto& e : p.edges) {
                weight_lower = std::min(weight_lower, e.weight);
                weight_upper = std::max(weight_upper, e.weight);
            }
        }
        switch (syn.kind) {
        case synapse_kind::static_synapse:
        case synapse_kind::stdp:
            if (!is_spiking(src))
                t.fail("synapse", "population '" + src_name + "' (" + to_string(src) + ") does not spike; expected synapse = " +
                                      (is_rate_model(src) ? "\"rate\"" : "\"graded\" or \"gap_junction\""));
            if (is_rate_model(tgt) && syn.kind == synapse_kind::stdp)
                t.fail("synapse", "STDP onto rate units is not defined; expected a spiking target");
            break;
        case synapse_kind::gap_junction:
        case synapse_kind::graded:
            for (auto [model, name] : {std::pair{src, src_name}, std::pair{tgt, tgt_name}})
                if (!has_membrane_potential(model))
                    t.fail("synapse", "population '" + name + "' (" + to_string(model) + ") has no membrane potential; " +
                                          to_string(syn.kind) + " connections need one on both sides");
            if (weight_lower < 0.0) t.fail("weight", "expected a conductance >= 0 nS");
            break;
        case synapse_kind::rate:
            if (!is_rate_model(src) || !is_rate_model(tgt))
                t.fail("synapse", "rate connections join rate units; '" + src_name + "' is " + to_string(src) + " and '" +
                                      tgt_name + "' is " + to_string(tgt));
            break;
        }
        known.push_back("receptor");
        if (t.has("receptor")) {
            if (syn.kind != synapse_kind::static_synapse && syn.kind != synapse_kind::stdp)
                t.fail("receptor", std::string(to_string(syn.kind)) + " connections act on no receptor port; expected no receptor");
            syn.receptor = static_cast<std::uint32_t>(t.count("receptor", max_receptor_ports));
            const std::string problem = receptor_problem(spec_.models[p.target], p, syn.receptor, spec_.layout[p.target].first,
                                                         spec_.layout[p.target].size, spec_.simulation.seed);
            if (!problem.empty()) t.fail("receptor", "population '" + tgt_name + "': " + problem);
        }
        if (syn.kind == synapse_kind::stdp) {
            known.push_back("stdp");
            if (!t.has("stdp")) t.fail("", "missing required key 'stdp' (the rule's parameters, at least w_max)");
            table_reader r(t.get("stdp"), file_, t.field("stdp"));
            stdp_parameters& q = syn.stdp;
            q.tau_plus = r.number("tau_plus", q.tau_plus);
            q.tau_minus = r.number("tau_minus", q.tau_minus);
            q.A_plus = r.number("A_plus", q.A_plus);
            q.A_minus = r.number("A_minus", q.A_minus);
            q.w_min = r.number("w_min", q.w_min);
            q.w_max = r.number("w_max");
            const std::string rule = r.string("rule", "additive");
            if (rule != "additive" && rule != "multiplicative")
                r.fail("rule", "unknown rule '" + rule + "'" + suggest(rule, {"additive", "multiplicative"}));
            q.multiplicative = rule == "multiplicative";
            const std::string pairing = r.string("pairing", "all_to_all");
            if (pairing != "all_to_all" && pairing != "nearest")
                r.fail("pairing", "unknown pairing '" + pairing + "'" + suggest(pairing, {"all_to_all", "nearest"}));
            q.nearest = pairing == "nearest";
            for (const auto& problem : check_synapse(syn)) r.fail(problem.name, problem.what);
            if (weight_lower < q.w_min || weight_upper > q.w_max)
                t.fail(p.edges_have_weights ? "edges" : "weight",
                       "initial weights from " + number_text(weight_lower) + " to " + number_text(weight_upper) +
                           " reach outside [w_min, w_max] = [" + number_text(q.w_min) + ", " + number_text(q.w_max) +
                           "]; expected weights within the bounds (give the distribution min and max)");
            r.finish({"tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max", "rule", "pairing"});
        }
        if (syn.kind == synapse_kind::graded) {
            known.push_back("graded");
            if (t.has("graded")) {
                table_reader r(t.get("graded"), file_, t.field("graded"));
                graded_parameters& q = syn.graded;
                q.E_rev = r.number("E_rev", q.E_rev);
                q.V_half = r.number("V_half", q.V_half);
                q.V_slope = r.number("V_slope", q.V_slope);
                for (const auto& problem : check_synapse(syn)) r.fail(problem.name, problem.what);
                r.finish({"E_rev", "V_half", "V_slope"});
            }
        }
        return syn;
    }

    // edges_file = "net.edges.h5", edges_group = "chemical": the datasets
    // /edges/<group>/{source_node_id, target_node_id[, syn_weight][, delay]} (local indices;
    // weights in the target model's unit, delays in ms), as `import edgelist` writes them.
    void read_edges_file(table_reader& t, projection_spec& p, std::uint64_t ns, std::uint64_t nt) {
        const std::string path = beside_this_file(t.string("edges_file"));
        const std::string group = "edges/" + t.string("edges_group");
        if (!std::filesystem::exists(path)) t.fail("edges_file", "cannot open '" + path + "'; expected an HDF5 edge file");
        h5::handle f;
        try {
            f = h5::open_file(path);
        } catch (const std::exception&) {
            t.fail("edges_file", "'" + path + "' is not an HDF5 file");
        }
        if (!h5::exists(f.get(), group)) t.fail("edges_group", "'" + path + "' has no group /" + group);
        const h5::handle g = h5::open_group(f.get(), group);
        const auto bad = [&](const std::string& what) { return input_error({path, 0, "/" + group}, what); };
        for (const char* name : {"source_node_id", "target_node_id"})
            if (!h5::exists(g.get(), name)) throw bad(std::string("expected a dataset ") + name);
        std::vector<std::uint64_t> source, target;
        std::vector<double> weight, delay;
        try {  // a dataset of the wrong type or shape: one message naming the file
            source = h5::read_uint64s(g.get(), "source_node_id");
            target = h5::read_uint64s(g.get(), "target_node_id");
            if (h5::exists(g.get(), "syn_weight")) weight = h5::read_doubles(g.get(), "syn_weight");
            if (h5::exists(g.get(), "delay")) delay = h5::read_doubles(g.get(), "delay");
        } catch (const std::runtime_error& e) {
            throw bad(std::string("cannot read the edges: ") + e.what() + "; expected 1-D integer ids and float weights/delays");
        }
        if (source.size() != target.size()) throw bad("source_node_id and target_node_id differ in length");
        if ((!weight.empty() && weight.size() != source.size()) || (!delay.empty() && delay.size() != source.size()))
            throw bad("syn_weight and delay must have one value per edge");
        p.edges.resize(source.size());
        for (std::size_t e = 0; e < source.size(); ++e) {
            if (source[e] >= ns || target[e] >= nt)
                throw bad("edge " + std::to_string(e) + " (" + std::to_string(source[e]) + " -> " + std::to_string(target[e]) +
                          ") is outside the populations (" + std::to_string(ns) + " and " + std::to_string(nt) + " neurons)");
            explicit_edge& x = p.edges[e];
            x.source = static_cast<neuron_id>(source[e]);
            x.target = static_cast<neuron_id>(target[e]);
            if (!weight.empty()) x.weight = weight[e];
            if (!delay.empty()) {
                x.delay = delay[e];
                if (!(x.delay >= spec_.simulation.dt * (1.0 - 1e-9)))
                    throw bad("edge " + std::to_string(e) + ": delay " + number_text(x.delay) + " ms is below dt");
            }
        }
        p.edges_have_weights = !weight.empty();
        p.edges_have_delays = !delay.empty();
    }

    void read_edges(table_reader& t, projection_spec& p, std::uint64_t ns, std::uint64_t nt) {
        const toml_value& v = t.get("edges");
        if (!v.is_array()) t.fail("edges", "expected an array of [source, target] or [source, target, weight, delay]");
        std::size_t width = 0;
        for (const auto& row : v.as_array()) {
            auto bad = [&](const std::string& what) {
                return input_error({file_, table_reader::line_of(row), t.field("edges")}, what);
            };
            if (!row.is_array() || row.as_array().size() < 2 || row.as_array().size() > 4)
                throw bad("expected [source, target], [source, target, weight] or [source, target, weight, delay]");
            const auto& r = row.as_array();
            if (width == 0) width = r.size();
            if (r.size() != width) throw bad("every edge must have the same number of entries as the first (" + std::to_string(width) + ")");
            auto num = [&](std::size_t k) {
                if (r[k].is_integer()) return static_cast<double>(r[k].as_integer());
                if (!r[k].is_floating()) throw bad("expected numbers in an edge");
                return r[k].as_floating();
            };
            explicit_edge e;
            const double s = num(0), g = num(1);
            if (s < 0 || s >= ns || s != std::floor(s)) throw bad("source index " + number_text(s) + " is outside the source population (0.." + std::to_string(ns - 1) + ")");
            if (g < 0 || g >= nt || g != std::floor(g)) throw bad("target index " + number_text(g) + " is outside the target population (0.." + std::to_string(nt - 1) + ")");
            e.source = static_cast<neuron_id>(s);
            e.target = static_cast<neuron_id>(g);
            if (width >= 3) e.weight = num(2);
            if (width == 4) {
                e.delay = num(3);
                if (!(e.delay >= spec_.simulation.dt * (1.0 - 1e-9)))
                    throw bad("delay " + number_text(e.delay) + " ms is below the time step dt; expected a delay >= dt");
            }
            p.edges.push_back(e);
        }
        p.edges_have_weights = width >= 3;
        p.edges_have_delays = width == 4;
    }

    void read_stimulus(table_reader& t) {
        stimulus_spec s;
        s.origin = t.where();
        const std::string type = t.string("type");
        s.population = population_index(t, "target");
        s.start = t.number("start", 0.0);
        s.stop = t.number("stop", s.stop);
        if (!(s.start >= 0.0)) t.fail("start", "expected a start time >= 0 ms");
        if (!(s.stop >= s.start)) t.fail("stop", "expected stop >= start");
        std::vector<std::string> known = {"type", "target", "start", "stop", "neurons", "cells"};
        s.neurons = read_selection(t, s.population, false);
        std::sort(s.neurons.begin(), s.neurons.end());
        s.neurons.erase(std::unique(s.neurons.begin(), s.neurons.end()), s.neurons.end());
        if (type == "poisson") {
            s.kind = stimulus_kind::poisson;
            s.rate = t.number("rate");
            if (!(s.rate >= 0.0) || !std::isfinite(s.rate)) t.fail("rate", "expected a rate >= 0 Hz");
            s.weight = t.number("weight");
            if (!std::isfinite(s.weight)) t.fail("weight", "expected a finite weight");
            s.sources = static_cast<std::uint32_t>(t.has("sources") ? t.count("sources", 1u << 30) : 1);
            if (s.sources == 0) t.fail("sources", "expected at least one source");
            known.insert(known.end(), {"rate", "weight", "sources"});
        } else if (type == "dc") {
            s.kind = stimulus_kind::dc;
            s.amplitude = t.number("amplitude");
            if (!std::isfinite(s.amplitude)) t.fail("amplitude", "expected a finite current in pA");
            known.push_back("amplitude");
        } else if (type == "step_current") {
            s.kind = stimulus_kind::step_current;
            s.times = number_list(t, "times");
            s.values = number_list(t, "values");
            if (s.times.size() != s.values.size())
                t.fail("values", "expected as many values (" + std::to_string(s.values.size()) + ") as times (" +
                                     std::to_string(s.times.size()) + ")");
            for (std::size_t k = 0; k < s.times.size(); ++k) {
                if (!(s.times[k] >= 0.0)) t.fail("times", "expected times >= 0 ms");
                if (k > 0 && !(s.times[k] > s.times[k - 1])) t.fail("times", "expected strictly increasing times");
            }
            known.insert(known.end(), {"times", "values"});
        } else if (type == "noise") {
            s.kind = stimulus_kind::noise;
            s.mean = t.number("mean", 0.0);
            s.std = t.number("std");
            if (!std::isfinite(s.mean)) t.fail("mean", "expected a finite current in pA");
            if (!(s.std >= 0.0) || !std::isfinite(s.std)) t.fail("std", "expected a standard deviation >= 0 pA");
            known.insert(known.end(), {"mean", "std"});
        } else {
            t.fail("type", "unknown stimulus type '" + type + "'" + suggest(type, {"poisson", "dc", "step_current", "noise"}));
        }
        if (s.kind != stimulus_kind::poisson && !has_membrane_potential(spec_.models[s.population].model) &&
            !is_rate_model(spec_.models[s.population].model))
            t.fail("target", std::string(to_string(spec_.models[s.population].model)) + " neurons take no current");
        t.finish(known);
        spec_.stimuli.push_back(s);
    }

    std::vector<double> number_list(table_reader& t, const std::string& key) {
        const toml_value& v = t.get(key);
        if (!v.is_array()) t.fail(key, "expected a list of numbers");
        std::vector<double> out;
        for (const auto& x : v.as_array()) {
            if (!x.is_floating() && !x.is_integer()) t.fail_at(x, key, "expected numbers");
            out.push_back(x.is_floating() ? x.as_floating() : static_cast<double>(x.as_integer()));
            if (!std::isfinite(out.back())) t.fail_at(x, key, "expected finite numbers");
        }
        return out;
    }

    // [[record]] projection = "name", variable = "weight", synapses = [[source, target], ...]
    void read_weight_record(table_reader& t) {
        trace_record_spec r;
        r.origin = t.where();
        r.weights = true;
        r.variable = t.string("variable", "weight");
        if (r.variable != "weight") t.fail("variable", "a projection records its weights; expected variable = \"weight\"");
        const std::string name = t.string("projection");
        std::vector<std::string> names;
        for (std::size_t k = 0; k < spec_.synapses.size(); ++k) {
            if (!spec_.synapses[k].name.empty()) names.push_back(spec_.synapses[k].name);
            if (spec_.synapses[k].name == name) r.projection = k;
        }
        if (std::find(names.begin(), names.end(), name) == names.end())
            t.fail("projection", "no projection named '" + name + "'" + suggest(name, names));
        if (spec_.synapses[r.projection].kind != synapse_kind::stdp)
            t.fail("projection", "the weights of '" + name + "' do not change; expected a projection with synapse = \"stdp\"");
        r.population = spec_.projections[r.projection].target;
        const toml_value& v = t.get("synapses");
        if (!v.is_array() || v.as_array().empty()) t.fail("synapses", "expected a list of [source, target] pairs");
        const neuron_id ns = spec_.layout[spec_.projections[r.projection].source].size;
        const neuron_id nt = spec_.layout[r.population].size;
        for (const auto& pair : v.as_array()) {
            if (!pair.is_array() || pair.as_array().size() != 2 || !pair.as_array()[0].is_integer() || !pair.as_array()[1].is_integer())
                t.fail_at(pair, "synapses", "expected [source, target] pairs of local indices");
            const auto a = pair.as_array()[0].as_integer(), b = pair.as_array()[1].as_integer();
            if (a < 0 || a >= ns || b < 0 || b >= nt)
                t.fail_at(pair, "synapses", "expected sources in 0.." + std::to_string(ns - 1) + " and targets in 0.." + std::to_string(nt - 1));
            r.synapses.emplace_back(static_cast<neuron_id>(a), static_cast<neuron_id>(b));
        }
        r.every = static_cast<std::uint32_t>(t.has("every") ? t.count("every", 1u << 30) : 1);
        if (r.every == 0) t.fail("every", "expected a sampling interval of at least 1 step");
        r.name = t.string("name", name + "_weight");
        for (const auto& other : spec_.traces)
            if (other.name == r.name) t.fail("name", "two trace records are named '" + r.name + "'");
        t.finish({"projection", "variable", "synapses", "every", "name"});
        spec_.traces.push_back(r);
    }


    // [lm]: the network is a language model (models/language.hpp, docs/language.md).
    void read_language() {
        if (!root_.has("lm")) return;
        table_reader t(root_.get("lm"), file_, "lm");
        lm_spec lm;
        if (spec_.language) lm = *spec_.language;  // an included model, refined here
        lm.origin = t.where();
        if (t.has("input") || !spec_.language) lm.input = population_index(t, "input");
        if (t.has("output") || !spec_.language) lm.output = population_index(t, "output");
        lm.encoding = choice(t, "encoding", "encoding", lm.encoding,
                             {{"window", token_encoding::window}, {"stream", token_encoding::stream}});
        if (t.has("context")) {
            if (lm.encoding != token_encoding::window) t.fail("context", "context is for encoding = \"window\"; a stream model's context is its state");
            lm.context = static_cast<std::uint32_t>(t.count("context", 4096));
            if (lm.context == 0) t.fail("context", "expected at least one byte of context");
        }
        if (t.has("ticks")) {
            if (lm.encoding != token_encoding::stream) t.fail("ticks", "ticks is for encoding = \"stream\"");
            lm.ticks = static_cast<std::uint32_t>(t.count("ticks", 64));
            if (lm.ticks == 0) t.fail("ticks", "expected at least one step per byte");
        }
        std::optional<activation_kind> forced;
        if (t.has("activation"))
            forced = choice(t, "activation", "activation", activation_kind::identity,
                            {{"relu", activation_kind::relu}, {"tanh", activation_kind::tanh}, {"sigmoid", activation_kind::sigmoid}});
        // An included model keeps its activations unless this file sets them again.
        const std::vector<activation_kind> included = forced ? std::vector<activation_kind>() : lm.activation;
        lm.activation.assign(spec_.layout.count(), activation_kind::identity);
        for (std::size_t p = 0; p < spec_.layout.count(); ++p) {
            if (p == lm.input || p == lm.output) continue;
            if (p < included.size()) {
                lm.activation[p] = included[p];
                continue;
            }
            const neuron_model_kind k = spec_.models[p].model;
            if (forced) lm.activation[p] = *forced;
            else if (k == neuron_model_kind::rate_relu) lm.activation[p] = activation_kind::relu;
            else if (k == neuron_model_kind::rate_tanh) lm.activation[p] = activation_kind::tanh;
            else if (k == neuron_model_kind::rate_sigmoid) lm.activation[p] = activation_kind::sigmoid;
            else
                t.fail("activation", "hidden population '" + spec_.layout[p].name + "' has model '" + to_string(k) +
                                         "', which is not a rate unit; expected a rate model (rate_relu, rate_tanh, "
                                         "rate_sigmoid) or [lm] activation = \"relu\" | \"tanh\" | \"sigmoid\"");
        }
        lm.init = choice(t, "init", "init", lm.init,
                         {{"uniform", weight_init_kind::uniform}, {"signed", weight_init_kind::signed_uniform},
                          {"written", weight_init_kind::written}});
        lm.degree_preserving_null =
            choice(t, "null", "null model", lm.degree_preserving_null, {{"none", false}, {"degree_preserving", true}});
        if (t.has("training")) {
            table_reader r(t.get("training"), file_, "lm.training");
            read_training(r, lm.training);
        } else if (!spec_.language) {
            t.fail("training", "expected an [lm.training] table with at least train and validation files");
        }
        t.finish({"input", "output", "encoding", "context", "ticks", "activation", "init", "null", "training"});
        spec_.language = std::make_shared<const lm_spec>(std::move(lm));
    }

    // [evolution]: a generational run over this network's connectome (models/evolution.hpp,
    // docs/evolution.md). Settings that cannot work together fail here, not generations later.
    void read_evolution() {
        if (!root_.has("evolution")) return;
        table_reader t(root_.get("evolution"), file_, "evolution");
        evolution_spec ev;
        ev.origin = t.where();
        auto whole = [&](const std::string& key, std::uint32_t& v, std::uint32_t min, std::uint32_t max) {
            if (!t.has(key)) return;
            v = static_cast<std::uint32_t>(t.count(key, max));
            if (v < min) t.fail(key, "expected at least " + std::to_string(min));
        };
        whole("generations", ev.generations, 0, 1000000);
        whole("population", ev.population, 1, 100000);
        whole("offspring", ev.offspring, 1, 100000);
        whole("tournament", ev.tournament, 1, 100000);
        whole("elite", ev.elite, 0, 100000);
        ev.selection = choice(t, "selection", "selection", ev.selection,
                              {{"truncation", selection_kind::truncation}, {"tournament", selection_kind::tournament},
                               {"plus", selection_kind::plus}, {"comma", selection_kind::comma}});
        auto fraction = [&](table_reader& r, const std::string& key, double& v, bool zero_ok, bool one_ok) {
            if (!r.has(key)) return;
            v = r.number(key);
            if (!(v >= 0.0 && v <= 1.0) || (!zero_ok && v == 0.0) || (!one_ok && v == 1.0))
                r.fail(key, std::string("expected a fraction in ") + (zero_ok ? "[0" : "(0") + ", 1" + (one_ok ? "]" : ")"));
        };
        fraction(t, "truncation", ev.truncation, false, true);
        fraction(t, "crossover", ev.crossover, true, true);
        ev.inherit = choice(t, "inherit", "inheritance", ev.inherit,
                            {{"genome", inherit_kind::genome}, {"trained", inherit_kind::trained}});
        if (t.has("seed")) ev.seed = t.count("seed", ~std::uint64_t(0));
        if (ev.seed == 0) ev.seed = spec_.simulation.seed;
        if (ev.offspring == 0) ev.offspring = ev.population;
        const bool generational = ev.selection == selection_kind::truncation || ev.selection == selection_kind::tournament;
        if (generational && ev.elite >= ev.population)
            t.fail("elite", "expected fewer elite than the population (" + std::to_string(ev.population) + "), or no offspring would be made");
        if (!generational && t.has("elite")) t.fail("elite", "elite is for truncation and tournament selection; plus selection keeps the best parents anyway");
        if (ev.selection == selection_kind::tournament && ev.tournament > ev.population)
            t.fail("tournament", "expected a tournament no larger than the population (" + std::to_string(ev.population) + ")");
        if (ev.selection == selection_kind::comma && ev.offspring < ev.population)
            t.fail("offspring", "(mu, lambda) selection keeps the best mu of lambda offspring: expected offspring >= population (" +
                                    std::to_string(ev.population) + ")");
        if (t.has("mutation")) {
            table_reader m(t.get("mutation"), file_, "evolution.mutation");
            ev.mutation.origin = m.where();
            for (auto [key, v] : {std::pair<const char*, double*>{"add", &ev.mutation.add}, {"remove", &ev.mutation.remove},
                                  {"rewire_target", &ev.mutation.rewire_target}, {"rewire_source", &ev.mutation.rewire_source},
                                  {"flip", &ev.mutation.flip}, {"perturb_sigma", &ev.mutation.perturb_sigma}}) {
                if (!m.has(key)) continue;
                *v = m.number(key);
                if (!(*v >= 0.0 && *v <= 1e6)) m.fail(key, "expected a number of edits per offspring >= 0");
            }
            fraction(m, "perturb", ev.mutation.perturb, true, true);
            m.finish({"add", "remove", "rewire_target", "rewire_source", "flip", "perturb", "perturb_sigma"});
        }
        if (t.has("pruning")) {
            table_reader r(t.get("pruning"), file_, "evolution.pruning");
            pruning_spec& pr = ev.pruning;
            pr.enabled = true;
            pr.origin = r.where();
            fraction(r, "fraction", pr.fraction, false, false);
            pr.scope = choice(r, "scope", "pruning scope", pr.scope,
                              {{"projection", prune_scope::projection}, {"global", prune_scope::global}});
            pr.reset = choice(r, "reset", "reset", pr.reset,
                              {{"sign", prune_reset_kind::sign}, {"rewind", prune_reset_kind::rewind}, {"keep", prune_reset_kind::keep}});
            if (r.has("magnitude")) {
                if (pr.reset != prune_reset_kind::sign) r.fail("magnitude", "magnitude is for reset = \"sign\"");
                pr.magnitude = r.number("magnitude");
                if (!(pr.magnitude > 0.0 && std::isfinite(pr.magnitude))) r.fail("magnitude", "expected a positive weight");
            }
            if (r.has("rewind_step")) {
                if (pr.reset != prune_reset_kind::rewind) r.fail("rewind_step", "rewind_step is for reset = \"rewind\"");
                pr.rewind_step = r.count("rewind_step", std::uint64_t(1) << 40);
            }
            r.finish({"fraction", "scope", "reset", "magnitude", "rewind_step"});
        }
        if (!t.has("fitness")) t.fail("fitness", "expected an [evolution.fitness] table saying what is selected for");
        table_reader f(t.get("fitness"), file_, "evolution.fitness");
        read_fitness(f, ev.fitness);
        const bool trains = ev.fitness.kind == fitness_kind::language;
        if (ev.pruning.enabled && ev.pruning.reset == prune_reset_kind::rewind && !trains)
            t.fail("pruning", "reset = \"rewind\" needs training weights to rewind to: expected fitness kind = \"language\"");
        if (ev.pruning.enabled && ev.pruning.reset == prune_reset_kind::rewind && ev.crossover > 0.0)
            t.fail("crossover", "crossover mixes edges of two parents, which reset = \"rewind\" cannot rewind; expected crossover = 0");
        if (ev.inherit == inherit_kind::trained && !trains)
            t.fail("inherit", "inherit = \"trained\" needs an inner training loop: expected fitness kind = \"language\"");
        const mutation_spec& mu = ev.mutation;
        const bool varies = ev.pruning.enabled || ev.crossover > 0.0 || mu.add > 0 || mu.remove > 0 || mu.rewire_target > 0 ||
                            mu.rewire_source > 0 || mu.flip > 0 || mu.perturb > 0;
        if (!varies && ev.generations > 0)
            t.fail("", "nothing varies the offspring: expected [evolution.mutation] counts, [evolution.pruning] or crossover > 0");
        t.finish({"generations", "population", "offspring", "selection", "truncation", "tournament", "elite", "crossover",
                  "inherit", "seed", "mutation", "pruning", "fitness"});
        spec_.evolution = std::make_shared<const evolution_spec>(std::move(ev));
    }

    void read_fitness(table_reader& f, fitness_spec& fs) {
        fs.origin = f.where();
        if (!f.has("kind")) f.fail("kind", "expected kind = \"language\", \"rates\" or \"response\"");
        fs.kind = choice(f, "kind", "fitness kind", fs.kind,
                         {{"language", fitness_kind::language}, {"rates", fitness_kind::rates}, {"response", fitness_kind::response}});
        std::vector<std::string> known = {"kind"};
        auto window = [&](const std::string& key, double& a, double& b) {
            const toml_value& v = f.get(key);
            if (!v.is_array() || v.as_array().size() != 2) f.fail(key, "expected [start, stop] in ms");
            double x[2];
            for (int i = 0; i < 2; ++i) {
                const toml_value& e = v.as_array()[static_cast<std::size_t>(i)];
                if (!e.is_floating() && !e.is_integer()) f.fail(key, "expected [start, stop] in ms");
                x[i] = e.is_floating() ? e.as_floating() : double(e.as_integer());
            }
            if (!(x[0] >= 0.0 && x[1] > x[0])) f.fail(key, "expected 0 <= start < stop");
            a = x[0];
            b = x[1];
        };
        if (fs.kind == fitness_kind::language) {
            if (!spec_.language) f.fail("kind", "kind = \"language\" needs an [lm] table in the network");
            if (f.has("tokens")) fs.tokens = f.count("tokens", std::uint64_t(1) << 50);
            if (f.has("tokens") && fs.tokens == 0) f.fail("tokens", "expected a positive number of training tokens");
            if (f.has("eval_bytes")) fs.eval_bytes = f.count("eval_bytes", std::uint64_t(1) << 50);
            known.insert(known.end(), {"tokens", "eval_bytes"});
        } else {
            if (spec_.language) f.fail("kind", "this network is a language model ([lm]); expected kind = \"language\"");
            if (f.has("duration")) {
                fs.duration_ms = f.number("duration");
                if (!(fs.duration_ms > 0.0 && std::isfinite(fs.duration_ms))) f.fail("duration", "expected a positive time in ms");
            }
            const double duration = fs.duration_ms > 0.0 ? fs.duration_ms : spec_.simulation.duration;
            known.push_back("duration");
            if (fs.kind == fitness_kind::rates) {
                if (!f.has("rates") || !f.get("rates").is_table() || f.get("rates").as_table().empty())
                    f.fail("rates", "expected target rates per population, e.g. rates = { E = 8.0, I = 12.0 } (Hz)");
                table_reader r(f.get("rates"), file_, "evolution.fitness.rates");
                std::vector<std::string> names;
                for (const auto& p : spec_.layout.populations()) names.push_back(p.name);
                for (const auto& [name, value] : f.get("rates").as_table()) {
                    const auto p = spec_.layout.find(name);
                    if (!p) r.fail(name, "no population named '" + name + "'" + suggest(name, names));
                    const double hz = r.number(name);
                    if (!(hz > 0.0 && std::isfinite(hz))) r.fail(name, "expected a positive target rate in Hz");
                    fs.rates.push_back({*p, hz});
                }
                r.finish(names);
                known.push_back("rates");
            } else {
                fs.response_population = population_index(f, "population");
                fs.prefer = read_cells(f, "prefer", fs.response_population);
                fs.avoid = read_cells(f, "avoid", fs.response_population);
                if (!f.has("window")) f.fail("window", "expected window = [start, stop] (ms): when the response is measured");
                if (!f.has("baseline")) f.fail("baseline", "expected baseline = [start, stop] (ms): what the response is measured against");
                window("window", fs.window_start, fs.window_stop);
                window("baseline", fs.baseline_start, fs.baseline_stop);
                if (fs.window_stop > duration || fs.baseline_stop > duration)
                    f.fail("window", "the windows end after the simulated time (" + std::to_string(duration) + " ms)");
                known.insert(known.end(), {"population", "prefer", "avoid", "window", "baseline"});
            }
        }
        f.finish(known);
    }

    // A list of cell names (or local ids) of one population.
    std::vector<neuron_id> read_cells(table_reader& f, const std::string& key, std::size_t population) {
        if (!f.has(key) || !f.get(key).is_array() || f.get(key).as_array().empty())
            f.fail(key, "expected a list of cell names or neuron indices");
        const auto& names = spec_.models[population].cell_names;
        const neuron_id size = spec_.layout[population].size;
        std::vector<neuron_id> out;
        for (const auto& x : f.get(key).as_array()) {
            if (x.is_integer()) {
                if (x.as_integer() < 0 || x.as_integer() >= size) f.fail_at(x, key, "expected indices in 0.." + std::to_string(size - 1));
                out.push_back(static_cast<neuron_id>(x.as_integer()));
                continue;
            }
            if (!x.is_string()) f.fail_at(x, key, "expected cell names or neuron indices");
            const std::string& name = x.as_string().str;
            const auto it = std::find(names.begin(), names.end(), name);
            if (it == names.end())
                f.fail_at(x, key, "no cell named '" + name + "' in population '" + spec_.layout[population].name + "'" +
                                      suggest(name, names));
            out.push_back(static_cast<neuron_id>(it - names.begin()));
        }
        return out;
    }

    // The value named by `key`, one of `names`; `current` when the key is absent. Anything
    // else: "unknown <what> 'x'" with the closest name.
    template <class T>
    static T choice(table_reader& t, const std::string& key, const std::string& what, T current,
                    const std::vector<std::pair<std::string, T>>& names) {
        if (!t.has(key)) return current;
        const std::string name = t.string(key);
        std::vector<std::string> options;
        for (const auto& [n, value] : names) {
            if (n == name) return value;
            options.push_back(n);
        }
        t.fail(key, "unknown " + what + " '" + name + "'" + suggest(name, options));
    }

    void read_training(table_reader& t, lm_training& tr) {
        tr.origin = t.where();
        if (t.has("train") || tr.train_file.empty()) tr.train_file = beside_this_file(t.string("train"));
        if (t.has("validation") || tr.validation_file.empty()) tr.validation_file = beside_this_file(t.string("validation"));
        if (t.has("tokens")) tr.tokens = t.count("tokens", std::uint64_t(1) << 50);
        if (tr.tokens == 0) t.fail("tokens", "expected a positive number of training tokens");
        if (t.has("batch")) tr.batch = static_cast<std::uint32_t>(t.count("batch", 65536));
        if (tr.batch == 0) t.fail("batch", "expected at least one sequence per step");
        if (t.has("unroll")) tr.unroll = static_cast<std::uint32_t>(t.count("unroll", 65536));
        if (tr.unroll == 0) t.fail("unroll", "expected at least one token per window");
        auto positive = [&](const std::string& key, double& v, bool zero_ok) {
            if (!t.has(key)) return;
            v = t.number(key);
            if (!std::isfinite(v) || v < 0.0 || (!zero_ok && v == 0.0))
                t.fail(key, zero_ok ? "expected a number >= 0" : "expected a positive number");
        };
        positive("learning_rate", tr.learning_rate, false);
        positive("epsilon", tr.epsilon, false);
        positive("weight_decay", tr.weight_decay, true);
        positive("clip", tr.clip, true);
        positive("warmup", tr.warmup, true);
        if (tr.warmup >= 1.0) t.fail("warmup", "expected the warm-up as a fraction of the steps, in [0, 1)");
        if (t.has("betas")) {
            const toml_value& v = t.get("betas");
            if (!v.is_array() || v.as_array().size() != 2) t.fail("betas", "expected two numbers, e.g. betas = [0.9, 0.95]");
            double b[2];
            for (int i = 0; i < 2; ++i) {
                const toml_value& x = v.as_array()[i];
                if (!x.is_floating() && !x.is_integer()) t.fail("betas", "expected two numbers in [0, 1)");
                b[i] = x.is_floating() ? x.as_floating() : double(x.as_integer());
                if (!(b[i] >= 0.0 && b[i] < 1.0)) t.fail("betas", "expected two numbers in [0, 1)");
            }
            tr.beta1 = b[0];
            tr.beta2 = b[1];
        }
        tr.schedule = choice(t, "schedule", "schedule", tr.schedule,
                             {{"linear", lr_schedule_kind::linear}, {"cosine", lr_schedule_kind::cosine},
                              {"constant", lr_schedule_kind::constant}});
        if (t.has("eval_every")) tr.eval_every = t.count("eval_every", std::uint64_t(1) << 50);
        if (t.has("eval_bytes")) tr.eval_bytes = t.count("eval_bytes", std::uint64_t(1) << 50);
        t.finish({"train", "validation", "tokens", "batch", "unroll", "learning_rate", "betas", "epsilon", "weight_decay",
                  "clip", "warmup", "schedule", "eval_every", "eval_bytes"});
    }

    void read_record(table_reader& t) {
        if (t.has("projection")) return read_weight_record(t);
        if (t.has("spikes")) {
            const toml_value& v = t.get("spikes");
            if (v.is_string() && v.as_string().str == "all") {
                spec_.record_spikes.assign(spec_.layout.count(), true);
            } else if (v.is_array()) {
                for (const auto& name : v.as_array()) {
                    if (!name.is_string()) t.fail("spikes", "expected population names");
                    auto i = spec_.layout.find(name.as_string().str);
                    if (!i) {
                        std::vector<std::string> names;
                        for (const auto& p : spec_.layout.populations()) names.push_back(p.name);
                        t.fail_at(name, "spikes", "no population named '" + name.as_string().str + "'" +
                                                      suggest(name.as_string().str, names));
                    }
                    spec_.record_spikes[*i] = true;
                }
            } else {
                t.fail("spikes", "expected \"all\" or a list of population names");
            }
            t.finish({"spikes"});
            return;
        }
        trace_record_spec r;
        r.origin = t.where();
        r.population = population_index(t, "population");
        r.variable = t.string("variable", "V_m");
        const auto vars = recordable_variables(spec_.models[r.population].model);
        if (std::find(vars.begin(), vars.end(), r.variable) == vars.end())
            t.fail("variable", "cannot record '" + r.variable + "'" + suggest(r.variable, vars));
        const neuron_id size = spec_.layout[r.population].size;
        r.neurons = read_selection(t, r.population, true);
        if (r.neurons.empty()) {
            for (neuron_id i = 0; i < std::min<neuron_id>(size, 10); ++i) r.neurons.push_back(i);
            r.default_neurons = true;
        }
        r.every = static_cast<std::uint32_t>(t.has("every") ? t.count("every", 1u << 30) : 1);
        if (r.every == 0) t.fail("every", "expected a sampling interval of at least 1 step");
        r.name = t.string("name", spec_.layout[r.population].name + "_" + r.variable);
        for (const auto& other : spec_.traces)
            if (other.name == r.name) t.fail("name", "two trace records are named '" + r.name + "'");
        t.finish({"population", "variable", "neurons", "cells", "every", "name"});
        spec_.traces.push_back(r);
    }

    table_reader root_;
    std::string file_;
    int depth_ = 0;
    network_spec spec_;
    std::string included_text_;
    std::string included_file_;  // "" without include
    double included_dt_ = 0.0;
};

}  // namespace

network_spec parse_network(const std::string& text, const std::string& name, std::optional<double> scale) {
    const toml_value root = parse_toml(text, name);
    network_parser parser(root, name);
    network_spec spec = parser.parse();
    spec.source_file = name;
    spec.source_text = text + parser.included_text();
    if (scale) {
        if (!(*scale > 0.0 && *scale <= 1.0))
            throw input_error({name, 0, "--scale"}, "expected a scale in (0, 1], got " + number_text(*scale));
        spec.scaling.scale = *scale;
        spec.source_text += "\n# --scale " + number_text(*scale) + "\n";  // a scaled run is another network
    }
    apply_scaling(spec);
    return spec;
}

network_spec load_network_file(const std::string& path, std::optional<double> scale) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error({path, 0, ""}, "cannot open the file; expected a readable TOML network description");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_network(text.str(), path, scale);
}

}  // namespace synaptogen
