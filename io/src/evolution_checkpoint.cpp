#include <synaptogen/io/evolution_checkpoint.hpp>

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <synaptogen/io/connectome_h5.hpp>
#include <synaptogen/io/hdf5_file.hpp>

namespace synaptogen {

namespace {

constexpr std::uint64_t format_version = 1;

std::string join_lines(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> v;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) v.push_back(line);
    return v;
}

}  // namespace

void write_evolution_checkpoint(const std::string& path, const evolution_checkpoint& c) {
    const std::string part = path + ".part";
    {
        h5::handle file = h5::create_file(part);
        h5::handle g = h5::create_group(file.get(), "evolution");
        h5::write_u64_attribute(g.get(), "format", format_version);
        h5::write_string_attribute(g.get(), "config_file", c.config_file);
        h5::write_u64_attribute(g.get(), "config_hash", c.config_hash);
        h5::write_u64_attribute(g.get(), "seed", c.seed);
        h5::write_string_attribute(g.get(), "fitness", c.fitness);
        h5::write_u64_attribute(g.get(), "generation", c.state.generation);
        h5::write_u64_attribute(g.get(), "next_id", c.state.next_id);
        h5::handle pop = h5::create_group(g.get(), "population");
        for (std::size_t i = 0; i < c.state.population.size(); ++i) {
            const individual& x = c.state.population[i];
            h5::handle p = h5::create_group(pop.get(), std::to_string(i));
            h5::write_u64_attribute(p.get(), "id", x.id);
            h5::write_u64_attribute(p.get(), "born", x.born);
            h5::write_u64_attribute(p.get(), "written_weights", x.written_weights);
            h5::write_u64_attribute(p.get(), "evaluated", x.evaluated);
            h5::write_string_attribute(p.get(), "operators", x.operators);
            h5::write_array(p.get(), "parents", std::vector<std::int64_t>{x.parent_a, x.parent_b});
            h5::write_array(p.get(), "fitness", std::vector<double>{x.fitness});
            write_connectome_h5(p.get(), "genome", x.genome);
            if (!x.trained.projections.empty()) write_connectome_h5(p.get(), "trained", x.trained);
            if (!x.rewound.projections.empty()) write_connectome_h5(p.get(), "rewound", x.rewound);
        }
        h5::handle lin = h5::create_group(g.get(), "lineage");
        const auto& L = c.state.lineage;
        std::vector<std::uint64_t> id, born, edges;
        std::vector<std::int64_t> pa, pb;
        std::vector<double> fitness;
        std::vector<std::string> ops;
        const std::size_t np = L.empty() ? 0 : L.front().edges.size();
        for (const auto& l : L) {
            id.push_back(l.id);
            born.push_back(l.born);
            pa.push_back(l.parent_a);
            pb.push_back(l.parent_b);
            fitness.push_back(l.fitness);
            ops.push_back(l.operators);
            edges.insert(edges.end(), l.edges.begin(), l.edges.end());
        }
        h5::write_array(lin.get(), "id", id);
        h5::write_array(lin.get(), "born", born);
        h5::write_array(lin.get(), "parent_a", pa);
        h5::write_array(lin.get(), "parent_b", pb);
        h5::write_array(lin.get(), "fitness", fitness);
        h5::write_array(lin.get(), "edges", edges);
        h5::write_u64_attribute(lin.get(), "projections", np);
        h5::write_string_attribute(lin.get(), "operators", join_lines(ops));
        H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
    }
    std::filesystem::rename(part, path);  // atomic: the previous generation's file stays valid until now
}

bool is_evolution_checkpoint(const std::string& path) { return h5::file_has(path, "evolution"); }

