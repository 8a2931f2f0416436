"""The examples, run through the command line (`python -m flowgraph.cli run examples/X.py`) from a
temporary working directory (so each must find its data relative to its own file), end as
the documents say."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
EXAMPLES = os.path.join(ROOT, "examples")

RUNS = {
    "basics": ["basics.py"],
    "bmi": ["bmi.py"],
    "linear_regression": ["linear_regression.py"],
    "linear_regression_tf_draw": ["linear_regression.py", "--start", "8.07", "80.69"],
    "multi_linear_regression": ["multi_linear_regression.py"],
    "logistic_regression": ["logistic_regression.py"],
    "logistic_multi": ["logistic_multi.py"],
    "keras_bmi": ["keras_bmi.py", "--epochs", "6"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """All example runs, started at once (they take a few seconds each) and read on demand."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    procs = {name: subprocess.Popen(
        [sys.executable, "-m", "flowgraph.cli", "run", os.path.join(EXAMPLES, script), *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, (script, *args) in RUNS.items()}
    results = {}

    def result(name):
        if name not in results:
            out, err = procs[name].communicate(timeout=300)
            results[name] = (procs[name].returncode, out, err)
        return results[name]
    yield result
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def output(runs, name):
    """The lines the run printed; it must have ended with status 0 and nothing on stderr
    but flowgraph's one line about the graphs it logged for TensorBoard."""
    status, out, err = runs(name)
    assert status == 0, err
    assert [ln for ln in err.splitlines() if not ln.startswith("flowgraph: ")] == []
    assert len(err.splitlines()) <= 1
    return out.splitlines()


def numbers(line):
    return [float(s) for s in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", line)]


def test_basics(runs):
    assert output(runs, "basics") == [
        "6234", "14", "20", "150", "[2 4 6]", "[20 40 20]", "[10 20 30 40 50]", "[100 200]"]


def test_bmi_reaches_95_percent(runs):
    lines = output(runs, "bmi")
    progress = [line for line in lines if line.startswith("step")]
    assert [int(numbers(line)[0]) for line in progress] == list(range(0, 3500, 500))
    assert lines[-2].startswith("test accuracy = ")
    assert numbers(lines[-2])[0] >= 0.95
    assert lines[-1].startswith("TensorBoard logs in ")


def test_bmi_logs_its_graph_and_curves_for_tensorboard(runs):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    run_dir = output(runs, "bmi")[-1].split("TensorBoard logs in ", 1)[1]
    assert run_dir.startswith(os.environ["FLOWGRAPH_LOGDIR"])  # never the repository's logs/
    events = EventAccumulator(run_dir)
    events.Reload()
    assert sorted(events.Tags()["scalars"]) == ["accuracy/accuracy", "loss/cross_entropy"]
    acc = events.Scalars("accuracy/accuracy")
    assert [e.step for e in acc] == list(range(0, 3500, 500)) + [3499]
    assert acc[-1].value >= 0.95 and acc[0].value < acc[-1].value
    names = {node.name for node in events.Graph().node}
    assert {"interface/W", "interface/softmax/Softmax", "loss/Neg"} <= names
    assert any(n.startswith("training/gradients/") for n in names)


def test_linear_regression_reaches_the_least_squares_line(runs):
    lines = output(runs, "linear_regression")
    assert len(lines) == 21
    epoch, rmse, a, b = numbers(lines[-1])
    assert epoch == 2000 and rmse == pytest.approx(2.881, abs=5e-4)
    assert a == pytest.approx(2.30, abs=0.01) and b == pytest.approx(79.0, abs=0.05)


def test_linear_regression_from_tensorflows_draw(runs):
    lines = output(runs, "linear_regression_tf_draw")
    assert lines[-1] == "Epoch: 2000, RMSE = 2.8810, a = 2.3000, b = 79.0000"


def test_multi_linear_regression(runs):
    lines = output(runs, "multi_linear_regression")
    assert numbers(lines[-1])[:2] == [2000, pytest.approx(1.837, abs=1e-3)]


def test_logistic_regression_loss_below_0_002(runs):
    lines = output(runs, "logistic_regression")
    assert [numbers(line)[0] for line in lines] == list(range(0, 60001, 6000))
    epoch, loss, a, b = numbers(lines[-1])
    assert loss < 0.002
    assert a == pytest.approx(-5.15, abs=0.1) and b == pytest.approx(35.9, abs=0.7)


def test_logistic_multi(runs):
    lines = output(runs, "logistic_multi")
    step_3000 = [line for line in lines if line.startswith("step=3000,")]
    assert len(step_3000) == 1 and 0.054 < numbers(step_3000[0])[-1] < 0.061
    assert lines[-2] == "hours: 7, lessons: 6"
    assert 84.5 < numbers(lines[-1])[0] < 87.0


def test_bmi_csv_is_what_its_generator_makes(tmp_path):
    out = tmp_path / "bmi.csv"
    subprocess.run([sys.executable, os.path.join(EXAMPLES, "data", "make_bmi.py"),
                    "-o", str(out)], check=True, capture_output=True)
    with open(os.path.join(EXAMPLES, "data", "bmi.csv"), "rb") as committed:
        assert out.read_bytes() == committed.read()
    lines = out.read_text().splitlines()
    assert lines[0] == "height,weight,label" and len(lines) == 20001
    for line in lines[1:200]:
        h, w, label = line.split(",")
        h, w = int(h), int(w)
        bmi = w / (h / 100) ** 2
        assert 120 <= h <= 200 and 35 <= w <= 80
        assert label == ("thin" if bmi < 18.5 else "normal" if bmi < 25 else "fat")


def test_keras_bmi_trains_with_fit_and_early_stopping(runs):
    lines = output(runs, "keras_bmi")
    assert lines[1].startswith("Layer (type)") and "Total params: 4,547" in lines
    epochs = [line for line in lines if line.startswith("Epoch ")]
    assert epochs[0] == "Epoch 1/6" and len(epochs) <= 6
    assert lines[-1].startswith("test loss = ") and numbers(lines[-1])[1] >= 0.9
