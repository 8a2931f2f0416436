"""Convolution and pooling as TF 1.x computes them: the uneven SAME split, max-pool ties, average
pooling over real elements, conv1d and conv2d_transpose, the adjoint identity, the gradient ops
TF's nn_grad.py builds, and build-time errors that name the op, the shapes and the user's line.
Forward values, gradients (first and second order) and shape rules of every op are also checked
from the table in op_cases_conv.py by tests/test_ops.py.

Run: .venv/bin/python -m pytest -q tests/test_conv.py
"""
from __future__ import annotations

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.export.graphdef import node_def
from flowgraph.ops.conv_ops import (conv1d, conv2d, conv2d_backprop_filter,
                                    conv2d_backprop_input, conv2d_transpose)
from flowgraph.ops.pool_ops import avg_pool, avg_pool2d, max_pool, max_pool2d

from op_cases_conv import ref_backprop_input, ref_conv

HERE = __file__
RNG = np.random.default_rng(7)


def where(marker: str) -> str:
    """'this file:line' of the line that ends with `# <marker>`."""
    with open(HERE) as f:
        found = [i for i, text in enumerate(f, 1) if text.rstrip().endswith(f"# <{marker}>")]
    assert len(found) == 1, marker
    return f"{HERE}:{found[0]}"


def run(fetches, feeds=None, device=None):
    with tf.Session(device=device) as sess:
        return sess.run(fetches, feeds)


def row(values):
    """A [1, 1, W, 1] NHWC image of one row."""
    return np.asarray(values, dtype=np.float64).reshape(1, 1, -1, 1)


# --- TF's SAME padding: the odd pad goes after ----------------------------------------------
def test_same_padding_puts_the_extra_pad_after(backend):
    x = row([1, 2, 3, 4, 5])
    # k=2, stride 1: pad_total 1 -> 0 before, 1 after
    k2 = conv2d(x, row([1, 10]).reshape(1, 2, 1, 1), 1, "SAME")
    # k=4, stride 1: pad_total 3 -> 1 before, 2 after
    k4 = conv2d(x, row([1, 10, 100, 1000]).reshape(1, 4, 1, 1), 1, "SAME")
    # k=3, stride 2 on width 4: out 2, pad_total (2-1)*2 + 3 - 4 = 1 -> 0 before, 1 after
    s2 = conv2d(x[:, :, :4], row([1, 10, 100]).reshape(1, 3, 1, 1), [1, 2], "SAME")
    got = run([k2, k4, s2], device=backend)
    np.testing.assert_array_equal(got[0].ravel(), [21, 32, 43, 54, 5])
    np.testing.assert_array_equal(got[1].ravel(), [3210, 4321, 5432, 543, 54])
    np.testing.assert_array_equal(got[2].ravel(), [321, 43])
    # the same along the height axis
    col = conv2d(x.reshape(1, 5, 1, 1), np.array([1.0, 10.0]).reshape(2, 1, 1, 1), 1, "SAME")
    np.testing.assert_array_equal(run(col, device=backend).ravel(), [21, 32, 43, 54, 5])


def test_same_padding_of_pools_goes_after_too(backend):
    x = row([1, 2, 3, 4])
    # k=3, stride 2: windows [0..2] and [2..3 + one pad]; pad before would give [2, 4]
    got = run([max_pool(x, [1, 3], [1, 2], "SAME"), avg_pool(x, [1, 3], [1, 2], "SAME")],
              device=backend)
    np.testing.assert_array_equal(got[0].ravel(), [3, 4])
    np.testing.assert_array_equal(got[1].ravel(), [2, 3.5])


# --- max pooling: ties, overlaps, -inf padding ------------------------------------------------
def _max_pool_grad(x, ksize, strides, padding, dy, backend):
    xt = tf.constant(x)
    y = max_pool(xt, ksize, strides, padding)
    (dx,) = tf.gradients(y, [xt], grad_ys=tf.constant(dy))
    assert dx.op.type == "MaxPoolGrad"
    return run(dx, device=backend)


def test_max_pool_tie_sends_the_gradient_to_the_first_max(backend):
    x = np.array([[[1.0], [1.0]], [[1.0], [1.0]]])[None]  # one 2x2 window, all equal
    dx = _max_pool_grad(x, 2, 2, "VALID", np.array([[[[5.0]]]]), backend)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[5, 0], [0, 0]])
    x = np.array([[0.0, 7.0], [7.0, 7.0]]).reshape(1, 2, 2, 1)  # first max in row-major order
    dx = _max_pool_grad(x, 2, 2, "VALID", np.array([[[[5.0]]]]), backend)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 5], [0, 0]])