evolution_checkpoint read_evolution_checkpoint(const std::string& path) {
    if (!std::filesystem::exists(path)) throw input_error({path, 0, ""}, "no such evolution checkpoint");
    if (!is_evolution_checkpoint(path))
        throw input_error({path, 0, ""}, "not an evolution checkpoint (expected an HDF5 file with an /evolution group, "
                                         "as synaptogen evolve writes)");
    evolution_checkpoint c;
    try {
        h5::handle file = h5::open_file(path);
        h5::handle g = h5::open_group(file.get(), "evolution");
        const std::uint64_t format = h5::read_u64_attribute(g.get(), "format");
        if (format != format_version)
            throw input_error({path, 0, ""}, "checkpoint format " + std::to_string(format) + "; expected " + std::to_string(format_version));
        c.config_file = h5::read_string_attribute(g.get(), "config_file");
        c.config_hash = h5::read_u64_attribute(g.get(), "config_hash");
        c.seed = h5::read_u64_attribute(g.get(), "seed");
        c.fitness = h5::read_string_attribute(g.get(), "fitness");
        c.state.generation = static_cast<std::uint32_t>(h5::read_u64_attribute(g.get(), "generation"));
        c.state.next_id = h5::read_u64_attribute(g.get(), "next_id");
        h5::handle pop = h5::open_group(g.get(), "population");
        const std::size_t n = h5::child_names(pop.get()).size();
        for (std::size_t i = 0; i < n; ++i) {
            h5::handle p = h5::open_group(pop.get(), std::to_string(i));
            const std::string where = path + ": evolution/population/" + std::to_string(i);
            individual x;
            x.id = h5::read_u64_attribute(p.get(), "id");
            x.born = static_cast<std::uint32_t>(h5::read_u64_attribute(p.get(), "born"));
            x.written_weights = h5::read_u64_attribute(p.get(), "written_weights") != 0;
            x.evaluated = h5::read_u64_attribute(p.get(), "evaluated") != 0;
            x.operators = h5::read_string_attribute(p.get(), "operators");
            const auto parents = h5::read_array<std::int64_t>(p.get(), "parents");
            const auto fitness = h5::read_array<double>(p.get(), "fitness");
            if (parents.size() != 2 || fitness.size() != 1) throw input_error({where, 0, ""}, "inconsistent individual");
            x.parent_a = parents[0];
            x.parent_b = parents[1];
            x.fitness = fitness[0];
            x.genome = read_connectome_h5(p.get(), "genome", where);
            if (h5::exists(p.get(), "trained")) x.trained = read_connectome_h5(p.get(), "trained", where);
            if (h5::exists(p.get(), "rewound")) x.rewound = read_connectome_h5(p.get(), "rewound", where);
            c.state.population.push_back(std::move(x));
        }
        h5::handle lin = h5::open_group(g.get(), "lineage");
        const auto id = h5::read_array<std::uint64_t>(lin.get(), "id");
        const auto born = h5::read_array<std::uint64_t>(lin.get(), "born");
        const auto pa = h5::read_array<std::int64_t>(lin.get(), "parent_a");
        const auto pb = h5::read_array<std::int64_t>(lin.get(), "parent_b");
        const auto fitness = h5::read_array<double>(lin.get(), "fitness");
        const auto edges = h5::read_array<std::uint64_t>(lin.get(), "edges");
        const std::uint64_t np = h5::read_u64_attribute(lin.get(), "projections");
        const auto ops = split_lines(h5::read_string_attribute(lin.get(), "operators"));
        const std::size_t m = id.size();
        if (born.size() != m || pa.size() != m || pb.size() != m || fitness.size() != m || ops.size() != m || edges.size() != m * np)
            throw input_error({path, 0, "evolution/lineage"}, "inconsistent lineage arrays");
        for (std::size_t k = 0; k < m; ++k) {
            lineage_entry l;
            l.id = id[k];
            l.born = static_cast<std::uint32_t>(born[k]);
            l.parent_a = pa[k];
            l.parent_b = pb[k];
            l.fitness = fitness[k];
            l.operators = ops[k];
            l.edges.assign(edges.begin() + static_cast<std::ptrdiff_t>(k * np), edges.begin() + static_cast<std::ptrdiff_t>((k + 1) * np));
            c.state.lineage.push_back(std::move(l));
        }
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const input_error*>(&e)) throw;
        throw input_error({path, 0, ""}, std::string("unreadable evolution checkpoint (") + e.what() + ")");
    }
    return c;
}

}  // namespace synaptogen
