"""Devices: choosing one, the errors without CuPy or a CUDA device, the GPU backend's code on
a CuPy stand-in, the strict test backend itself, and `flowgraph run --device` / `flowgraph info`.

The GPU backend (`CupyBackend`) is exercised here on a CuPy stand-in (tests/fake_cupy.py:
CuPy's documented surface over the strict backend's arrays). Tests on a real GPU are in
test_gpu.py (marked `cuda`).
"""
import os
import sys
import textwrap
import types

import numpy as np
import pytest
from click.testing import CliRunner

import bmi_like
import flowgraph as tf
from flowgraph import backend as B
from flowgraph.cli.main import main
from fake_cupy import FakeCupy
from strict_backend import StrictArray, StrictBackend


@pytest.fixture(autouse=True)
def fresh_graph(monkeypatch):
    monkeypatch.delenv(B.ENV_DEVICE, raising=False)  # each test says which device it wants
    with tf.Graph().as_default() as g:
        yield g


# --- CuPy missing, broken, or a stand-in -----------------------------------------------------
@pytest.fixture
def fake_cupy(monkeypatch):
    """Install a CuPy stand-in with one device; returns it (set .count etc. via the factory)."""
    def install(count=1, fail=None):
        module = FakeCupy(count, fail)
        monkeypatch.setitem(sys.modules, "cupy", module)
        return module
    return install


@pytest.fixture
def no_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ModuleNotFoundError


def _train_bmi(device, steps=5):
    """The BMI model trained a few steps on `device` in a graph of its own; returns
    (session, fetched W, b, loss, accuracy)."""
    with tf.Graph().as_default():
        m = bmi_like.build(tf)
        xs, ys = bmi_like.data(200)
        sess = tf.Session(device=device)
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(m.train, {m.x: xs, m.y_: ys})
        return sess, sess.run([m.W, m.b, m.cross_entropy, m.accuracy], {m.x: xs, m.y_: ys})


# --- choosing a device -------------------------------------------------------------------------
@pytest.mark.parametrize("text, want", [
    ("gpu", ("gpu", 0)), ("gpu:1", ("gpu", 1)), ("/gpu:0", ("gpu", 0)),
    ("/device:GPU:2", ("gpu", 2)), ("cuda:0", ("cuda", 0)), ("CPU", ("cpu", 0)),
    ("cpu:0", ("cpu", 0))])
def test_device_spellings(text, want):
    assert B.parse_device(text) == want


@pytest.mark.parametrize("text", ["tpu", "gpu:x", "gpu:-1", "gpu:1.5", "metal"])
def test_unknown_devices_are_a_value_error(text):
    with pytest.raises(ValueError, match="Unknown device .*use 'cpu', 'gpu' or 'gpu:N'"):
        tf.Session(device=text)


def test_default_is_the_cpu():
    with tf.Session() as sess:
        assert sess._runtime.backend is B.CPU


def test_flowgraph_device_is_honoured(monkeypatch, no_cupy):
    monkeypatch.setenv(B.ENV_DEVICE, "strict")
    with tf.Session() as sess:
        assert isinstance(sess._runtime.backend, StrictBackend)
    with tf.Session(device="cpu") as sess:  # an explicit device wins
        assert sess._runtime.backend is B.CPU
    monkeypatch.setenv(B.ENV_DEVICE, "gpu")
    with pytest.raises(RuntimeError, match=r"pip install flowgraph\[gpu\]"):
        tf.Session()
    monkeypatch.setenv(B.ENV_DEVICE, "tpu")
    with pytest.raises(ValueError, match=r"'tpu' \(from \$FLOWGRAPH_DEVICE\)"):
        tf.Session()


def test_on_every_backend_sets_the_default_device(on_every_backend):
    with tf.Session() as sess:
        assert sess._runtime.backend.name.split(":")[0] == on_every_backend


def test_device_scopes_are_accepted_and_place_nothing(graph=None):
    """TF1's tf.device: accepted anywhere; placement is per session, for the whole graph."""
    with tf.device("/gpu:0"):
        a = tf.constant([1.0, 2.0])
        with tf.device("/cpu:0"), tf.device(None), tf.device("/job:worker/device:GPU:1"):
            b = a * 3.0
    with tf.Session(device="cpu") as sess:
        np.testing.assert_array_equal(sess.run(b), [3.0, 6.0])
    with tf.Session(device="strict") as sess:
        np.testing.assert_array_equal(sess.run(b), [3.0, 6.0])


