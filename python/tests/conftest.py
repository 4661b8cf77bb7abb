"""Shared by the tests: the corpus recipe and TOML of tests/cli/evolve.sh and lm.sh, so the
Python tests train on what the command-line tests train on."""
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def toml_of_cli_test(script: str, name: str) -> str:
    """The TOML that tests/cli/<script> writes to $out/<name> with a here-document."""
    text = (ROOT / "tests/cli" / script).read_text()
    return re.search(rf"cat > \"\$out/{re.escape(name)}\" <<'TOML'\n(.*?)\nTOML\n", text, re.S).group(1)


def write_corpus(out: Path, seed: int, train_bytes: int, valid_bytes: int) -> None:
    """train.txt and valid.txt as the command-line tests make them (random 8-word lines)."""
    random.seed(seed)
    words = "the cat sat on a mat and she said that it was fine to go home now".split()

    def text(n):
        s = []
        while sum(map(len, s)) < n:
            s.append(" ".join(random.choice(words) for _ in range(8)) + ".\n")
        return "".join(s)[:n]
    (out / "train.txt").write_text(text(train_bytes))
    (out / "valid.txt").write_text(text(valid_bytes))