@pytest.mark.parametrize("shape,k,padding", [
    ((2, 6, 8, 3), (2, 2), "VALID"), ((2, 7, 5, 2), (2, 2), "VALID"),  # the last row cut off
    ((1, 6, 6, 2), (3, 2), "SAME"), ((2, 4, 6, 1), (2, 3), "VALID")],
    ids=["2x2", "2x2-crop", "3x2-same", "2x3"])
def test_tiling_windows_take_the_fast_path_with_tf_ties(shape, k, padding, backend):
    from op_cases_conv import ref_max_pool_grad
    x = np.round(RNG.uniform(0, 2, shape))  # many ties within windows
    out_h, out_w = -(-shape[1] // k[0]) if padding == "SAME" else shape[1] // k[0], \
        -(-shape[2] // k[1]) if padding == "SAME" else shape[2] // k[1]
    dy = RNG.standard_normal((shape[0], out_h, out_w, shape[3]))
    got = _max_pool_grad(x, [1, *k, 1], [1, *k, 1], padding, dy, backend)
    np.testing.assert_array_equal(got, ref_max_pool_grad(x, dy, k, k, padding))


def test_overlapping_windows_accumulate(backend):
    dy = np.array([1.0, 10.0, 100.0, 1000.0]).reshape(1, 2, 2, 1)
    x = np.ones((1, 3, 3, 1))  # every window ties: each sends to its own top-left
    dx = _max_pool_grad(x, 2, 1, "VALID", dy, backend)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 10, 0], [100, 1000, 0], [0, 0, 0]])
    x = np.zeros((1, 3, 3, 1))
    x[0, 1, 1, 0] = 1.0  # the centre wins all four windows
    dx = _max_pool_grad(x, 2, 1, "VALID", dy, backend)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 0, 0], [0, 1111, 0], [0, 0, 0]])


def test_max_pool_padding_never_wins(backend):
    x = -1 - np.arange(12.0).reshape(1, 3, 4, 1)  # all negative: zero padding would win
    y = max_pool(x, 3, 2, "SAME")
    np.testing.assert_array_equal(run(y, device=backend)[0, :, :, 0], [[-1, -3], [-5, -7]])


def test_max_pool_grad_grad_is_the_adjoint_with_ties(backend):
    x = np.round(RNG.uniform(0, 2, (2, 5, 6, 3)))  # many ties
    dy, g = RNG.standard_normal((2, 3, 3, 3)), RNG.standard_normal(x.shape)
    xt, dyt = tf.constant(x), tf.constant(dy)
    (dx,) = tf.gradients(max_pool(xt, 3, 2, "SAME"), [xt], grad_ys=dyt)
    (gg,) = tf.gradients(dx, [dyt], grad_ys=tf.constant(g))
    assert gg.op.type == "MaxPoolGradGrad"
    dx_v, gg_v = run([dx, gg], device=backend)
    np.testing.assert_allclose((dx_v * g).sum(), (dy * gg_v).sum(), rtol=1e-12)


# --- average pooling divides by the real elements ---------------------------------------------
def test_avg_pool_same_counts_only_real_elements(backend):
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    y = avg_pool(x, 2, 1, "SAME")  # pad_total 1: all after
    got = run([y, avg_pool(np.ones((2, 5, 4, 3)), 3, 2, "SAME")], device=backend)
    np.testing.assert_allclose(got[0][0, :, :, 0], [[3, 4, 4.5], [6, 7, 7.5], [7.5, 8.5, 9]])
    np.testing.assert_array_equal(got[1], np.ones((2, 3, 2, 3)))


def test_avg_pool_gradient_shares_by_real_counts(backend):
    xt = tf.constant(np.zeros((1, 3, 3, 1)))
    (dx,) = tf.gradients(tf.reduce_sum(avg_pool(xt, 2, 1, "SAME")), [xt])
    assert dx.op.type == "AvgPoolGrad"
    # window counts [[4, 4, 2], [4, 4, 2], [2, 2, 1]]; input (r, q) is in windows r-1..r, q-1..q
    want = [[1 / 4, 2 / 4, 1 / 4 + 1 / 2], [2 / 4, 1, 1.5], [1 / 4 + 1 / 2, 1.5, 2.25]]
    np.testing.assert_allclose(run(dx, device=backend)[0, :, :, 0], want)


def test_pool_aliases_and_argument_forms(backend):
    x = RNG.standard_normal((2, 6, 5, 3))
    a = run([max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), max_pool2d(x, 2, 2, "VALID"),
             avg_pool(input=x, ksize=[2, 2], strides=2, padding="VALID"),
             avg_pool2d(x, 2, [2], "VALID")], device=backend)
    np.testing.assert_array_equal(a[0], a[1])
    np.testing.assert_array_equal(a[2], a[3])
    np.testing.assert_allclose(a[2], x[:, :6, :4].reshape(2, 3, 2, 2, 2, 3).mean((2, 4)))