# --- without CuPy, without a device ----------------------------------------------------------
def test_gpu_without_cupy_says_so_and_how_to_install(no_cupy):
    with pytest.raises(RuntimeError) as e:
        tf.Session(device="gpu")
    msg = str(e.value)
    assert "needs CuPy, which is not installed" in msg
    assert "pip install flowgraph[gpu]" in msg and "device='cpu'" in msg
    assert B.cuda_device_count() == 0
    assert B.gpu_status() == "CuPy: not installed (pip install flowgraph[gpu])"


def test_gpu_with_a_broken_cupy_says_it_cannot_be_imported(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "cupy":
            raise ImportError("libcudart.so.12: cannot open shared object file")
        return real_import(name, *args, **kwargs)
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(RuntimeError, match="installed but cannot be imported.*libcudart.*"
                                           r"pip install flowgraph\[gpu\]"):
        tf.Session(device="gpu")


def test_gpu_without_cuda_says_cuda_is_not_usable(fake_cupy):
    fake_cupy(fail=RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is "
                                "insufficient for CUDA runtime version"))
    with pytest.raises(RuntimeError, match="needs a CUDA device, but CUDA is not usable here "
                                           r"\(RuntimeError: cudaErrorInsufficientDriver"):
        tf.Session(device="gpu")
    assert B.cuda_device_count() == 0
    assert "no usable CUDA" in B.gpu_status()


def test_gpu_without_a_device_says_none_was_found(fake_cupy):
    fake_cupy(count=0)
    with pytest.raises(RuntimeError, match="needs a CUDA device, and CuPy found none"):
        tf.Session(device="gpu")
    assert B.gpu_status() == "CuPy 14.0.0 (fake): no CUDA device found"


def test_a_device_number_out_of_range_names_the_range(fake_cupy):
    fake_cupy(count=1)
    with pytest.raises(RuntimeError, match=r"'gpu:3' does not exist: 1 CUDA device\(s\) found, "
                                           r"so use gpu:0 \.\. gpu:0"):
        tf.Session(device="gpu:3")


# --- the GPU backend's code, on the CuPy stand-in ---------------------------------------------
def test_gpu_backend_trains_as_the_cpu_does(fake_cupy):
    cp = fake_cupy(count=2)
    cpu_sess, want = _train_bmi("cpu")
    sess, got = _train_bmi("gpu:1")
    assert sess._runtime.backend.name == "gpu:1"
    for g, w in zip(got, want):
        assert type(g) is type(w)
        np.testing.assert_allclose(g, w, rtol=1e-6)
    assert all(isinstance(v, StrictArray) for v in sess._runtime.variables.values())
    assert set(cp.entered) == {1}  # every copy and every kernel ran with gpu:1 current
    assert set(cp.allocated_on) == {1}
    assert cp.synced > 0
    sess.close()
    cpu_sess.close()
    assert cp.freed == 2  # the device and pinned memory pools


def test_gpu_fetches_are_numpy_as_on_the_cpu(fake_cupy):
    fake_cupy()
    x = tf.placeholder(tf.float32, [None, 2])
    total = tf.reduce_sum(x, name="total")
    both = tf.summary.merge([tf.summary.text("note", "some text"),
                             tf.summary.scalar("total", total)])
    fetches = [total, x[:1, :1], x * 2, both]
    feed = {x: [[1.0, 2.0], [3.0, 4.0]]}
    with tf.Session(device="cpu") as sess:
        want = sess.run(fetches, feed)
    with tf.Session(device="gpu") as sess:
        got = sess.run(fetches, feed)
    for g, w in zip(got, want):
        assert type(g) is type(w)
        assert np.array_equal(g, w) if not isinstance(w, bytes) else g == w
    assert type(got[0]) is np.float32 and float(got[1]) == 1.0


def test_gpu_status_names_each_device(fake_cupy):
    fake_cupy(count=2)
    assert B.gpu_status() == ("CuPy 14.0.0 (fake): gpu:0 (Fake GPU, 16.0 GiB), "
                              "gpu:1 (Fake GPU, 16.0 GiB)")
    assert B.cuda_device_count() == 2


