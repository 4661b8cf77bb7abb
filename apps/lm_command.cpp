// synaptogen lm train | eval | generate (docs/language.md).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/io/checkpoint_file.hpp>
#include <synaptogen/io/lm_checkpoint.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/language_model.hpp>

#include "commands.hpp"

namespace synaptogen::app {

namespace {

lm_checkpoint make_checkpoint(const network_spec& spec, const language_model& model) {
    lm_checkpoint c;
    c.config_file = std::filesystem::absolute(spec.source_file).string();
    c.config_hash = description_hash(spec.source_text);
    c.seed = spec.simulation.seed;
    c.graph = model.trained_graph();
    c.state = model.state();
    return c;
}

// A trained model from its checkpoint: the description's roles, the checkpoint's edges.
struct loaded_model {
    network_spec spec;
    std::unique_ptr<language_model> model;
};

loaded_model load_checkpoint_model(const std::string& path, const common_options& o) {
    const lm_checkpoint c = read_lm_checkpoint(path);
    loaded_model m;
    m.spec = lm_checkpoint_description(c, path);
    if (o.backend) m.spec.simulation.backend = *o.backend;
    m.spec.simulation.seed = c.seed;
    m.model = std::make_unique<language_model>(m.spec, *m.spec.language, c.graph);
    m.model->restore(c.state);
    return m;
}

}  // namespace

int lm_train_command(const lm_train_options& o) {
    network_spec spec = load_with_overrides(o);
    if (!spec.language)
        throw input_error({spec.source_file, 0, "lm"}, "no [lm] table: this is not a language model (docs/language.md)");
    lm_spec lm = *spec.language;
    if (o.tokens) lm.training.tokens = *o.tokens;
    if (o.eval_every) lm.training.eval_every = *o.eval_every;
    if (o.eval_bytes) lm.training.eval_bytes = *o.eval_bytes;
    const int threads = spec.simulation.thread_count();
    kokkos_session kokkos(threads, spec.simulation.backend);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, threads);

    const training_corpora corpora = read_training_corpora(lm);
    const std::vector<std::uint8_t>& train = corpora.train;
    const std::vector<std::uint8_t>& valid = corpora.validation;

    // A fresh graph from the description's rules, or the checkpoint's own edges (pruned or
    // rewired ones included) with every parameter and the data position.
    std::unique_ptr<language_model> model;
    if (o.resume.empty()) {
        connectome graph = build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
        if (const std::uint64_t swaps = apply_language_null(spec, lm, graph))
            std::printf("null        degree-preserving: %llu double-edge swaps over the connectome's projections\n",
                        static_cast<unsigned long long>(swaps));
        model = std::make_unique<language_model>(spec, lm, std::move(graph));
    } else {
        const lm_checkpoint c = read_lm_checkpoint(o.resume);
        if (c.config_hash != description_hash(spec.source_text) || c.seed != spec.simulation.seed)
            throw input_error({o.resume, 0, "--resume"},
                              "this checkpoint was trained from another description or seed (" + c.config_file +
                                  ", seed " + std::to_string(c.seed) + "); expected one written by synaptogen lm train " +
                                  spec.source_file + " with seed " + std::to_string(spec.simulation.seed));
        model = std::make_unique<language_model>(spec, lm, c.graph);
        model->restore(c.state);
        std::printf("resumed     %s at step %llu (%llu tokens)\n", o.resume.c_str(),
                    static_cast<unsigned long long>(c.state.step), static_cast<unsigned long long>(c.state.tokens));
    }
    language_model* m = model.get();
    const std::filesystem::path out = o.out_dir;
    std::filesystem::create_directories(out);
    const std::string ckpt_path = o.checkpoint_file.empty() ? (out / "checkpoint.h5").string() : o.checkpoint_file;
    nlohmann::json curve = nlohmann::json::array();
    double train_seconds = 0.0;

    const std::uint64_t total = m->total_steps(), per_step = m->tokens_per_step();
    std::printf("Synaptogen %s language model: %s\n", version_string().c_str(), spec.source_file.c_str());
    std::printf("  graph       %llu edges, %llu biases (%llu parameters), %s encoding%s\n",
                static_cast<unsigned long long>(m->weight_count()),
                static_cast<unsigned long long>(m->parameter_count() - m->weight_count()),
                static_cast<unsigned long long>(m->parameter_count()),
                lm.encoding == token_encoding::window ? "window" : "stream",
                lm.encoding == token_encoding::window ? (", context " + std::to_string(lm.context)).c_str() : "");
    std::printf("  data        train %s (%zu bytes), held-out %s (%zu bytes%s)\n", lm.training.train_file.c_str(),
                train.size(), lm.training.validation_file.c_str(), valid.size(),
                lm.training.eval_bytes ? (", first " + std::to_string(lm.training.eval_bytes) + " evaluated").c_str() : "");
    std::printf("  training    %llu tokens in %llu steps of %llu, %d thread%s, %s backend\n",
                static_cast<unsigned long long>(total * per_step), static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(per_step), threads, threads == 1 ? "" : "s", m->backend().c_str());
    std::fflush(stdout);

