"""Synaptogen from Python: networks as explicit neuron/synapse graphs, simulated by the
same engine as the `synaptogen` program, with the same spikes bit for bit.

    import synaptogen as sg
    net = sg.load("examples/brunel.toml")          # or sg.Network() and build it (below)
    result = net.run(duration=200.0, threads=2)
    times, neurons = result.spikes("E")            # NumPy arrays: ms, ids within "E"

Building a network in Python writes the same tables a description file holds
(docs/format.md), so a Python-built network and its TOML twin give identical spikes:

    net = sg.Network(dt=0.1, duration=1000.0, seed=1)
    net.population("E", 800, "iaf_psc_delta", parameters={"tau_m": 20.0, "V_th": 20.0},
                   initial={"V_m": {"distribution": "uniform", "low": 0.0, "high": 20.0}})
    net.projection("E", "E", rule="fixed_probability", p=0.1, weight=0.1, delay=1.5)
    net.stimulus("poisson", "E", rate=20.0, sources=1000, weight=0.1)
    net.record(spikes="all")

Bad input raises synaptogen.InputError (a ValueError) with .file, .line, .field and
.problem, the same message the command line prints. See docs/python.md.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from . import _synaptogen as _core
from ._synaptogen import InputError

__all__ = ["InputError", "LanguageModel", "Network", "Result", "backends", "crossover", "import_celegans", "load",
           "parse"]


def import_celegans(*tables: str, chemical: Iterable[str] = (), electrical: Iterable[str] = (),
                    cells: str | None = None, model: str = "graded", weight_scale: float = 0.1,
                    gap_weight_scale: float = 0.1, delay: float = 1.0, gap_junctions: str = "average") -> "Network":
    """C. elegans connectome tables (Cook 2019, Varshney 2011, OpenWorm; docs/connectomes.md) as
    the network `synaptogen import celegans` writes: populations per neuron class, signs from
    the transmitters, gap junctions; the same defaults (graded synapses of 100 pS per synapse,
    Kunert et al. 2014). `network.cell_names[population]` gives each neuron's name."""
    text, populations, names = _core.import_celegans([str(t) for t in tables], [str(t) for t in chemical],
                                                     [str(t) for t in electrical], None if cells is None else str(cells),
                                                     model, weight_scale, gap_weight_scale, delay, gap_junctions)
    net = parse(text, "import_celegans")
    net.cell_names = dict(zip(populations, names))
    return net


def crossover(a, b, seed: int = 1, stream: int = 0):
    """A child genome: each source row's edges of each projection from one parent, drawn from
    (seed, stream) (evolution's uniform crossover)."""
    return _core.crossover(a, b, seed, stream)


def backends() -> list[str]:
    """The backends this build can run on this machine ("openmp", "serial", "cuda", ...)."""
    return list(_core.backends())


def load(path: str, scale: float | None = None) -> "Network":
    """A network description file (TOML, docs/format.md), optionally scaled down."""
    return Network._from_spec(_core.load(str(path), scale))


def parse(text: str, name: str = "<python>", scale: float | None = None) -> "Network":
    """A network description given as TOML text; `name` stands for the file in messages."""
    return Network._from_spec(_core.parse(text, name, scale))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if math.isnan(x) or math.isinf(x):
            raise InputError(f"expected a finite number, got {x}")
        return repr(x)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} into a network description")