# --- the strict backend stands in for CuPy faithfully -----------------------------------------
def test_strict_backend_refuses_what_cupy_refuses():
    be = StrictBackend()
    xp = be.xp
    with be.scope():
        a = be.to_device(np.arange(3.0))
        with pytest.raises(TypeError, match="implicit conversion"):
            np.asarray(a)
        with pytest.raises(TypeError, match="NumPy array reached a device function"):
            xp.add(a, np.ones(3))
        with pytest.raises(TypeError, match="NumPy array reached a device function"):
            a + np.ones(3)
        with pytest.raises(TypeError, match="CuPy has no arrays of dtype"):
            xp.asarray(["text"])
        with pytest.raises(AttributeError, match="no attribute 'errstate'"):
            xp.errstate
        with pytest.raises(AttributeError, match="no attribute 'resize'"):
            a.resize
        assert not hasattr(a.flags, "writeable")
        assert isinstance(xp.exp(a), StrictArray) and isinstance(a.sum(), StrictArray)
    with pytest.raises(RuntimeError, match="outside Backend.scope"):
        xp.exp(a)
    with pytest.raises(TypeError, match="CuPy has no arrays of dtype"):
        be.to_device(np.array(["text"]))
    with pytest.raises(TypeError, match="host value came out of a device computation"):
        be.to_host(np.ones(2))
    np.testing.assert_array_equal(be.to_host(a), [0.0, 1.0, 2.0])


# --- the command line -------------------------------------------------------------------------
def _script(tmp_path, text):
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_run_device_option_sets_the_device_for_the_script(tmp_path, monkeypatch):
    monkeypatch.setenv(B.ENV_DEVICE, "cpu")
    prog = _script(tmp_path, """
        import os
        import tensorflow as tf
        with tf.Session() as sess:
            print(sess._runtime.backend.name, os.environ["FLOWGRAPH_DEVICE"])
            print(sess.run(tf.constant(2.0) * 3.0))
        """)
    result = CliRunner().invoke(main, ["run", "--no-log", "--device", "strict", prog])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["strict strict", "6.0"]
    assert os.environ[B.ENV_DEVICE] == "cpu"  # restored after the script


def test_run_device_gpu_without_cupy_fails_with_the_install_hint(tmp_path, no_cupy):
    prog = _script(tmp_path, """
        import tensorflow as tf
        sess = tf.Session()
        """)
    result = CliRunner().invoke(main, ["run", "--no-log", "--device", "gpu", prog])
    assert result.exit_code == 1
    assert "RuntimeError: device='gpu' needs CuPy" in result.output
    assert "pip install flowgraph[gpu]" in result.output
    assert B.ENV_DEVICE not in os.environ


def test_run_device_option_rejects_unknown_devices(tmp_path):
    prog = _script(tmp_path, "print('never runs')\n")
    result = CliRunner().invoke(main, ["run", "--device", "tpu", prog])
    assert result.exit_code == 2
    assert "Invalid value for '--device'" in result.output and "never runs" not in result.output


def test_info_prints_versions_blas_and_the_gpu(no_cupy):
    result = CliRunner().invoke(main, ["info"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"flowgraph {tf.__version__}"
    assert lines[1].startswith("Python ") and lines[2] == f"NumPy {np.__version__}"
    assert lines[3].startswith("BLAS (NumPy's): ") and lines[3] != "BLAS (NumPy's): "
    assert lines[4] == "GPU: CuPy: not installed (pip install flowgraph[gpu])"
    assert lines[5] == "default device: cpu"
    assert result.output.splitlines() == B.system_info()


def test_info_names_the_devices(fake_cupy, monkeypatch):
    fake_cupy(count=1)
    monkeypatch.setenv(B.ENV_DEVICE, "gpu")
    out = CliRunner().invoke(main, ["info"]).output
    assert "GPU: CuPy 14.0.0 (fake): gpu:0 (Fake GPU, 16.0 GiB)" in out
    assert "default device: gpu (from $FLOWGRAPH_DEVICE)" in out


def test_blas_info_reads_numpy_2_and_older_configs(monkeypatch):
    assert B.blas_info() != ""

    def dicts(mode="stdout"):
        return {"Build Dependencies": {"blas": {"name": "openblas", "version": "0.3.27"}}}
    monkeypatch.setattr(np, "show_config", dicts)
    assert B.blas_info() == "openblas 0.3.27"

    def old_show_config():  # NumPy < 1.26 takes no mode
        return None
    old = types.SimpleNamespace(get_info=lambda name: {"libraries": ["openblas", "openblas"]}
                                if name == "blas_opt_info" else {})
    monkeypatch.setattr(np, "show_config", old_show_config)
    monkeypatch.setattr(np, "__config__", old)
    assert B.blas_info() == "openblas"
