// STREAM-like memory bandwidth of this machine, measured the way the engine touches memory:
// Kokkos parallel_for over large double arrays on the OpenMP backend. The kernels are
// STREAM's copy (a = b), scale (a = s b), add (a = b + c) and triad (a = b + s c); the
// best of `--repeats` runs is reported, in STREAM's convention (bytes named by the kernel:
// 24 per triad element) and with the write-allocate traffic a cache really moves (32).
//
//   build/bench/stream_triad --threads 2 --mib 512 --repeats 10
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <Kokkos_Core.hpp>

#include <synaptogen/runtime/kokkos_session.hpp>

int main(int argc, char** argv) {
    CLI::App cli{"STREAM-like memory bandwidth (copy, scale, add, triad) with Kokkos"};
    int threads = 0, repeats = 10;
    double mib = 512;  // per array: far beyond the caches
    cli.add_option("--threads,-t", threads, "OpenMP threads (default: all cores)");
    cli.add_option("--mib", mib, "size of each of the three arrays [MiB]")->check(CLI::PositiveNumber);
    cli.add_option("--repeats", repeats, "runs of each kernel; the best counts")->check(CLI::PositiveNumber);
    CLI11_PARSE(cli, argc, argv);

    synaptogen::kokkos_session kokkos(threads);
    using view = Kokkos::View<double*, Kokkos::HostSpace>;
    using policy = Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>;
    const std::size_t n = static_cast<std::size_t>(mib * 1024 * 1024 / sizeof(double));
    view a("a", n), b("b", n), c("c", n);
    // First touch in parallel, as the engine's views are, so pages sit near their threads.
    Kokkos::parallel_for("init", policy(0, n), KOKKOS_LAMBDA(std::size_t i) {
        a(i) = 1.0;
        b(i) = 2.0;
        c(i) = 0.5;
    });
    Kokkos::fence();
    const double s = 3.0;
    struct kernel {
        const char* name;
        int arrays;  // arrays named by the kernel (STREAM's byte count); +1 write-allocate
    };
    const kernel kernels[] = {{"copy", 2}, {"scale", 2}, {"add", 3}, {"triad", 3}};
    std::printf("%-6s %12s %16s %10s  (%zu doubles per array, %d threads)\n", "kernel", "GB/s STREAM",
                "GB/s with WA", "best ms", n, Kokkos::DefaultHostExecutionSpace().concurrency());
    for (int k = 0; k < 4; ++k) {
        double best = 1e30;
        for (int r = 0; r < repeats; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            switch (k) {
            case 0: Kokkos::parallel_for("copy", policy(0, n), KOKKOS_LAMBDA(std::size_t i) { a(i) = b(i); }); break;
            case 1: Kokkos::parallel_for("scale", policy(0, n), KOKKOS_LAMBDA(std::size_t i) { a(i) = s * b(i); }); break;
            case 2: Kokkos::parallel_for("add", policy(0, n), KOKKOS_LAMBDA(std::size_t i) { a(i) = b(i) + c(i); }); break;
            default: Kokkos::parallel_for("triad", policy(0, n), KOKKOS_LAMBDA(std::size_t i) { a(i) = b(i) + s * c(i); });
            }
            Kokkos::fence();
            best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        const double bytes = static_cast<double>(n) * sizeof(double);
        std::printf("%-6s %12.2f %16.2f %10.2f\n", kernels[k].name, kernels[k].arrays * bytes / best * 1e-9,
                    (kernels[k].arrays + 1) * bytes / best * 1e-9, best * 1e3);
    }
    // Keep the results observable so no kernel is optimised away.
    double sum = 0.0;
    Kokkos::parallel_reduce("check", policy(0, n), KOKKOS_LAMBDA(std::size_t i, double& acc) { acc += a(i); }, sum);
    std::printf("checksum %.6g\n", sum / n);
    return 0;
}
