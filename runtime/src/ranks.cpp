#include <synaptogen/runtime/ranks.hpp>

#include <cstdlib>
#include <stdexcept>

#ifdef SYNAPTOGEN_WITH_MPI
// The C API only: Open MPI's and MPICH's headers otherwise pull in the removed C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace synaptogen {

namespace {
ranks& the_world() {
    static ranks w;
    return w;
}

#ifdef SYNAPTOGEN_WITH_MPI
// Launchers announce themselves through the environment: Open MPI's mpirun, PMIx (srun
// with --mpi=pmix) and PMI-1/2 (MPICH, srun). A process started by hand runs alone and
// needs no MPI_Init (a singleton init costs time and, as root, fails).
bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
        if (std::getenv(v)) return true;
    return false;
}

bool mpi_running() {
    int up = 0, down = 0;
    MPI_Initialized(&up);
    MPI_Finalized(&down);
    return up && !down;
}

void check(int rc, const char* what) {
    if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

template <class T>
MPI_Datatype type_of();
template <>
MPI_Datatype type_of<std::uint32_t>() { return MPI_UINT32_T; }
template <>
MPI_Datatype type_of<double>() { return MPI_DOUBLE; }
template <>
MPI_Datatype type_of<char>() { return MPI_CHAR; }

template <class T>
std::vector<T> gather_v(int size, const std::vector<T>& mine, std::vector<int>* counts_out) {
    std::vector<int> counts(size), displs(size, 0);
    const int n = static_cast<int>(mine.size());
    check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
    std::size_t total = 0;
    for (int r = 0; r < size; ++r) {
        displs[r] = static_cast<int>(total);
        total += static_cast<std::size_t>(counts[r]);
    }
    std::vector<T> all(total);
    check(MPI_Allgatherv(mine.data(), n, type_of<T>(), all.data(), counts.data(), displs.data(), type_of<T>(),
                         MPI_COMM_WORLD),
          "MPI_Allgatherv");
    if (counts_out) *counts_out = std::move(counts);
    return all;
}
#endif
}  // namespace

const ranks& ranks::world() { return the_world(); }

bool ranks::compiled_with_mpi() {
#ifdef SYNAPTOGEN_WITH_MPI
    return true;
#else
    return false;
#endif
}

void ranks::start(int& argc, char**& argv) {
#ifdef SYNAPTOGEN_WITH_MPI
    if (!launched_by_mpi() || mpi_running()) return;
    int provided = 0;
    // Only the main thread calls MPI (the writer thread and the Kokkos/TBB workers never do).
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return;
    std::atexit([] {
        if (mpi_running()) MPI_Finalize();
    });
    ranks& w = the_world();
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &w.size_);
    // An error reported by MPI itself ends the job rather than returning to a rank that
    // could not continue anyway.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
#else
    (void)argc;
    (void)argv;
#endif
}

#ifdef SYNAPTOGEN_WITH_MPI
#define SYNAPTOGEN_GATHER(T)                                                                               \
    std::vector<T> ranks::all_gather(const std::vector<T>& mine, std::vector<int>* counts) const {        \
        if (!distributed()) {                                                                              \
            if (counts) *counts = {static_cast<int>(mine.size())};                                         \
            return mine;                                                                                   \
        }                                                                                                  \
        return gather_v(size_, mine, counts);                                                              \
    }
#else
#define SYNAPTOGEN_GATHER(T)                                                                        \
    std::vector<T> ranks::all_gather(const std::vector<T>& mine, std::vector<int>* counts) const { \
        if (counts) *counts = {static_cast<int>(mine.size())};                                      \
        return mine;                                                                                \
    }
#endif
SYNAPTOGEN_GATHER(std::uint32_t)
SYNAPTOGEN_GATHER(double)
SYNAPTOGEN_GATHER(char)
#undef SYNAPTOGEN_GATHER

std::vector<std::uint64_t> ranks::all_gather(std::uint64_t mine) const {
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size_), mine);
#ifdef SYNAPTOGEN_WITH_MPI
    if (distributed())
        check(MPI_Allgather(&mine, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Allgather");
#endif
    return all;
}

namespace {
#ifdef SYNAPTOGEN_WITH_MPI
template <class T>
T reduce(bool distributed, T x, MPI_Datatype type, MPI_Op op) {
    if (!distributed) return x;
    T out{};
    check(MPI_Allreduce(&x, &out, 1, type, op, MPI_COMM_WORLD), "MPI_Allreduce");
    return out;
}
#endif
}  // namespace

#ifdef SYNAPTOGEN_WITH_MPI
std::uint64_t ranks::sum(std::uint64_t x) const { return reduce(distributed(), x, MPI_UINT64_T, MPI_SUM); }
std::uint64_t ranks::min(std::uint64_t x) const { return reduce(distributed(), x, MPI_UINT64_T, MPI_MIN); }
std::uint64_t ranks::max(std::uint64_t x) const { return reduce(distributed(), x, MPI_UINT64_T, MPI_MAX); }
double ranks::max(double x) const { return reduce(distributed(), x, MPI_DOUBLE, MPI_MAX); }
void ranks::barrier() const {
    if (distributed()) MPI_Barrier(MPI_COMM_WORLD);
}
void ranks::abort(int code) const {
    if (mpi_running()) MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
}
#else
std::uint64_t ranks::sum(std::uint64_t x) const { return x; }
std::uint64_t ranks::min(std::uint64_t x) const { return x; }
std::uint64_t ranks::max(std::uint64_t x) const { return x; }
double ranks::max(double x) const { return x; }
void ranks::barrier() const {}
void ranks::abort(int code) const { std::_Exit(code); }
#endif

}  // namespace synaptogen
