// synaptogen._synaptogen: the C++ side of the Python module (python/synaptogen/__init__.py
// is the face users see). Networks are the runtime's network_spec; runs return NumPy
// arrays that own the vectors the engine filled (no copy).
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/global_control.h>

#include <synaptogen/evolution/evolution_run.hpp>
#include <synaptogen/graph/connectome_edit.hpp>
#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/checkpoint_file.hpp>
#include <synaptogen/io/connectome.hpp>
#include <synaptogen/io/evolution_checkpoint.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/io/spike_file.hpp>
#include <synaptogen/io/trace_file.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/language_model.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>
#include <synaptogen/runtime/simulation.hpp>

namespace py = pybind11;
using namespace synaptogen;

namespace {

// A vector handed to NumPy: the array owns it through a capsule.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
    auto* owned = new std::vector<T>(std::move(v));
    py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>({owned->size()}, {sizeof(T)}, owned->data(), free_when_done);
}

// Kokkos starts once per process, with the first run's threads, and stops at exit.
std::unique_ptr<kokkos_session> session;
int session_threads = 0;
int live_models = 0;  // language models alive (they hold Kokkos memory between calls)

void start_kokkos(int threads, const std::string& backend) {
    if (session) {
        if (threads != session_threads)
            throw input_error({"synaptogen.run", 0, "threads"},
                              "Kokkos runs with " + std::to_string(session_threads) +
                                  " threads in this process (set by the first run); expected threads=" +
                                  std::to_string(session_threads) + " or None");
        return;
    }
    session = std::make_unique<kokkos_session>(threads, backend);
    session_threads = threads;
    // Kokkos stops at exit, unless an object that holds device memory is still alive then
    // (Kokkos would abort when it is collected later); the process ends either way.
    py::module_::import("atexit").attr("register")(py::cpp_function([] {
        py::module_::import("gc").attr("collect")();
        if (live_models == 0) session.reset();
        else (void)session.release();  // never finalised: the OS takes the memory back
    }));
}

// Python's side of a long call made without the GIL: callbacks into Python and checks for
// Ctrl-C take the GIL back; an exception raised there is kept (restored) and stops the call,
// which raises it on return. Python's error state is never read without the GIL.
struct python_interrupts {
    bool raised = false;
    // Calls f() with the GIL held, unless something was raised already.
    template <class F>
    void call(const F& f) {
        if (raised) return;
        py::gil_scoped_acquire hold;
        try {
            f();
        } catch (py::error_already_set& e) {
            e.restore();
            raised = true;
        }
    }
    bool should_stop() {
        if (raised) return true;
        py::gil_scoped_acquire hold;
        raised = PyErr_CheckSignals() != 0;
        return raised;
    }
};

struct run_result {
    double dt = 0.1;
    std::uint64_t steps = 0;
    std::vector<step_t> spike_steps;
    std::vector<neuron_id> spike_neurons;
    std::vector<std::vector<double>> trace_values;  // per record, rows x columns
    std::vector<std::size_t> trace_columns;
    std::uint64_t spike_count = 0, synapses = 0, events = 0;
    std::string backend;
    double simulate_seconds = 0.0;
};

