// The GPU half of the determinism contract (ctest label `gpu`): a CUDA or HIP run ends with
// the spikes and the state of a Serial run, bit for bit. Skips where the build has no GPU
// backend or the node no GPU; docs/gpu.md says how to run it on one.
#include <algorithm>
#include <stdexcept>

#include <gtest/gtest.h>

#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>

#include "runtime/backend_identity.hpp"

using namespace synaptogen;

namespace {

// The GPU backend to test, or "" (and why) when there is none.
std::string gpu_backend(std::string& why) {
    for (const auto& b : available_backends())
        if (is_device_backend(b)) {
            if (find_devices(&why).empty()) return "";
            return b;
        }
    why = "this build has no GPU backend (docs/gpu.md: scripts/build-gpu cuda|hip)";
    return "";
}

}  // namespace

class gpu_identity : public ::testing::TestWithParam<synaptogen::testing::identity_case> {};

TEST_P(gpu_identity, device_run_matches_serial_bit_for_bit) {
    std::string why;
    const std::string gpu = gpu_backend(why);
    if (gpu.empty()) GTEST_SKIP() << why;
    const auto& c = GetParam();
    const network_spec spec = synaptogen::testing::example_spec(c.example, c.duration_ms,
                                                                c.scale > 0 ? std::optional<double>(c.scale) : std::nullopt);
    synaptogen::testing::expect_identical_runs(spec, {"serial", delivery_kind::automatic},
                                               {gpu, delivery_kind::automatic}, c.min_spikes);
}

INSTANTIATE_TEST_SUITE_P(examples, gpu_identity, ::testing::ValuesIn(synaptogen::testing::identity_cases),
                         synaptogen::testing::identity_case_name);

TEST(gpu, brunel_2000_matches_every_host_strategy) {
    std::string why;
    const std::string gpu = gpu_backend(why);
    if (gpu.empty()) GTEST_SKIP() << why;
    for (const char* model : {"iaf_psc_delta", "iaf_psc_exp"}) {
        const network_spec spec =
            parse_network(synaptogen::testing::small_brunel(2000, 200.0, 11, model), "small_brunel.toml");
        synaptogen::testing::expect_identical_runs(spec, {"openmp", delivery_kind::partitioned},
                                                   {gpu, delivery_kind::automatic}, 1000);
    }
}

// Runs everywhere: a GPU backend this build lacks, or whose device this node lacks, is one
// clear error naming what can run here; a present one is accepted.
TEST(gpu, missing_backend_or_device_is_one_clear_error) {
    const auto compiled = available_backends();
    for (const std::string b : {"cuda", "hip"}) {
        const bool built = std::find(compiled.begin(), compiled.end(), b) != compiled.end();
        std::string message;
        try {
            require_backend(b);
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        if (!built) {
            EXPECT_EQ(message.rfind("this build has no '" + b + "' backend; expected one of those compiled in: ", 0), 0u)
                << message;
        } else if (find_devices().empty()) {
            EXPECT_NE(message.find("this node has no"), std::string::npos) << message;
            EXPECT_NE(message.find("backends available here: "), std::string::npos) << message;
        } else {
            EXPECT_EQ(message, "");
        }
    }
    EXPECT_NO_THROW(require_backend("serial"));
}

// Runs everywhere: a network larger than the device's free memory is refused before
// anything is allocated, with the projection that dominates and the device named.
TEST(gpu, a_network_that_does_not_fit_the_device_is_refused_up_front) {
    const network_spec spec = parse_network(synaptogen::testing::small_brunel(2000, 10.0, 1), "small_brunel.toml");
    const memory_estimate estimate = estimate_memory(spec);
    // small_brunel: delays up to 2.0 ms = 20 steps -> a ring of 32 slots, 16 B each per
    // neuron; a spike batch of 256 steps of 2,000 ids, 4 B each
    EXPECT_DOUBLE_EQ(estimate.device_bytes - estimate.runtime_bytes, 2000.0 * 32 * 16 + 4.0 * 256 * 2000);
    device_info device;
    device.backend = "cuda";
    device.name = "Test GPU";
    device.total_bytes = 80ull << 30;
    device.free_bytes = static_cast<std::uint64_t>(estimate.device_bytes) + 1;
    EXPECT_NO_THROW(check_device_memory(spec, estimate, device));
    device.free_bytes = static_cast<std::uint64_t>(estimate.device_bytes * 0.5);
    try {
        check_device_memory(spec, estimate, device);
        FAIL() << "expected the network to be refused";
    } catch (const input_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("small_brunel.toml:"), std::string::npos) << m;  // a projection's line
        EXPECT_NE(m.find("on the device"), std::string::npos) << m;
        EXPECT_NE(m.find("cuda device 0 (Test GPU)"), std::string::npos) << m;
    }
}
