"""The Python module against the command line: same spikes for a file run both ways, for a
network built in Python and its TOML twin, for edges given as NumPy arrays and as TOML;
errors arrive as InputError with file, line and field, and the interpreter survives."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import synaptogen as sg

ROOT = Path(__file__).resolve().parents[2]
EXE = os.environ.get("SYNAPTOGEN_EXE", str(ROOT / "build/apps/synaptogen"))
h5py = pytest.importorskip("h5py")

SMALL = """[simulation]
dt = 0.1
duration = 150.0
seed = 7
[[population]]
name = "E"
size = 400
model = "iaf_psc_delta"
parameters = { tau_m = 20.0, C_m = 250.0, E_L = 0.0, V_th = 20.0, V_reset = 10.0, t_ref = 2.0 }
initial = { V_m = { distribution = "uniform", low = 0.0, high = 20.0 } }
[[population]]
name = "I"
size = 100
model = "iaf_psc_delta"
parameters = { tau_m = 20.0, C_m = 250.0, E_L = 0.0, V_th = 20.0, V_reset = 10.0, t_ref = 2.0 }
[[projection]]
source = "E"
target = "I"
rule = "fixed_indegree"
indegree = 40
weight = 0.5
delay = { distribution = "uniform", low = 0.8, high = 2.0 }
[[projection]]
source = "I"
target = "E"
rule = "fixed_probability"
p = 0.2
weight = -1.0
delay = 1.5
[[stimulus]]
type = "poisson"
target = "E"
rate = 20.0
sources = 1000
weight = 0.1
[[record]]
spikes = "all"
"""


def build_small() -> sg.Network:
    """SMALL, built table by table in Python."""
    params = {"tau_m": 20.0, "C_m": 250.0, "E_L": 0.0, "V_th": 20.0, "V_reset": 10.0, "t_ref": 2.0}
    net = sg.Network(dt=0.1, duration=150.0, seed=7)
    net.population("E", 400, "iaf_psc_delta", parameters=params,
                   initial={"V_m": {"distribution": "uniform", "low": 0.0, "high": 20.0}})
    net.population("I", 100, "iaf_psc_delta", parameters=params)
    net.projection("E", "I", rule="fixed_indegree", indegree=40, weight=0.5,
                   delay={"distribution": "uniform", "low": 0.8, "high": 2.0})
    net.projection("I", "E", rule="fixed_probability", p=0.2, weight=-1.0, delay=1.5)
    net.stimulus("poisson", "E", rate=20.0, sources=1000, weight=0.1)
    net.record(spikes="all")
    return net


def cli_spikes(toml: Path, out: Path, *args: str) -> dict:
    subprocess.run([EXE, "run", str(toml), "--no-progress", "-o", str(out), *args], check=True, capture_output=True)
    with h5py.File(out / "spikes.h5", "r") as f:
        return {name: (f[f"spikes/{name}/timestamps"][()], f[f"spikes/{name}/node_ids"][()]) for name in f["spikes"]}


def assert_same(result: sg.Result, cli: dict) -> None:
    assert cli, "the CLI recorded no population"
    for name, (times, ids) in cli.items():
        t, n = result.spikes(name)
        assert t.size > 0, name
        np.testing.assert_array_equal(t, times)
        np.testing.assert_array_equal(n, ids)


def test_a_file_gives_the_command_lines_spikes(tmp_path):
    net = sg.load(ROOT / "examples/brunel.toml")
    result = net.run(duration=100.0, threads=2)
    assert result.spike_count > 0 and result.synapses == 15621497
    assert_same(result, cli_spikes(ROOT / "examples/brunel.toml", tmp_path / "cli", "--duration", "100", "--threads", "2"))
    assert result.traces["E_V_m"].ndim == 2 and result.traces["E_V_m"].shape[1] > 0
    assert result.trace_times("E_V_m").size == result.traces["E_V_m"].shape[0]


def test_a_python_built_network_equals_its_toml_twin(tmp_path):
    (tmp_path / "small.toml").write_text(SMALL)
    built = build_small().run(threads=2)
    from_text = sg.parse(SMALL, "small.toml").run(threads=2)
    np.testing.assert_array_equal(built.spike_steps, from_text.spike_steps)
    np.testing.assert_array_equal(built.spike_neurons, from_text.spike_neurons)
    assert_same(built, cli_spikes(tmp_path / "small.toml", tmp_path / "cli"))
    assert 1.0 < built.rate("E") < 200.0


def test_edges_from_numpy_equal_the_same_edges_in_toml(tmp_path):
    rng = np.random.default_rng(3)
    src = rng.integers(0, 100, 2000)
    tgt = rng.integers(0, 400, 2000)
    w = -rng.uniform(0.5, 1.5, 2000)
    d = rng.choice([0.5, 1.0, 1.5, 2.0], 2000)
    net = build_small()
    net.edges("I", "E", src, tgt, weights=w, delays=d)
    via_arrays = net.run(threads=2)
    rows = ", ".join(f"[{s}, {t}, {x!r}, {y!r}]" for s, t, x, y in zip(src, tgt, w, d))
    text = SMALL.replace('[[stimulus]]', f'[[projection]]\nsource = "I"\ntarget = "E"\nrule = "explicit"\n'
                                           f'edges = [{rows}]\n[[stimulus]]')
    (tmp_path / "edges.toml").write_text(text)
    assert_same(via_arrays, cli_spikes(tmp_path / "edges.toml", tmp_path / "cli"))
    # Replacing a rule's edges on a loaded network works the same way.
    loaded = sg.parse(SMALL, "small.toml").set_edges(1, src, tgt, w, d)
    np.testing.assert_array_equal(loaded.run(threads=2).spike_neurons,
                                  sg.parse(SMALL.replace('rule = "fixed_probability"\np = 0.2',
                                                         f'rule = "explicit"\nedges = [{rows}]'), "x.toml")
                                  .run(threads=2).spike_neurons)


def test_arrays_own_the_engines_memory():
    r = build_small().run(threads=2)
    assert not r.spike_neurons.flags.owndata and r.spike_neurons.base is not None  # a capsule, not a copy
    assert r.spike_neurons.dtype == np.uint32 and r.spike_steps.size == r.spike_neurons.size == r.spike_count


def test_errors_arrive_as_input_errors_with_their_place():
    with pytest.raises(sg.InputError) as e:
        sg.parse(SMALL.replace("indegree = 40", "indegree = 4000\nmultapses = false"), "small.toml").validate()
    assert e.value.file == "small.toml" and e.value.field.startswith("projection[0]") and e.value.line > 0
    assert "exceeds" in str(e.value)
    with pytest.raises(sg.InputError, match="expected a number"):
        sg.parse('[simulation]\nduration = "long"\n', "bad.toml")
    with pytest.raises(sg.InputError, match="outside the populations"):
        build_small().set_edges(0, [0, 1], [0, 100])
    with pytest.raises(sg.InputError, match="as many targets as sources"):
        build_small().set_edges(0, [0, 1], [0])
    with pytest.raises(sg.InputError, match="threads"):
        build_small().run(threads=7)  # Kokkos runs with the first run's 2 threads
    with pytest.raises(sg.InputError):
        sg.load("/nonexistent/net.toml")
    assert build_small().validate()["synapses"] > 0  # the interpreter is still fine


def test_describe_and_validate():
    d = build_small().validate()
    assert d["neurons"] == 500 and [p["name"] for p in d["populations"]] == ["E", "I"]
    assert d["populations"][1]["first"] == 400 and d["projections"][0]["rule"] == "fixed_indegree"
    assert d["synapses"] == 40 * 100 + round(d["projections"][1]["expected_synapses"]) or d["synapses"] > 4000


def test_edges_read_back_and_export_to_networkx():
    net = build_small()
    e = net.edges_of(0)  # E -> I, fixed in-degree 40
    assert e["source"].size == 40 * 100 and np.all(np.bincount(e["target"], minlength=100) == 40)
    assert np.all(e["weight"] == np.float32(0.5)) and np.all((e["delay"] >= 0.8 - 1e-9) & (e["delay"] <= 2.0 + 1e-9))
    # Read back, written again as explicit edges: the same network, the same spikes.
    again = build_small().set_edges(0, e["source"], e["target"], e["weight"], e["delay"])
    np.testing.assert_array_equal(again.run(threads=2).spike_neurons, net.run(threads=2).spike_neurons)
    nx = pytest.importorskip("networkx")
    g = net.to_networkx()
    assert g.number_of_nodes() == 500
    assert g.number_of_edges() == e["source"].size + net.edges_of(1)["source"].size
    assert g.nodes[400]["population"] == "I" and g.nodes[400]["local"] == 0
    assert g.in_degree(400) == 40  # E -> I only


def test_the_files_are_the_command_lines_and_progress_is_reported(tmp_path):
    traced = SMALL + '[[record]]\nname = "E_V"\npopulation = "E"\nvariable = "V_m"\nneurons = [0, 5, 9]\n'
    (tmp_path / "small.toml").write_text(traced)
    seen = []
    r = sg.parse(traced, "small.toml").run(threads=2, out=tmp_path / "py",
                                           progress=lambda step, total, s: seen.append((step, total)))
    cli_spikes(tmp_path / "small.toml", tmp_path / "cli")
    def datasets(path):
        out = {}
        with h5py.File(path, "r") as f:
            f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
        return out
    for name in ("spikes.h5", "E_V.h5"):
        a, b = datasets(tmp_path / "py" / name), datasets(tmp_path / "cli" / name)
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    np.testing.assert_array_equal(r.traces["E_V"], datasets(tmp_path / "cli/E_V.h5")["report/E/data"])
    assert seen and seen[-1] == (1500, 1500)
    # An exception in the progress callback stops the run and arrives; no file is left.
    def fail(step, total, s):
        raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        build_small().run(duration=1e5, threads=2, out=tmp_path / "stopped", progress=fail)
    assert list((tmp_path / "stopped").iterdir()) == []


def test_a_signal_stops_a_long_run():
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(KeyboardInterrupt):
            build_small().run(duration=1e6, threads=2)  # 17 minutes of simulated time if not stopped
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert build_small().run(duration=10.0, threads=2).steps == 100  # still usable


def test_genomes_are_edited_by_evolutions_operators_and_run():
    net = build_small()
    g = net.genome()
    edges = net.edges_of(0)["source"].size + net.edges_of(1)["source"].size
    assert g.size == edges and len(g) == 2
    # The network's own edges back as explicit edges: the same network where delays are
    # constant (drawn delays are drawn again, per edge, by the explicit edges' streams).
    fixed = sg.parse(SMALL.replace('delay = { distribution = "uniform", low = 0.8, high = 2.0 }', "delay = 1.5"), "c.toml")
    np.testing.assert_array_equal(fixed.with_genome(fixed.genome()).run(threads=2).spike_neurons,
                                  fixed.run(threads=2).spike_neurons)
    a, b = g.copy(), g.copy()
    log = a.mutate(remove=5, seed=3)
    assert a.size == edges - 5 and log == "remove 5"
    b.mutate(remove=5, seed=3)
    for x, y in zip(a.arrays(), b.arrays()):  # (seed, stream) fixes the edits
        np.testing.assert_array_equal(x["target"], y["target"])
    pruned = g.copy()
    removed = pruned.prune(0.2)
    assert removed == round(0.2 * 4000) + round(0.2 * net.edges_of(1)["source"].size) and pruned.size == edges - removed
    child = sg.crossover(a, pruned, seed=2)
    assert min(a.size, pruned.size) <= child.size + 50 and child.size <= max(a.size, pruned.size) + 50
    r = net.with_genome(pruned).run(threads=2)
    assert r.synapses == pruned.size
    with pytest.raises(sg.InputError, match="fraction"):
        g.copy().prune(1.5)


DATA = Path(os.environ.get("SYNAPTOGEN_DATA", ROOT.parent / "shared/data"))


@pytest.mark.skipif(not (DATA / "celegans_cook2019/herm_full_edgelist.csv").exists(), reason="no ../shared/data")
def test_a_celegans_import_equals_the_command_lines(tmp_path):
    herm = DATA / "celegans_cook2019/herm_full_edgelist.csv"
    owmeta = DATA / "celegans_neuron_metadata/derived_owmeta_neurons.csv"
    subprocess.run([EXE, "import", "celegans", str(herm), "--cells", str(owmeta), "-o", str(tmp_path / "cook.toml")],
                   check=True, capture_output=True)
    cli = sg.load(tmp_path / "cook.toml")
    py = sg.import_celegans(herm, cells=owmeta)
    assert py.describe()["populations"] == cli.describe()["populations"]
    for k in range(len(cli.describe()["projections"])):
        a, b = cli.edges_of(k), py.edges_of(k)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    assert any("AVAL" in names for names in py.cell_names.values())
    g = py.to_networkx()
    assert g.number_of_nodes() == py.neurons and g.number_of_edges() > 3000


def test_every_backend_gives_the_same_spikes():
    net = build_small()
    reference = net.run(threads=2, backend="openmp")
    assert reference.backend == "openmp"
    for backend in sg.backends():
        r = net.run(threads=2, backend=backend)
        assert r.backend == backend
        np.testing.assert_array_equal(r.spike_neurons, reference.spike_neurons)
        np.testing.assert_array_equal(r.spike_steps, reference.spike_steps)
    with pytest.raises(sg.InputError, match="backend"):
        net.run(threads=2, backend="fpga")