run_result run_network(network_spec spec, std::optional<double> duration, std::optional<int> threads,
                       std::optional<std::string> backend, std::optional<std::uint64_t> seed,
                       std::optional<std::string> out_dir, std::optional<py::function> progress) {
    if (duration) spec.simulation.duration = *duration;
    if (seed) spec.simulation.seed = *seed;
    if (backend) spec.simulation.backend = *backend;
    const int n_threads = threads.value_or(spec.simulation.thread_count());
    if (n_threads < 1) throw input_error({"synaptogen.run", 0, "threads"}, "expected at least 1 thread");
    check_neuron_parameters(spec);
    start_kokkos(n_threads, spec.simulation.backend);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, n_threads);

    run_result out;
    out.dt = spec.simulation.dt;
    out.steps = spec.simulation.steps();
    out.trace_values.resize(spec.traces.size());
    for (const auto& t : spec.traces) out.trace_columns.push_back(t.neurons.size() + t.synapses.size());
    {
        py::gil_scoped_release free_python;  // construction and the step loop need no Python
        run_options ro;
        ro.backend = spec.simulation.backend;
        simulation sim(spec, build_static_synapses(spec), ro);
        // The CLI's files in `out`: spikes.h5 and a report per trace record (SONATA), written
        // as *.part and renamed when the run completes.
        std::unique_ptr<spike_file_writer> file;
        std::vector<std::unique_ptr<trace_file_writer>> reports;
        if (out_dir) {
            std::filesystem::create_directories(*out_dir);
            const std::filesystem::path dir = *out_dir;
            if (std::find(spec.record_spikes.begin(), spec.record_spikes.end(), true) != spec.record_spikes.end())
                file = std::make_unique<spike_file_writer>((dir / "spikes.h5").string(), spec.layout, spec.record_spikes,
                                                           spec.simulation.dt);
            for (std::size_t k = 0; k < spec.traces.size(); ++k)
                reports.push_back(open_trace_report(spec, k, (dir / (spec.traces[k].name + ".h5")).string()));
        }
        run_observer obs;
        obs.on_spikes = [&](spike_batch&& b) {
            if (file) file->append(b.step, b.neuron);
            out.spike_steps.insert(out.spike_steps.end(), b.step.begin(), b.step.end());
            out.spike_neurons.insert(out.spike_neurons.end(), b.neuron.begin(), b.neuron.end());
        };
        python_interrupts python;
        if (progress)
            obs.on_progress = [&](const run_progress& p) { python.call([&] { (*progress)(p.step, p.total, p.wall_seconds); }); };
        obs.on_traces = [&](trace_batch&& b) {
            if (!reports.empty()) reports[b.record]->append(b.values);
            auto& v = out.trace_values[b.record];
            v.insert(v.end(), b.values.begin(), b.values.end());
        };
        obs.should_stop = [&] { return python.should_stop(); };  // Ctrl-C, or a callback raised
        const auto t0 = std::chrono::steady_clock::now();
        sim.run(out.steps, obs);
        if (!python.raised && sim.current_step() == out.steps) {
            if (file) file->commit();
            for (auto& r : reports) r->commit();
        }
        out.simulate_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        out.spike_count = sim.spike_count();
        out.synapses = sim.info().synapses;
        out.events = sim.delivered_events();
        out.backend = sim.info().backend;
    }
    if (PyErr_Occurred()) throw py::error_already_set();
    return out;
}

// Replaces projection k's rule by explicit edges (local ids) with optional weights and delays.
void set_edges(network_spec& spec, std::size_t k, py::array_t<std::int64_t, py::array::forcecast> sources,
               py::array_t<std::int64_t, py::array::forcecast> targets, std::optional<py::array_t<double, py::array::forcecast>> weights,
               std::optional<py::array_t<double, py::array::forcecast>> delays) {
    const source_location where{"set_edges", 0, "projection[" + std::to_string(k) + "]"};
    if (k >= spec.projections.size())
        throw input_error(where, "the network has " + std::to_string(spec.projections.size()) + " projections");
    projection_spec& p = spec.projections[k];
    const auto s = sources.unchecked<1>(), t = targets.unchecked<1>();
    const py::ssize_t n = s.shape(0);
    if (t.shape(0) != n) throw input_error(where, "expected as many targets as sources");
    if (weights && weights->size() != n) throw input_error(where, "expected one weight per edge");
    if (delays && delays->size() != n) throw input_error(where, "expected one delay per edge");
    const neuron_id ns = spec.layout[p.source].size, nt = spec.layout[p.target].size;
    std::vector<explicit_edge> edges(static_cast<std::size_t>(n));
    const double* w = weights ? weights->data() : nullptr;
    const double* d = delays ? delays->data() : nullptr;
    for (py::ssize_t i = 0; i < n; ++i) {
        if (s(i) < 0 || s(i) >= ns || t(i) < 0 || t(i) >= nt)
            throw input_error(where, "edge " + std::to_string(i) + " (" + std::to_string(s(i)) + ", " + std::to_string(t(i)) +
                                         ") is outside the populations (" + std::to_string(ns) + " sources, " +
                                         std::to_string(nt) + " targets)");
        if (d && !(d[i] > 0.0)) throw input_error(where, "edge " + std::to_string(i) + ": expected a delay > 0 ms");
        edges[i] = {static_cast<neuron_id>(s(i)), static_cast<neuron_id>(t(i)), w ? w[i] : 0.0, d ? d[i] : 0.0};
    }
    p.rule = connection_rule_kind::explicit_edges;
    p.edges = std::move(edges);
    p.edges_have_weights = w != nullptr;
    p.edges_have_delays = d != nullptr;
}

