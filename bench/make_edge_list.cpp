// Writes a synthetic edge list for the streaming-import benchmark (bench/run_import.py):
// EDGES rows "source,target,weight" over NODES cells named n<k>, sources and targets from
// splitmix64, integer weights 1..10, with a header. Fast enough to make 10^8 rows (~2 GB)
// in well under a minute.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {
std::uint64_t splitmix64(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"synthetic edge list for the import benchmark"};
    std::uint64_t edges = 1000000, nodes = 100000, seed = 1;
    std::string out;
    app.add_option("--edges", edges, "rows")->capture_default_str();
    app.add_option("--nodes", nodes, "distinct cells")->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed")->capture_default_str();
    app.add_option("-o,--out", out, "file to write")->required();
    CLI11_PARSE(app, argc, argv);
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (!f) {
        std::fprintf(stderr, "cannot write %s\n", out.c_str());
        return 1;
    }
    std::vector<char> buffer(1 << 20);
    std::setvbuf(f, buffer.data(), _IOFBF, buffer.size());
    std::fputs("source,target,weight\n", f);
    std::uint64_t s = seed;
    for (std::uint64_t e = 0; e < edges; ++e) {
        const std::uint64_t r = splitmix64(s);
        std::fprintf(f, "n%llu,n%llu,%llu\n", static_cast<unsigned long long>((r >> 32) % nodes),
                     static_cast<unsigned long long>((r & 0xffffffffu) % nodes), static_cast<unsigned long long>(1 + (r >> 60) % 10));
    }
    return std::fclose(f) == 0 ? 0 : 1;
}
