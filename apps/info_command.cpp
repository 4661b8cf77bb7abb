// `synaptogen info`: what this build can run on this node - the backends compiled in, the
// GPUs found (with their memory) and the host's threads. Starts no device.
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>

#include "commands.hpp"

namespace synaptogen::app {

int info_command(bool json) {
    std::string why_none;
    const auto devices = find_devices(&why_none);
    const auto compiled = available_backends();
    const auto usable = usable_backends();
    if (json) {
        nlohmann::json j;
        j["version"] = version_string();
        j["kokkos"] = kokkos_description();
        j["backends"] = {{"compiled", compiled}, {"usable", usable}};
        j["host"] = {{"threads", std::thread::hardware_concurrency()}, {"memory_available_bytes", available_memory_bytes()}};
        j["devices"] = nlohmann::json::array();
        for (const auto& d : devices)
            j["devices"].push_back({{"backend", d.backend}, {"id", d.id}, {"name", d.name},
                                    {"capability", std::to_string(d.major) + "." + std::to_string(d.minor)},
                                    {"memory_bytes", d.total_bytes},
                                    {"free_bytes", d.free_known ? nlohmann::json(d.free_bytes) : nlohmann::json()}});
        if (devices.empty()) j["no_devices"] = why_none;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    };
    std::printf("synaptogen %s, %s\n", version_string().c_str(), kokkos_description().c_str());
    std::printf("  backends   compiled in: %s; usable on this node: %s\n", join(compiled).c_str(), join(usable).c_str());
    std::printf("  host       %u threads, %s memory available\n", std::thread::hardware_concurrency(),
                human_bytes(static_cast<double>(available_memory_bytes())).c_str());
    if (devices.empty()) std::printf("  devices    none (%s)\n", why_none.c_str());
    for (const auto& d : devices)
        std::printf("  device %d   %s %s, capability %d.%d, %s memory%s%s\n", d.id, d.backend.c_str(), d.name.c_str(),
                    d.major, d.minor, human_bytes(static_cast<double>(d.total_bytes)).c_str(),
                    d.free_known ? (", " + human_bytes(static_cast<double>(d.free_bytes)) + " free").c_str() : "",
                    d.id == chosen_device(static_cast<int>(devices.size())) ? " (runs use this one)" : "");
    return 0;
}

}  // namespace synaptogen::app
