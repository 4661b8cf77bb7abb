"""Evolution from Python: the file's fitness gives `synaptogen evolve`'s lineage bit for bit,
a resumed run reaches the same state, and a fitness written in Python drives the loop."""
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import synaptogen as sg
from conftest import toml_of_cli_test, write_corpus

ROOT = Path(__file__).resolve().parents[2]
EXE = os.environ.get("SYNAPTOGEN_EXE", str(ROOT / "build/apps/synaptogen"))
h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    """tests/cli/evolve.sh's language-model evolution (its TOML and corpus recipe), 2 generations."""
    out = tmp_path_factory.mktemp("evolve")
    (out / "evolve.toml").write_text(toml_of_cli_test("evolve.sh", "evolve.toml").replace("generations = 4", "generations = 2"))
    write_corpus(out, seed=11, train_bytes=20000, valid_bytes=3000)
    return out / "evolve.toml"


def lineage(path: Path) -> dict:
    with h5py.File(path, "r") as f:
        return {k: f[f"evolution/lineage/{k}"][()] for k in ("fitness", "edges", "parent_a")}


def test_the_files_fitness_gives_the_command_lines_lineage(config, tmp_path):
    subprocess.run([EXE, "evolve", str(config), "--threads", "2", "--no-progress", "--out", str(tmp_path / "cli")],
                   check=True, capture_output=True)
    seen = []
    result = sg.load(config).evolve(threads=2, checkpoint=tmp_path / "py.h5", on_generation=seen.append)
    assert [g["generation"] for g in seen] == [0, 1, 2] and result["generation"] == 2
    cli, py = lineage(tmp_path / "cli/evolution.h5"), lineage(tmp_path / "py.h5")
    for k in cli:
        np.testing.assert_array_equal(cli[k], py[k])
    np.testing.assert_array_equal(result["lineage"]["fitness"], cli["fitness"])
    best = result["best"]
    assert best["fitness"] == cli["fitness"].min()
    assert sum(p["source"].size for p in best["genome"]) > 0
    # Resumed from generation 2's checkpoint to generation 3: the file's state continues.
    more = sg.load(config).evolve(generations=3, threads=2, checkpoint=tmp_path / "py.h5", resume=True)
    assert more["generation"] == 3 and more["lineage"]["id"].size == result["lineage"]["id"].size + 2


def test_a_fitness_written_in_python(config):
    calls = []

    def fewer_edges(genome):  # lower is better: evolution prunes
        calls.append(time.perf_counter())
        return float(sum(p["source"].size for p in genome))
    net = sg.load(config)
    result = net.evolve(generations=3, fitness=fewer_edges, threads=2)
    assert result["fitness"] == "a Python function"
    assert len(calls) == 3 + 3 * 2  # the population, then 2 offspring per generation
    f = result["lineage"]["fitness"]
    assert result["best"]["fitness"] == f.min() and f.min() < f[0]  # pruning (20 %) made smaller genomes
    assert result["best"]["fitness"] == sum(p["source"].size for p in result["best"]["genome"])
    with pytest.raises(ZeroDivisionError):
        net.evolve(generations=1, fitness=lambda g: 1 / 0, threads=2)