# --- conv1d, conv2d_transpose, the adjoint identity ------------------------------------------
def test_conv1d_against_numpy(backend):
    x, w = RNG.standard_normal((3, 11, 4)), RNG.standard_normal((3, 4, 5))
    cases = [(conv1d(x, w, 2, "SAME"), ref_conv(x[:, None], w[None], (1, 2), "SAME")[:, 0]),
             (conv1d(x, w, 1, "VALID", dilations=2),
              ref_conv(x[:, None], w[None], (1, 1), "VALID", (1, 2))[:, 0]),
             (conv1d(x.transpose(0, 2, 1), w, [3], "SAME", data_format="NCW"),
              ref_conv(x[:, None], w[None], (1, 3), "SAME")[:, 0].transpose(0, 2, 1))]
    got = run([c[0] for c in cases], device=backend)
    for (y, want), value in zip(cases, got):
        assert y.shape.as_list() == list(want.shape)
        np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-12)
    assert cases[0][0].op.type == "Squeeze" and cases[0][0].op.inputs[0].op.type == "Conv2D"


@pytest.mark.parametrize("strides, padding, dil", [
    ((2, 2), "SAME", (1, 1)), ((2, 3), "VALID", (1, 1)), ((1, 1), "SAME", (2, 1)),
    ((3, 1), "SAME", (1, 1))])
def test_conv2d_transpose_against_numpy_and_adjoint(backend, strides, padding, dil):
    x, w = RNG.standard_normal((2, 7, 8, 3)), RNG.standard_normal((3, 2, 3, 4))
    y_ref = ref_conv(x, w, strides, padding, dil)
    y = RNG.standard_normal(y_ref.shape)
    conv = conv2d(x, w, strides, padding, dilations=dil)
    tr = conv2d_transpose(y, w, x.shape, strides, padding, dilations=dil)
    assert tr.op.type == "Conv2DBackpropInput" and tr.op.name == "conv2d_transpose"
    assert tr.shape.as_list() == list(x.shape)
    conv_v, tr_v = run([conv, tr], device=backend)
    np.testing.assert_allclose(conv_v, y_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tr_v, ref_backprop_input(x.shape, w, y, strides, padding, dil),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((conv_v * y).sum(), (x * tr_v).sum(), rtol=1e-12)


def test_conv2d_argument_forms_and_float32(backend):
    x, w = RNG.standard_normal((2, 6, 5, 3)), RNG.standard_normal((3, 3, 3, 2))
    want = ref_conv(x, w, (2, 2), "SAME")
    x32 = tf.constant(x.astype(np.float32))
    forms = [conv2d(x, w, [1, 2, 2, 1], "SAME"), conv2d(x, filters=w, strides=2, padding="SAME"),
             conv2d(x, w, [2, 2], "SAME", dilations=1), conv2d(x32, w, 2, "SAME")]
    assert forms[3].dtype is tf.float32  # the filter takes the input's dtype
    got = run(forms, device=backend)
    for value in got[:3]:
        np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-12)
    assert got[3].dtype == np.float32
    np.testing.assert_allclose(got[3], want, rtol=1e-4, atol=1e-4)


def test_gradient_ops_are_tfs_and_export_their_attrs():
    x = tf.placeholder(tf.float32, [None, 6, 6, 3])
    w = tf.Variable(np.zeros((3, 3, 3, 4), np.float32))
    y = conv2d(x, w, [1, 2, 2, 1], "SAME", name="conv")
    gx, gw = tf.gradients(tf.reduce_sum(y), [x, w])
    assert (gx.op.type, gw.op.type) == ("Conv2DBackpropInput", "Conv2DBackpropFilter")
    assert gx.shape.as_list() == [None, 6, 6, 3] and gw.shape.as_list() == [3, 3, 3, 4]
    attrs = node_def(y.op).attr
    assert list(attrs["strides"].list.i) == [1, 2, 2, 1] and attrs["padding"].s == b"SAME"
    assert attrs["data_format"].s == b"NHWC" and list(attrs["dilations"].list.i) == [1, 1, 1, 1]
    p = max_pool(x, 2, 2, "VALID")
    assert list(node_def(p.op).attr["ksize"].list.i) == [1, 2, 2, 1]
    (gp,) = tf.gradients(tf.reduce_sum(p), [x])
    assert gp.op.type == "MaxPoolGrad" and gp.shape.as_list() == [None, 6, 6, 3]