// Projection k's synapses as generated (any synapse model): ids within the populations,
// weights, delays in ms; ordered by source, then generation order.
py::dict projection_edges(const network_spec& spec, std::size_t k) {
    if (k >= spec.projections.size())
        throw input_error({"edges_of", 0, "projection"},
                          "the network has " + std::to_string(spec.projections.size()) + " projections");
    std::vector<bool> only(spec.projections.size(), false);
    only[k] = true;
    synapse_table t;
    {
        py::gil_scoped_release free_python;
        t = build_synapses(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt, only);
    }
    const projection_spec& p = spec.projections[k];
    const neuron_id s0 = spec.layout[p.source].first, t0 = spec.layout[p.target].first;
    std::vector<neuron_id> source, target;
    std::vector<double> delay;
    source.reserve(t.size());
    target.reserve(t.size());
    delay.reserve(t.size());
    for (neuron_id i = 0; i < t.n_neurons; ++i)
        for (edge_index e = t.row_map[i]; e < t.row_map[i + 1]; ++e) {
            source.push_back(i - s0);
            target.push_back(t.target[e] - t0);
            delay.push_back(t.delay[e] * spec.simulation.dt);
        }
    return py::dict(py::arg("source") = to_numpy(std::move(source)), py::arg("target") = to_numpy(std::move(target)),
                    py::arg("weight") = to_numpy(std::move(t.weight)), py::arg("delay") = to_numpy(std::move(delay)));
}

// A genome for Python: per projection, its edges as arrays (ids within the populations).
py::list genome_arrays(const connectome& c) {
    py::list out;
    for (const edge_set& e : c.projections) {
        std::vector<neuron_id> source;
        source.reserve(e.size());
        for (neuron_id s = 0; s < e.n_sources; ++s)
            for (edge_index k = e.row_map[s]; k < e.row_map[s + 1]; ++k) source.push_back(s);
        out.append(py::dict(py::arg("source") = to_numpy(std::move(source)),
                            py::arg("target") = to_numpy(std::vector<neuron_id>(e.target)),
                            py::arg("weight") = to_numpy(std::vector<float>(e.weight))));
    }
    return out;
}

// A fitness written in Python: f(genome) -> float, lower is better. Called with the GIL held,
// one evaluation at a time (docs/python.md gives the cost per call).
class python_fitness final : public fitness_evaluator {
public:
    explicit python_fitness(py::function f) : f_(std::move(f)) {}
    std::string describe() const override { return "a Python function"; }
    evaluation evaluate(const connectome& genome, bool) override {
        py::gil_scoped_acquire hold;
        evaluation e;
        e.fitness = f_(genome_arrays(genome)).cast<double>();
        return e;
    }

private:
    py::function f_;
};

