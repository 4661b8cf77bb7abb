"""A language model trained from Python equals `synaptogen lm train` bit for bit (held-out
bits per byte), and evaluates and generates."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import synaptogen as sg
from conftest import toml_of_cli_test, write_corpus

ROOT = Path(__file__).resolve().parents[2]
EXE = os.environ.get("SYNAPTOGEN_EXE", str(ROOT / "build/apps/synaptogen"))


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """tests/cli/lm.sh's model and corpus recipe, with a smaller token budget."""
    out = tmp_path_factory.mktemp("lm")
    toml = toml_of_cli_test("lm.sh", "model.toml")
    (out / "model.toml").write_text(toml.replace("tokens = 64000", "tokens = 12800").replace("eval_every = 32000", "eval_every = 0"))
    write_corpus(out, seed=7, train_bytes=30000, valid_bytes=5000)
    return out / "model.toml"


def test_training_from_python_equals_the_command_line(model, tmp_path):
    subprocess.run([EXE, "lm", "train", str(model), "--threads", "2", "--no-progress", "--out", str(tmp_path / "cli")],
                   check=True, capture_output=True)
    cli = json.loads((tmp_path / "cli/train.json").read_text())
    lm = sg.load(model).language_model(threads=2)
    before = lm.evaluate()
    losses = lm.train()
    assert lm.step == lm.total_steps == losses.size > 0
    assert losses[-10:].mean() < losses[:10].mean()
    assert lm.evaluate() == cli["held_out_bits_per_byte"] < before
    text = lm.generate("the cat ", n=40)
    assert isinstance(text, str) and len(text.encode()) >= 40
    assert lm.evaluate("the cat sat on a mat. " * 20) < 4.0
    g = lm.graph()
    assert len(g) == 2 and g[1]["source"].size == 32 * 256 and np.isfinite(g[1]["weight"]).all()


def test_a_network_without_lm_is_refused():
    with pytest.raises(sg.InputError, match=r"no \[lm\] table"):
        sg.load(ROOT / "examples/brunel.toml").language_model()


def test_a_model_alive_at_exit_ends_the_process_cleanly(model):
    import sys
    code = f"import synaptogen as sg\nlm = sg.load({str(model)!r}).language_model(threads=2)\nprint(lm.parameter_count)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0
