#pragma once
// The processes of a distributed run (MPI_COMM_WORLD), or this process alone. The engine
// exchanges spikes through it and the evolution loop shares its evaluations; everything
// else sees one rank. Without MPI in the build, or without a launcher (mpirun, srun), it
// is one rank and no MPI call is made. MPI types stay in ranks.cpp.
#include <cstdint>
#include <string>
#include <vector>

namespace synaptogen {

class ranks {
public:
    // The world of this process: one rank until start() found a launcher.
    static const ranks& world();
    // Initialises MPI when a launcher started this process (and the build has MPI);
    // finalised at exit. Call once, first thing in main().
    static void start(int& argc, char**& argv);
    // Whether this build can run distributed.
    static bool compiled_with_mpi();

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool distributed() const { return size_ > 1; }

    // Every rank's vector, concatenated in rank order; counts (if given) gets each rank's length.
    std::vector<std::uint32_t> all_gather(const std::vector<std::uint32_t>& mine, std::vector<int>* counts = nullptr) const;
    std::vector<double> all_gather(const std::vector<double>& mine, std::vector<int>* counts = nullptr) const;
    std::vector<std::uint64_t> all_gather(std::uint64_t mine) const;
    std::vector<char> all_gather(const std::vector<char>& mine, std::vector<int>* counts = nullptr) const;
    std::uint64_t sum(std::uint64_t x) const;
    std::uint64_t min(std::uint64_t x) const;
    std::uint64_t max(std::uint64_t x) const;
    double max(double x) const;
    void barrier() const;
    // Ends every rank of the job (MPI_Abort); one rank's error must never leave the others
    // waiting in a collective.
    [[noreturn]] void abort(int code) const;

private:
    int rank_ = 0, size_ = 1;
};

}  // namespace synaptogen