py::dict evolve(const network_spec& spec, std::optional<std::uint32_t> generations, std::optional<std::uint64_t> seed,
                std::optional<py::function> fitness, std::optional<std::string> checkpoint, bool resume,
                std::optional<py::function> on_generation, std::optional<int> threads) {
    if (!spec.evolution)
        throw input_error({spec.source_file, 0, "evolution"}, "no [evolution] table: nothing to evolve (docs/evolution.md)");
    evolution_spec ev = *spec.evolution;
    if (generations) ev.generations = *generations;
    if (seed) ev.seed = *seed;
    const int n_threads = threads.value_or(spec.simulation.thread_count());
    start_kokkos(n_threads, spec.simulation.backend);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, n_threads);
    std::unique_ptr<fitness_evaluator> evaluator =
        fitness ? std::make_unique<python_fitness>(*fitness) : make_fitness_evaluator(spec, {spec.simulation.backend});

    evolution_checkpoint ckpt;
    ckpt.config_file = spec.source_file;
    ckpt.config_hash = description_hash(spec.source_text);
    ckpt.seed = ev.seed;
    ckpt.fitness = evaluator->describe();
    evolution_state state;
    if (resume && checkpoint && std::ifstream(*checkpoint).good()) {
        const evolution_checkpoint c = read_evolution_checkpoint(*checkpoint);
        if (c.config_hash != ckpt.config_hash || c.seed != ev.seed)
            throw input_error({*checkpoint, 0, "resume"}, "this evolution was started from another description or seed; "
                                                          "expected a checkpoint of this network and seed");
        state = c.state;
    } else {
        auto [genome, written] = seed_genome(spec);
        state = initial_state(ev, genome, written);
    }
    evolution_observer obs;
    python_interrupts python;
    obs.on_generation = [&](const evolution_state& s) {
        ckpt.state = s;
        if (checkpoint) write_evolution_checkpoint(*checkpoint, ckpt);
        if (!on_generation) return;
        const individual& best = best_individual(s);
        python.call([&] {
            (*on_generation)(py::dict(py::arg("generation") = s.generation, py::arg("best") = best.fitness,
                                      py::arg("best_id") = best.id, py::arg("best_edges") = best.genome.size()));
        });
    };
    obs.should_stop = [&] { return python.should_stop(); };
    {
        py::gil_scoped_release free_python;  // a Python fitness takes the GIL back per evaluation
        run_evolution(ev, state, *evaluator, obs);
    }
    if (PyErr_Occurred()) throw py::error_already_set();
    const individual& best = best_individual(state);
    std::vector<std::uint64_t> id, born;
    std::vector<std::int64_t> parent_a, parent_b;
    std::vector<double> fit;
    for (const lineage_entry& l : state.lineage) {
        id.push_back(l.id);
        born.push_back(l.born);
        parent_a.push_back(l.parent_a);
        parent_b.push_back(l.parent_b);
        fit.push_back(l.fitness);
    }
    return py::dict(py::arg("generation") = state.generation, py::arg("fitness") = evaluator->describe(),
                    py::arg("best") = py::dict(py::arg("id") = best.id, py::arg("fitness") = best.fitness,
                                               py::arg("operators") = best.operators, py::arg("genome") = genome_arrays(best.genome)),
                    py::arg("lineage") = py::dict(py::arg("id") = to_numpy(std::move(id)), py::arg("born") = to_numpy(std::move(born)),
                                                  py::arg("parent_a") = to_numpy(std::move(parent_a)),
                                                  py::arg("parent_b") = to_numpy(std::move(parent_b)),
                                                  py::arg("fitness") = to_numpy(std::move(fit))));
}

// A network with an [lm] table as a trainable language model (docs/language.md): the graph
// its rules draw (a null applied), the [lm.training] corpora read once.
class python_language_model {
public:
    python_language_model(const network_spec& spec, std::optional<int> threads) : spec_(spec) {
        if (!spec_.language)
            throw input_error({spec_.source_file, 0, "lm"}, "no [lm] table: the network is not a language model (docs/language.md)");
        const lm_spec& lm = *spec_.language;
        start_kokkos(threads.value_or(spec_.simulation.thread_count()), spec_.simulation.backend);
        corpora_ = read_training_corpora(lm);
        py::gil_scoped_release free_python;
        model_ = std::make_unique<language_model>(spec_, lm, seed_genome(spec_).first, lm_options{spec_.simulation.backend});
        ++live_models;
    }
    ~python_language_model() { --live_models; }
    python_language_model(const python_language_model&) = delete;
    python_language_model& operator=(const python_language_model&) = delete;
    // Up to `steps` more optimiser steps (default: to the end of the token budget); the
    // training losses in bits per byte. Ctrl-C stops between steps and raises.
    py::array_t<double> train(std::optional<std::uint64_t> steps) {
        const std::uint64_t end = std::min(model_->total_steps(), model_->step() + steps.value_or(model_->total_steps()));
        std::vector<double> losses;
        python_interrupts python;
        {
            py::gil_scoped_release free_python;
            // Ctrl-C is looked for every 16 steps.
            while (model_->step() < end && !(!losses.empty() && losses.size() % 16 == 0 && python.should_stop()))
                losses.push_back(model_->train_step(corpora_.train));
        }
        if (python.raised) throw py::error_already_set();
        return to_numpy(std::move(losses));
    }
    double evaluate(std::optional<py::bytes> text, std::optional<std::uint64_t> bytes) {
        std::vector<std::uint8_t> own;
        if (text) {
            const std::string t = *text;
            own.assign(t.begin(), t.end());
        }
        const std::uint64_t n = bytes.value_or(text ? 0 : spec_.language->training.eval_bytes);
        py::gil_scoped_release free_python;
        return model_->evaluate(text ? own : corpora_.validation, n);
    }
    py::bytes generate(const std::string& prompt, std::uint64_t n, double temperature, std::uint64_t seed) {
        std::string out;
        {
            py::gil_scoped_release free_python;
            out = model_->generate(prompt, n, temperature, seed);
        }
        return py::bytes(out);
    }
    const language_model& model() const { return *model_; }

private:
    network_spec spec_;
    training_corpora corpora_;
    std::unique_ptr<language_model> model_;
};

