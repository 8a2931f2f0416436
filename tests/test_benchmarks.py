"""The benchmarks compare like with like: each hand-written NumPy step does the graph's math."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))
import workloads as W  # noqa: E402

PAIRS = {**W.bmi_workloads(), **W.regression_workloads()}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_numpy_baseline_matches_flowgraph(name):
    fg_step, np_step = PAIRS[name]["flowgraph"], PAIRS[name]["numpy"]
    for _ in range(3):
        fg_step()
        np_step()
    got, want = fg_step.params(), np_step.params()
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-6)
    assert any(np.any(g != 0) for g in got)  # the steps really moved something


def test_mlp_baseline_matches_flowgraph():
    fg_step = W.mlp_fg(W.fg, 64, 32)
    model = W.MlpNumpy(64, 32)
    for _ in range(3):
        fg_step()
        model.step()
    for g, w in zip(fg_step.params(), model.p):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)


def test_overhead_workloads_compute_the_same_values():
    for name, impls in W.overhead_workloads().items():
        np.testing.assert_allclose(impls["flowgraph"](), impls["numpy"](), err_msg=name)


# --- benchmarks/gpu.py ------------------------------------------------------------------------
import gpu as G  # noqa: E402
from fake_cupy import FakeCupy  # noqa: E402


def test_gpu_benchmarks_skip_in_one_line_without_a_gpu(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "cupy", None)
    assert G.main([]) == 0
    out = capsys.readouterr().out
    assert out == ("benchmarks/gpu.py: skipped, no GPU to run on (CuPy: not installed "
                   "(pip install flowgraph[gpu]))\n")


def test_gpu_benchmarks_run_on_a_cupy_stand_in(monkeypatch, capsys):
    """The GPU code path without a GPU: same math on both sides (checked first), one row."""
    fake = FakeCupy()
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(G, "SIZES", (("MLP 784-16-10, batch 8", 16, 8),))
    timed = G.per_step
    monkeypatch.setattr(G, "per_step", lambda cp, fn, min_time: timed(cp, fn, 1e-3, warmup=1))
    with fake.cuda.Device(0):  # the hand-written CuPy steps run on the current device
        assert G.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "flowgraph GPU benchmarks on Fake GPU" in out
    assert "| MLP 784-16-10, batch 8 |" in out and fake.synced > 0


# --- benchmarks/networks.py -------------------------------------------------------------------
import networks as N  # noqa: E402


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_cnn_baseline_matches_flowgraph(optimizer):
    fg_step, model = N.cnn_fg(8, optimizer=optimizer), N.CnnNumpy(8, optimizer)
    for _ in range(3):
        fg_step()
        model.step()
    for g, w in zip(fg_step.params(), model.p):
        np.testing.assert_allclose(g, w, rtol=2e-3, atol=2e-5)
    assert not np.allclose(model.p[0], N.cnn_init()[0])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_lstm_baseline_matches_flowgraph(optimizer):
    fg_step = N.lstm_fg(4, units=8, optimizer=optimizer)
    model = N.LstmNumpy(4, fg_step.initial, optimizer)
    for _ in range(3):
        fg_step()
        model.step()
    for g, w in zip(fg_step.params(), model.p):
        np.testing.assert_allclose(g, w, rtol=2e-3, atol=2e-5)
    assert not np.allclose(model.p[0], fg_step.initial[0])


import kernels as K  # noqa: E402


def test_kernel_tables_compare_equal_results():
    # each table asserts its formulations agree before timing them
    for table in (K.gradient_sum_table, K.max_pool_grad_table, K.sigmoid_table):
        rows = table(0.001)
        assert rows and all(r[1] > 0 and r[2] > 0 for r in rows)


# --- benchmarks/keras_fit.py ------------------------------------------------------------------
import keras_fit as KF  # noqa: E402


@pytest.mark.parametrize("name", sorted(KF.SPECS))
def test_keras_fit_baseline_matches_flowgraph(name):
    """An epoch of two and a half batches (and the validation split) from the same weights and
    the same shuffle: fit and the hand-written loop end with the same weights and logs."""
    import flowgraph.keras as keras
    sizes, activation, loss, batch_size, rows, split = spec = KF.SPECS[name]
    rows = int(batch_size * 2.5 / (1.0 - split))
    x, y = KF.make_data(sizes, rows)
    weights = KF.initial_weights(sizes)
    model = KF.build_model(keras, sizes, activation, loss, weights)
    fg_step, np_step = KF.fit_step(model, x, y, batch_size, split), KF.numpy_step(spec, x, y)
    np.random.seed(3)
    fg_step()
    np.random.seed(3)
    np_step()
    for g, w, w0 in zip(fg_step.params(), np_step.params(), weights):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)
        assert not np.array_equal(w, w0)  # every parameter moved
    logs = {k: v[-1] for k, v in model.history.history.items()}
    assert sorted(logs) == sorted(np_step.loop.logs)
    for k, v in np_step.loop.logs.items():
        np.testing.assert_allclose(logs[k], v, rtol=1e-5, err_msg=k)