def test_static_shapes_with_unknown_dims():
    x = tf.placeholder(tf.float32, [None, None, 9, 3])
    assert conv2d(x, tf.zeros([3, 3, 3, 8]), 2, "SAME").shape.as_list() == [None, None, 5, 8]
    assert conv2d(tf.placeholder(tf.float32), tf.zeros([3, 3, 3, 8]), 1, "VALID") \
        .shape.as_list() == [None, None, None, 8]
    assert max_pool(x, 3, 2, "VALID").shape.as_list() == [None, None, 4, 3]
    sizes = tf.placeholder(tf.int32, [4])
    dx = conv2d_backprop_input(sizes, tf.zeros([3, 3, 3, 8]), tf.zeros([2, 4, 4, 8]), 1, "SAME")
    assert dx.shape.as_list() == [2, None, None, 3]
    dw = conv2d_backprop_filter(x, sizes, tf.zeros([2, 4, 5, 8]), 2, "SAME")
    assert dw.shape.as_list() == [None, None, 3, 8]


# --- errors that name the op, the shapes and the line -----------------------------------------
def _z(*shape):
    return tf.placeholder(tf.float32, list(shape))


ERRORS = {  # marker: (build, exception type, texts the message must hold)
    "channels": (lambda: conv2d(_z(2, 5, 7, 3), _z(3, 3, 4, 8), 1, "SAME"),  # <channels>
                 ValueError, ["Conv2D", "[2, 5, 7, 3]", "[3, 3, 4, 8]", "3", "4"]),
    "rank": (lambda: conv2d(_z(5, 7, 3), _z(3, 3, 3, 8), 1, "SAME"),  # <rank>
             ValueError, ["Conv2D", "4-D", "[5, 7, 3]"]),
    "padding": (lambda: conv2d(_z(2, 5, 7, 3), _z(3, 3, 3, 8), 1, "same"),  # <padding>
                ValueError, ["Conv2D", "'same'", "SAME", "VALID"]),
    "batch_stride": (lambda: conv2d(_z(2, 5, 7, 3), _z(3, 3, 3, 8), [2, 1, 1, 1],  # <batch_stride>
                                    "SAME"), ValueError, ["Conv2D", "batch", "[2, 1, 1, 1]", "[2, 5, 7, 3]"]),
    "too_big": (lambda: conv2d(_z(2, 2, 7, 3), _z(3, 3, 3, 8), 1, "VALID"),  # <too_big>
                ValueError, ["Conv2D", "VALID", "[2, 2, 7, 3]", "[3, 3, 3, 8]"]),
    "dtype": (lambda: conv2d(tf.placeholder(tf.int32, [1, 3, 3, 1]),  # <dtype>
                             tf.placeholder(tf.int32, [1, 1, 1, 1]), 1, "SAME"),
              TypeError, ["Conv2D", "int32"]),
    "transpose": (lambda: conv2d_transpose(_z(2, 3, 4, 5), _z(3, 3, 2, 6),  # <transpose>
                                           [2, 6, 8, 2], 2), ValueError,
                  ["Conv2DBackpropInput", "[3, 3, 2, 6]", "[2, 3, 4, 5]"]),
    "backprop_out": (lambda: conv2d_backprop_input([2, 6, 8, 2], _z(3, 3, 2, 6),  # <backprop_out>
                                                   _z(2, 3, 5, 6), 2, "SAME"), ValueError,
                     ["Conv2DBackpropInput", "width", "4", "5"]),
    "pool_padding": (lambda: max_pool(_z(2, 5, 7, 3), 2, 2, "FULL"),  # <pool_padding>
                     ValueError, ["MaxPool", "'FULL'", "[2, 5, 7, 3]"]),
    "pool_depth": (lambda: avg_pool(_z(2, 5, 7, 3), [1, 2, 2, 3], 1, "SAME"),  # <pool_depth>
                   ValueError, ["AvgPool", "ksize", "[1, 2, 2, 3]", "[2, 5, 7, 3]"]),
    "pool_rank": (lambda: max_pool(_z(5, 7), 2, 2, "SAME"),  # <pool_rank>
                  ValueError, ["MaxPool", "[5, 7]"]),
    "format": (lambda: conv2d(_z(2, 5, 7, 3), _z(3, 3, 3, 8), 1, "SAME",  # <format>
                              data_format="NWHC"), ValueError, ["Conv2D", "'NWHC'"]),
}


@pytest.mark.parametrize("marker", sorted(ERRORS))
def test_build_time_errors_name_the_op_shapes_and_line(marker):
    build, exc, texts = ERRORS[marker]
    with pytest.raises(exc) as e:
        build()
    msg = str(e.value)
    for text in texts:
        assert text in msg, (text, msg)
    assert where(marker) in msg, msg
    assert len(msg.splitlines()) <= 4 and e.value.__cause__ is None


def test_run_time_mismatch_names_the_op():
    x = tf.placeholder(tf.float64, [None, None, None, None])
    y = conv2d(x, np.zeros((3, 3, 2, 4)), 1, "SAME", name="late")  # <late>
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        run(y, {x: np.zeros((1, 5, 5, 3))})
    msg = str(e.value)
    assert "'late'" in msg and "3" in msg and "2" in msg and where("late") in msg