py::dict describe(const network_spec& spec) {
    py::dict d;
    py::list pops;
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        pops.append(py::dict(py::arg("name") = spec.layout[p].name, py::arg("size") = spec.layout[p].size,
                             py::arg("first") = spec.layout[p].first, py::arg("model") = to_string(spec.models[p].model)));
    py::list projs;
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        const projection_spec& p = spec.projections[k];
        projs.append(py::dict(py::arg("source") = spec.layout[p.source].name, py::arg("target") = spec.layout[p.target].name,
                              py::arg("rule") = to_string(p.rule), py::arg("synapse") = to_string(projection_kind(spec, k)),
                              py::arg("expected_synapses") = expected_synapses(spec.layout, p)));
    }
    py::list traces;
    for (const auto& t : spec.traces)
        traces.append(py::dict(py::arg("name") = t.name, py::arg("variable") = t.variable, py::arg("every") = t.every,
                               py::arg("population") = spec.layout[t.population].name, py::arg("neurons") = t.neurons));
    d["traces"] = traces;
    d["file"] = spec.source_file;
    d["neurons"] = spec.layout.total();
    d["populations"] = pops;
    d["projections"] = projs;
    d["dt"] = spec.simulation.dt;
    d["duration"] = spec.simulation.duration;
    d["seed"] = spec.simulation.seed;
    return d;
}

}  // namespace

