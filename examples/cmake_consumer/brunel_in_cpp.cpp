// A Brunel network built in C++ against an installed Synaptogen (no description file),
// simulated for 200 ms; its spikes are written as the SONATA file the CLI writes.
//   brunel_in_cpp [spikes.h5]
#include <cstdio>
#include <string>

#include <synaptogen/io/spike_file.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/simulation.hpp>

using namespace synaptogen;

int main(int argc, char** argv) {
    kokkos_session kokkos(2, "openmp");  // Kokkos lives as long as this object

    network_spec spec;
    spec.source_file = "brunel_in_cpp";
    spec.simulation.duration = 200.0;  // [ms]
    spec.simulation.seed = 12345;
    const neuron_id n_e = 2000, n_i = 500;
    spec.layout.add("E", n_e);
    spec.layout.add("I", n_i);
    for (int p = 0; p < 2; ++p) {
        population_model m;
        m.model = neuron_model_kind::iaf_psc_delta;
        m.parameters = default_parameters(m.model);
        m.parameters.tau_m = 20.0;
        m.parameters.C_m = 250.0;
        m.parameters.E_L = 0.0;
        m.parameters.V_th = 20.0;
        m.parameters.V_reset = 10.0;
        m.parameters.t_ref = 2.0;
        spec.models.push_back(m);
        spec.record_spikes.push_back(true);
    }
    const double J = 0.1, g = 5.0;  // [mV] PSP, relative inhibition
    for (std::size_t source : {0, 1})
        for (std::size_t target : {0, 1}) {
            projection_spec p;
            p.source = source;
            p.target = target;
            p.rule = connection_rule_kind::fixed_indegree;
            p.number = source == 0 ? n_e / 10 : n_i / 10;
            p.allow_autapses = source != target;
            p.weight = distribution::constant_value(source == 0 ? J : -g * J);
            p.delay = distribution::constant_value(1.5);
            spec.projections.push_back(p);
            spec.synapses.emplace_back();  // static
        }
    for (std::size_t target : {0, 1}) {
        stimulus_spec s;
        s.kind = stimulus_kind::poisson;
        s.population = target;
        s.rate = 20.0;  // [Hz] per source
        s.sources = 1000;  // C_E of the full-size network: external drive above threshold
        s.weight = J;
        spec.stimuli.push_back(s);
    }

    simulation sim(spec, build_static_synapses(spec));
    spike_file_writer out(argc > 1 ? argv[1] : "spikes.h5", spec.layout, spec.record_spikes, spec.simulation.dt);
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) { out.append(b.step, b.neuron); };
    sim.run(spec.simulation.steps(), obs);
    out.commit();
    std::printf("%u neurons, %llu synapses, %llu spikes in %.0f ms (%.1f Hz)\n", spec.layout.total(),
                static_cast<unsigned long long>(sim.info().synapses), static_cast<unsigned long long>(sim.spike_count()),
                spec.simulation.duration, sim.spike_count() / (spec.layout.total() * spec.simulation.duration * 1e-3));
    return sim.spike_count() > 0 ? 0 : 1;
}