class Network:
    """A network: loaded from a file, parsed from text, or built with the methods below."""

    def __init__(self, dt: float = 0.1, duration: float = 1000.0, seed: int = 1, **simulation: Any):
        self._spec = None
        # (table name, keys, whether it is an array of tables [[name]] or a single [name])
        self._tables: list[tuple[str, dict, bool]] = [
            ("simulation", {"dt": dt, "duration": duration, "seed": seed, **simulation}, False)]
        self._edges: list[tuple] = []

    @classmethod
    def _from_spec(cls, spec) -> "Network":
        net = cls.__new__(cls)
        net._spec, net._tables, net._edges = spec, None, []
        return net

    # --- building -----------------------------------------------------------------------
    def _add(self, kind: str, table: dict, array: bool = True) -> "Network":
        if self._tables is None:
            raise InputError("a loaded network is not built table by table; expected sg.Network() to build one")
        self._tables.append((kind, {k: v for k, v in table.items() if v is not None}, array))
        self._spec = None
        return self

    def table(self, name: str, **keys: Any) -> "Network":
        """A single table such as [scaling], [evolution], [evolution.mutation] or [lm.training]."""
        return self._add(name, keys, array=False)

    def population(self, name: str, size: int, model: str = "iaf_psc_delta", parameters: dict | None = None,
                   initial: dict | None = None, **keys: Any) -> "Network":
        """A [[population]] table: name, size, model, parameters, initial values (docs/models.md)."""
        return self._add("population", {"name": name, "size": size, "model": model, "parameters": parameters,
                                        "initial": initial, **keys})

    def projection(self, source: str, target: str, rule: str = "all_to_all", weight: Any = None, delay: Any = None,
                   **keys: Any) -> "Network":
        """A [[projection]] table: rule ("fixed_indegree" with indegree=, "fixed_probability" with p=, ...),
        weight and delay (numbers or distributions as dicts), synapse model, receptor."""
        return self._add("projection", {"source": source, "target": target, "rule": rule, "weight": weight,
                                        "delay": delay, **keys})

    def edges(self, source: str, target: str, sources: Iterable[int], targets: Iterable[int],
              weights: Iterable[float] | None = None, delays: Iterable[float] | None = None, **keys: Any) -> "Network":
        """A projection of explicit edges from arrays (ids within the populations; weights in the
        target model's unit, delays in ms); without weights or delays, `weight`/`delay` keys apply."""
        index = sum(1 for kind, _, _ in self._tables if kind == "projection") if self._tables is not None else None
        if weights is not None:
            keys.setdefault("weight", 0.0)  # the arrays' weights replace it
        self.projection(source, target, rule="explicit", edges=[], **keys)  # the arrays fill it below
        self._edges.append((index, np.asarray(sources, dtype=np.int64), np.asarray(targets, dtype=np.int64),
                            None if weights is None else np.asarray(weights, dtype=np.float64),
                            None if delays is None else np.asarray(delays, dtype=np.float64)))
        return self

    def stimulus(self, type: str, target: str, **keys: Any) -> "Network":
        """A [[stimulus]] table: "poisson" (rate, sources, weight), "dc", "step_current", "noise"."""
        return self._add("stimulus", {"type": type, "target": target, **keys})

    def record(self, **keys: Any) -> "Network":
        """A [[record]] table: spikes="all" or a population's name; or a trace (population, variable, neurons)."""
        return self._add("record", keys)

    def toml(self) -> str:
        """The description this network is: the file it was read from, or the tables built."""
        if self._tables is None:
            return self._spec.source_text
        lines = []
        for kind, table, array in self._tables:
            lines.append(f"[[{kind}]]" if array else f"[{kind}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
            lines.append("")
        return "\n".join(lines)

    @property
    def spec(self):
        if self._spec is None:
            self._spec = _core.parse(self.toml(), "<python>")
            for index, s, t, w, d in self._edges:
                self._spec.set_edges(index, s, t, w, d)
        return self._spec

    # --- inspecting and editing --------------------------------------------------------
    def describe(self) -> dict:
        """Populations (name, size, first global id, model), projections, dt, duration, seed."""
        return self.spec.describe()

    @property
    def neurons(self) -> int:
        return self.describe()["neurons"]

    def validate(self) -> dict:
        """Builds the synapses (the same errors as `synaptogen validate`); returns counts and the
        memory estimate."""
        d = self.describe()
        d["synapses"] = _core.count_synapses(self.spec)
        d["estimate"] = _core.estimate(self.spec)
        return d

    def set_edges(self, projection: int, sources, targets, weights=None, delays=None) -> "Network":
        """Replaces projection `projection`'s rule by these edges (NumPy arrays of ids within the
        populations, weights, delays in ms)."""
        self.spec.set_edges(projection, np.asarray(sources, dtype=np.int64), np.asarray(targets, dtype=np.int64),
                            None if weights is None else np.asarray(weights, dtype=np.float64),
                            None if delays is None else np.asarray(delays, dtype=np.float64))
        if self._tables is not None:  # remembered, so that the next rebuild keeps them
            self._edges.append((projection, sources, targets, weights, delays))
        return self

    def edges_of(self, projection: int) -> dict:
        """Projection `projection`'s synapses as built for this seed: NumPy arrays "source" and
        "target" (ids within the populations), "weight", "delay" (ms)."""
        return self.spec.edges_of(projection)

    def to_networkx(self):
        """The network as a networkx MultiDiGraph: a node per neuron (global id) with its
        population and local id, an edge per synapse with weight, delay and projection index
        (networkx is Debian's python3-networkx)."""
        import networkx as nx
        d = self.describe()
        g = nx.MultiDiGraph()
        for p in d["populations"]:
            g.add_nodes_from((p["first"] + i, {"population": p["name"], "local": i}) for i in range(p["size"]))
        first = {p["name"]: p["first"] for p in d["populations"]}
        for k, proj in enumerate(d["projections"]):
            e = self.edges_of(k)
            s0, t0 = first[proj["source"]], first[proj["target"]]
            g.add_edges_from((int(s) + s0, int(t) + t0, {"weight": float(w), "delay": float(dl), "projection": k})
                             for s, t, w, dl in zip(e["source"], e["target"], e["weight"], e["delay"]))
        return g

    def evolve(self, generations: int | None = None, seed: int | None = None, fitness=None,
               checkpoint: str | None = None, resume: bool = False, on_generation=None,
               threads: int | None = None) -> dict:
        """Runs the network's [evolution] (docs/evolution.md) over its connectome, as
        `synaptogen evolve` does: the same genomes and fitness for the same seed.

        fitness: None for the file's [evolution.fitness]; or a Python function of a genome (a
        list, per projection, of dicts of arrays "source", "target", "weight") returning a
        number, lower is better. checkpoint: a file written every generation; resume=True
        continues from it. on_generation(dict) is called after every generation.
        Returns the final generation, the best individual (with its genome) and the lineage."""
        return _core.evolve(self.spec, generations, seed, fitness, None if checkpoint is None else str(checkpoint),
                            resume, on_generation, threads)

    def genome(self):
        """The network's connectome as an editable Genome (edges drawn by its rules, as the seed
        of an evolution): .size, .arrays(), .mutate(add=, remove=, rewire_target=, rewire_source=,
        flip=, perturb=, seed=, stream=), .prune(fraction, scope), .reset_to_sign(m), .copy()."""
        return _core.seed_genome(self.spec)

    def with_genome(self, genome) -> "Network":
        """This network with every projection replaced by the genome's edges and weights
        (delays keep each projection's rule)."""
        return Network._from_spec(_core.with_genome(self.spec, genome))

    def language_model(self, threads: int | None = None) -> "LanguageModel":
        """The network's [lm] table as a trainable byte-level language model (docs/language.md)."""
        return LanguageModel(_core.LanguageModel(self.spec, threads))

    # --- running -------------------------------------------------------------------------
    def run(self, duration: float | None = None, threads: int | None = None, backend: str | None = None,
            seed: int | None = None, out: str | None = None, progress=None) -> "Result":
        """Simulates the network (the GIL is released meanwhile; Ctrl-C stops it). The first run of
        a process fixes its thread count. `out`: a folder that also gets the SONATA files the
        command line writes (spikes.h5, a report per trace record; only if the run completes).
        `progress(step, total, seconds)` is called about twice a second."""
        raw = _core.run(self.spec, duration, threads, backend, seed, None if out is None else str(out), progress)
        return Result(raw, self.describe())


class LanguageModel:
    """A network trained as a language model, as `synaptogen lm train` does (same bits)."""

    def __init__(self, core):
        self._core = core

    def train(self, steps: int | None = None) -> np.ndarray:
        """Up to `steps` optimiser steps (default: the rest of [lm.training]'s token budget);
        returns each step's training loss in bits per byte."""
        return self._core.train(steps)

    def evaluate(self, text: bytes | str | None = None, bytes: int | None = None) -> float:
        """Held-out bits per byte: of [lm.training]'s validation text (its eval_bytes), or of `text`."""
        if isinstance(text, str):
            text = text.encode()
        return self._core.evaluate(text, bytes)

    def generate(self, prompt: str, n: int = 200, temperature: float = 0.0, seed: int = 1) -> str:
        """Continues `prompt` by n bytes (temperature 0: the most likely byte each time)."""
        return self._core.generate(prompt, n, temperature, seed).decode("utf-8", errors="replace")

    def graph(self) -> list[dict]:
        """The trained edges: per projection, arrays "source", "target", "weight"."""
        return self._core.graph()

    step = property(lambda self: self._core.step)
    total_steps = property(lambda self: self._core.total_steps)
    tokens_per_step = property(lambda self: self._core.tokens_per_step)
    parameter_count = property(lambda self: self._core.parameter_count)
    backend = property(lambda self: self._core.backend)


class Result:
    """Spikes and traces of a run, as NumPy arrays."""

    def __init__(self, raw, description: dict):
        self.dt = raw.dt
        self.steps = raw.steps
        self.spike_count = raw.spike_count
        self.synapses = raw.synapses
        self.synaptic_events = raw.synaptic_events
        self.backend = raw.backend
        self.simulate_seconds = raw.simulate_seconds
        self.spike_steps, self.spike_neurons = raw.take_spikes()  # global ids; step s ends at (s + 1) dt
        self._populations = {p["name"]: p for p in description["populations"]}
        # name -> rows x recorded neurons (or synapses); row r taken after step (r + 1) * every - 1
        self.traces = {t["name"]: raw.take_trace(k) for k, t in enumerate(description["traces"])}
        self._every = {t["name"]: t["every"] for t in description["traces"]}

    def trace_times(self, name: str) -> np.ndarray:
        """The times (ms) of a trace's rows."""
        rows = self.traces[name].shape[0]
        return np.arange(rows, dtype=np.float64) * self._every[name] * self.dt + self.dt

    @property
    def spike_times(self) -> np.ndarray:
        """Spike times in ms (the end of the step, as spike files stamp them)."""
        return (self.spike_steps.astype(np.float64) + 1.0) * self.dt

    def spikes(self, population: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(times in ms, neuron ids): global ids for the whole network, ids within `population` else."""
        if population is None:
            return self.spike_times, self.spike_neurons
        p = self._populations.get(population)
        if p is None:
            raise InputError(f"no population '{population}'; expected one of {sorted(self._populations)}")
        mask = (self.spike_neurons >= p["first"]) & (self.spike_neurons < p["first"] + p["size"])
        return self.spike_times[mask], (self.spike_neurons[mask] - p["first"]).astype(np.uint32)

    def rate(self, population: str) -> float:
        """Mean firing rate of a recorded population, in Hz."""
        p = self._populations[population]
        return self.spikes(population)[0].size / (p["size"] * self.steps * self.dt * 1e-3)