PYBIND11_MODULE(_synaptogen, m) {
    m.doc() = "Synaptogen's C++ engine; use the synaptogen package, not this module.";

    // input_error -> synaptogen.InputError (a ValueError) with .file, .line, .field, .problem.
    static py::exception<input_error> input_error_type(m, "InputError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const input_error& e) {
            py::object err = py::reinterpret_borrow<py::object>(input_error_type.ptr())(e.what());
            err.attr("file") = e.where().file;
            err.attr("line") = e.where().line;
            err.attr("field") = e.where().field;
            err.attr("problem") = e.problem();
            PyErr_SetObject(input_error_type.ptr(), err.ptr());
        } catch (const internal_error& e) {
            PyErr_SetString(PyExc_RuntimeError, (std::string("internal error (please report): ") + e.what()).c_str());
        }
    });

    py::class_<network_spec>(m, "NetworkSpec")
        .def("describe", &describe)
        .def("set_edges", &set_edges, py::arg("projection"), py::arg("sources"), py::arg("targets"),
             py::arg("weights") = py::none(), py::arg("delays") = py::none())
        .def("edges_of", &projection_edges, py::arg("projection"))
        .def("copy", [](const network_spec& s) { return network_spec(s); })
        .def_property_readonly("source_text", [](const network_spec& s) { return s.source_text; });

    m.def("load", [](const std::string& path, std::optional<double> scale) { return load_network_file(path, scale); },
          py::arg("path"), py::arg("scale") = py::none());
    m.def("parse", [](const std::string& text, const std::string& name, std::optional<double> scale) {
        return parse_network(text, name, scale);
    }, py::arg("text"), py::arg("name") = "<python>", py::arg("scale") = py::none());
    m.def("estimate", [](const network_spec& spec) {
        const memory_estimate e = estimate_memory(spec);
        return py::dict(py::arg("synapses") = e.synapses, py::arg("runtime_bytes") = e.runtime_bytes,
                        py::arg("construction_bytes") = e.construction_bytes);
    });
    m.def("count_synapses", [](const network_spec& spec) {
        py::gil_scoped_release free_python;
        check_neuron_parameters(spec);
        return static_cast<std::uint64_t>(build_static_synapses(spec).size());
    });

    py::class_<run_result>(m, "RunResult")
        .def_readonly("dt", &run_result::dt)
        .def_readonly("steps", &run_result::steps)
        .def_readonly("spike_count", &run_result::spike_count)
        .def_readonly("synapses", &run_result::synapses)
        .def_readonly("synaptic_events", &run_result::events)
        .def_readonly("backend", &run_result::backend)
        .def_readonly("simulate_seconds", &run_result::simulate_seconds)
        // Taken once: the arrays then own the engine's vectors.
        .def("take_spikes", [](run_result& r) {
            return py::make_tuple(to_numpy(std::move(r.spike_steps)), to_numpy(std::move(r.spike_neurons)));
        })
        .def("take_trace", [](run_result& r, std::size_t k) {
            py::array_t<double> a = to_numpy(std::move(r.trace_values.at(k)));
            const std::size_t cols = std::max<std::size_t>(1, r.trace_columns.at(k));
            return a.reshape({static_cast<py::ssize_t>(a.size() / cols), static_cast<py::ssize_t>(cols)});
        });

    m.def("run", &run_network, py::arg("spec"), py::arg("duration") = py::none(), py::arg("threads") = py::none(),
          py::arg("backend") = py::none(), py::arg("seed") = py::none(), py::arg("out") = py::none(),
          py::arg("progress") = py::none());
    m.def("evolve", &evolve, py::arg("spec"), py::arg("generations") = py::none(), py::arg("seed") = py::none(),
          py::arg("fitness") = py::none(), py::arg("checkpoint") = py::none(), py::arg("resume") = false,
          py::arg("on_generation") = py::none(), py::arg("threads") = py::none());
    py::class_<python_language_model>(m, "LanguageModel")
        .def(py::init<const network_spec&, std::optional<int>>(), py::arg("spec"), py::arg("threads") = py::none())
        .def("train", &python_language_model::train, py::arg("steps") = py::none())
        .def("evaluate", &python_language_model::evaluate, py::arg("text") = py::none(), py::arg("bytes") = py::none())
        .def("generate", &python_language_model::generate, py::arg("prompt"), py::arg("n") = 200,
             py::arg("temperature") = 0.0, py::arg("seed") = 1)
        .def_property_readonly("step", [](const python_language_model& l) { return l.model().step(); })
        .def_property_readonly("total_steps", [](const python_language_model& l) { return l.model().total_steps(); })
        .def_property_readonly("tokens_per_step", [](const python_language_model& l) { return l.model().tokens_per_step(); })
        .def_property_readonly("parameter_count", [](const python_language_model& l) { return l.model().parameter_count(); })
        .def_property_readonly("weight_count", [](const python_language_model& l) { return l.model().weight_count(); })
        .def_property_readonly("backend", [](const python_language_model& l) { return l.model().backend(); })
        .def("graph", [](const python_language_model& l) { return genome_arrays(l.model().trained_graph()); });
    // Genomes: the editable connectome evolution works on, and its operators.
    py::class_<connectome>(m, "Genome")
        .def_property_readonly("size", [](const connectome& c) { return c.size(); })
        .def("__len__", [](const connectome& c) { return c.projections.size(); })
        .def("arrays", &genome_arrays)
        .def("copy", [](const connectome& c) { return connectome(c); })
        .def("mutate", [](connectome& c, double add, double remove, double rewire_target, double rewire_source, double flip,
                          double perturb, double perturb_sigma, std::uint64_t seed, std::uint32_t stream) {
            mutation_spec ms;
            ms.add = add;
            ms.remove = remove;
            ms.rewire_target = rewire_target;
            ms.rewire_source = rewire_source;
            ms.flip = flip;
            ms.perturb = perturb;
            ms.perturb_sigma = perturb_sigma;
            counter_rng rng(seed, stream_purpose::evolution, stream, 0);
            std::string log;
            mutate(ms, c, rng, log);
            return log;
        }, py::arg("add") = 0.0, py::arg("remove") = 0.0, py::arg("rewire_target") = 0.0, py::arg("rewire_source") = 0.0,
           py::arg("flip") = 0.0, py::arg("perturb") = 0.0, py::arg("perturb_sigma") = 0.1, py::arg("seed") = 1,
           py::arg("stream") = 0)
        .def("prune", [](connectome& c, double fraction, const std::string& scope) {
            if (!(fraction >= 0.0 && fraction <= 1.0))
                throw input_error({"Genome.prune", 0, "fraction"}, "expected a fraction in [0, 1]");
            if (scope != "projection" && scope != "global")
                throw input_error({"Genome.prune", 0, "scope"}, "expected \"projection\" or \"global\"");
            const auto removed = prune_smallest(c, fraction, scope == "global" ? prune_scope::global : prune_scope::projection);
            edge_index n = 0;
            for (auto r : removed) n += r;
            return n;
        }, py::arg("fraction"), py::arg("scope") = "projection")
        .def("reset_to_sign", &reset_to_sign, py::arg("magnitude"));
    m.def("crossover", [](const connectome& a, const connectome& b, std::uint64_t seed, std::uint32_t stream) {
        if (a.projections.size() != b.projections.size())
            throw input_error({"crossover", 0, "b"}, "expected genomes over the same projections");
        for (std::size_t k = 0; k < a.projections.size(); ++k)
            if (a.projections[k].n_sources != b.projections[k].n_sources || a.projections[k].n_targets != b.projections[k].n_targets)
                throw input_error({"crossover", 0, "b"}, "expected genomes over the same neurons (projection " + std::to_string(k) + ")");
        counter_rng rng(seed, stream_purpose::evolution, stream, 1);
        return crossover(a, b, rng);
    }, py::arg("a"), py::arg("b"), py::arg("seed") = 1, py::arg("stream") = 0);
    m.def("seed_genome", [](const network_spec& spec) { return seed_genome(spec).first; });
    m.def("with_genome", [](const network_spec& spec, const connectome& c) {
        if (c.projections.size() != spec.projections.size())
            throw input_error({"with_genome", 0, "genome"}, "expected a genome of this network's " +
                                                                std::to_string(spec.projections.size()) + " projections");
        return with_connectome(spec, c);
    });
    // C. elegans tables (docs/connectomes.md) as `synaptogen import celegans` reads them: the
    // description it would write, and the cell names per population.
    m.def("import_celegans", [](const std::vector<std::string>& tables, const std::vector<std::string>& chemical,
                                const std::vector<std::string>& electrical, std::optional<std::string> cells_file,
                                const std::string& model, double weight_scale, double gap_weight_scale, double delay,
                                const std::string& gap_junctions) {
        std::string sources;
        const edge_list g = read_celegans_tables(tables, chemical, electrical, sources);
        if (gap_junctions != "listed" && gap_junctions != "average" && gap_junctions != "max")
            throw input_error({"import_celegans", 0, "gap_junctions"}, "expected listed, average or max");
        arrangement_options a;
        cell_metadata cells;
        if (cells_file) {
            cells = read_cell_metadata(*cells_file);
            a.metadata = &cells;
        }
        a.classify = true;
        a.model = model;
        a.weight_scale = weight_scale;
        a.gap_weight_scale = gap_weight_scale;
        a.delay = delay;
        a.gap_junctions = gap_junctions;
        const arranged_network net = arrange_network(g, a);
        const std::string text = network_toml(net, a, "Imported by synaptogen.import_celegans (Python) from " + sources + ".");
        return py::make_tuple(text, net.populations, net.cells);
    }, py::arg("tables"), py::arg("chemical"), py::arg("electrical"), py::arg("cells"), py::arg("model"),
       py::arg("weight_scale"), py::arg("gap_weight_scale"), py::arg("delay"), py::arg("gap_junctions"));
    m.def("backends", &usable_backends, "Backends this build can run on this machine.");
}
