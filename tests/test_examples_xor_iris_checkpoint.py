"""The XOR, iris and save/restore examples run from a foreign working directory and end
with the results they promise."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def command():
    """Examples run as a user runs them: through `flowgraph run` (here
    `python -m flowgraph.cli run`)."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return [sys.executable, "-m", "flowgraph.cli", "run"], env


def _run(command, tmp_path, name):
    prefix, env = command
    result = subprocess.run(prefix + [str(REPO / "examples" / name)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert not [p for p in os.listdir(tmp_path)], "the example left files in the cwd"
    return result.stdout.strip().splitlines()


def test_xor(command, tmp_path):
    lines = _run(command, tmp_path, "xor.py")
    assert lines[-1] == "predictions: [0, 1, 1, 0]"
    loss = float(re.fullmatch(r"final loss: ([\d.]+)", lines[-2]).group(1))
    assert loss < 0.05


def test_iris(command, tmp_path):
    lines = _run(command, tmp_path, "iris.py")
    m = re.fullmatch(r"held-out accuracy: ([\d.]+) \(30 flowers\)", lines[-1])
    assert m and float(m.group(1)) >= 0.9


def test_save_restore(command, tmp_path):
    lines = _run(command, tmp_path, "save_restore.py")
    assert lines[-1] == "same as training without a break: True"
    assert any(line.startswith("restored model.ckpt-100 at step 100") for line in lines)


def test_iris_data_is_fishers():
    import numpy as np
    rows = (REPO / "examples" / "data" / "iris.csv").read_text().strip().splitlines()
    assert rows[0] == "sepal_length,sepal_width,petal_length,petal_width,species"
    data = np.array([[float(v) for v in r.split(",")[:4]] for r in rows[1:]])
    species = [r.split(",")[4] for r in rows[1:]]
    assert data.shape == (150, 4)
    assert {s: species.count(s) for s in set(species)} == {"setosa": 50, "versicolor": 50,
                                                           "virginica": 50}
    np.testing.assert_allclose(data.mean(0), [5.843, 3.057, 3.758, 1.199], atol=5e-4)