    auto evaluate = [&](std::uint64_t tokens) {
        const auto t0 = std::chrono::steady_clock::now();
        const double bpb = m->evaluate(valid, lm.training.eval_bytes);
        curve.push_back({{"tokens", tokens}, {"bits_per_byte", bpb}, {"seconds", seconds_since(t0)}});
        return bpb;
    };
    const bool tty = isatty(fileno(stderr));
    double held_out = std::nan("");
    if (m->step() == 0) held_out = evaluate(0);
    double loss_ema = std::nan("");
    const std::uint64_t first_step = m->step();
    auto last_print = std::chrono::steady_clock::now();
    const std::uint64_t every_ckpt = o.checkpoint_every ? std::max<std::uint64_t>(1, o.checkpoint_every / per_step) : 0;
    const std::uint64_t every_eval = lm.training.eval_every ? std::max<std::uint64_t>(1, lm.training.eval_every / per_step) : 0;
    for (std::uint64_t s = first_step; s < total; ++s) {
        const auto t0 = std::chrono::steady_clock::now();
        const double loss = m->train_step(train);
        train_seconds += seconds_since(t0);
        loss_ema = std::isnan(loss_ema) ? loss : 0.98 * loss_ema + 0.02 * loss;
        const bool last = s + 1 == total;
        if (every_eval && (s + 1) % every_eval == 0 && !last) held_out = evaluate((s + 1) * per_step);
        if (every_ckpt && (s + 1) % every_ckpt == 0 && !last) write_lm_checkpoint(ckpt_path, make_checkpoint(spec, *m));
        // A line a second on a terminal (rewritten in place), every 10 s into a log.
        if (o.progress && (seconds_since(last_print) > (tty ? 1.0 : 10.0) || last)) {
            last_print = std::chrono::steady_clock::now();
            const double rate = double((s + 1 - first_step) * per_step) / std::max(train_seconds, 1e-9);
            const double eta = double((total - s - 1) * per_step) / std::max(rate, 1e-9);
            std::fprintf(stderr, "%sstep %llu/%llu  %.0f tokens/s  train %.3f bpb  held-out %.3f bpb  ETA %s%s",
                         tty ? "\r" : "", static_cast<unsigned long long>(s + 1), static_cast<unsigned long long>(total),
                         rate, loss_ema, held_out, format_duration(eta).c_str(), tty && !last ? "   " : "\n");
        }
    }
    const double tokens_per_second = double((total - first_step) * per_step) / std::max(train_seconds, 1e-9);
    held_out = evaluate(total * per_step);
    write_lm_checkpoint(ckpt_path, make_checkpoint(spec, *m));

    const std::uint64_t eval_n = lm.training.eval_bytes ? std::min<std::uint64_t>(lm.training.eval_bytes, valid.size()) : valid.size();
    std::printf("  trained     %llu tokens in %.2f s (%.0f tokens/s), final train loss %.3f bits/byte\n",
                static_cast<unsigned long long>((total - first_step) * per_step), train_seconds, tokens_per_second, loss_ema);
    std::printf("  held-out    %.4f bits per byte over %llu bytes of %s\n", held_out,
                static_cast<unsigned long long>(eval_n), lm.training.validation_file.c_str());
    std::printf("  checkpoint  %s\n", ckpt_path.c_str());

    nlohmann::json j;
    j["config"] = spec.source_file;
    j["seed"] = spec.simulation.seed;
    j["threads"] = threads;
    j["backend"] = m->backend();
    j["edges"] = m->weight_count();
    j["parameters"] = m->parameter_count();
    j["tokens"] = total * per_step;
    j["steps"] = total;
    j["train_seconds"] = train_seconds;
    j["tokens_per_second"] = tokens_per_second;
    j["final_train_bits_per_byte"] = loss_ema;
    j["held_out_bits_per_byte"] = held_out;
    j["held_out_bytes"] = eval_n;
    j["held_out_file"] = lm.training.validation_file;
    j["curve"] = curve;
    j["resumed_from_step"] = first_step;
    const std::string summary = (out / "train.json").string();
    write_file_atomically(summary, j.dump(2) + "\n");
    std::printf("  summary     %s\n", summary.c_str());
    return 0;
}

int lm_eval_command(const lm_eval_options& o) {
    kokkos_session kokkos(o.threads.value_or(0), o.backend.value_or(""));
    loaded_model m = load_checkpoint_model(o.file, o);
    const std::vector<std::uint8_t> text = read_corpus(o.text, {o.text, 0, "--text"});
    const std::uint64_t n = o.bytes ? std::min<std::uint64_t>(o.bytes, text.size()) : text.size();
    const auto t0 = std::chrono::steady_clock::now();
    const double bpb = m.model->evaluate(text, n);
    std::printf("%.4f bits per byte over %llu bytes of %s (%.1f s)\n", bpb, static_cast<unsigned long long>(n),
                o.text.c_str(), seconds_since(t0));
    return 0;
}

int lm_generate_command(const lm_generate_options& o) {
    kokkos_session kokkos(o.threads.value_or(0), o.backend.value_or(""));
    loaded_model m = load_checkpoint_model(o.file, o);
    const std::string text = m.model->generate(o.prompt, o.bytes, o.temperature, o.seed.value_or(1));
    std::fwrite(o.prompt.data(), 1, o.prompt.size(), stdout);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
}

}  // namespace synaptogen::app
