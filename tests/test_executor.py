"""The two executors of a plan agree: the generated code and the reference loop give the same
values and the same errors for every case of the op table, gradients included."""
from __future__ import annotations

import numpy as np
import pytest

import flowgraph as tf
from flowgraph import executor, registry

from op_cases import CASES, COMPOSITES

EVERY = [c for cs in CASES.values() for c in cs] + [c for cs in COMPOSITES.values() for c in cs]
KINDS = ("generated", "reference")


def _differentiable(c) -> bool:
    return c.op in COMPOSITES or registry.get(c.op).grad is not registry.NOT_DIFFERENTIABLE


def _build(c):
    """A graph with the case's output and, where it has one, the gradient of a projection of
    it with respect to every float input; and the feeds."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape, name=f"in{i}")
               for i, a in enumerate(c.inputs)]
        out = c.build(*phs)
        fetches = [out]
        floats = [p for p in phs if p.dtype.is_floating]
        if _differentiable(c) and out.dtype.is_floating and floats:
            weights = np.random.default_rng(7).standard_normal(
                [1 if d is None else d for d in out.shape.as_list()] if out.shape.dims else [])
            scalar = tf.reduce_sum(out * tf.constant(weights, dtype=out.dtype))
            fetches += [gr for gr in tf.gradients(scalar, floats) if gr is not None]
        init = tf.global_variables_initializer() if c.init else None
    return g, fetches, dict(zip(phs, c.inputs)), init


def _run(kind, monkeypatch, g, fetches, feeds, init):
    monkeypatch.setenv(executor.ENV_EXECUTOR, kind)
    with tf.Session(graph=g) as sess:
        if init is not None:
            sess.run(init, feeds)
        return sess.run(fetches, feeds)


@pytest.mark.parametrize("c", [pytest.param(c, id=c.id) for c in EVERY])
def test_both_executors_give_the_same_values(c, monkeypatch):
    g, fetches, feeds, init = _build(c)
    generated, reference = (_run(kind, monkeypatch, g, fetches, feeds, init) for kind in KINDS)
    for a, b in zip(generated, reference):
        if isinstance(a, bytes):  # a serialized summary
            assert a == b
        else:
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_both_executors_name_the_failing_op_its_shapes_and_the_users_line(monkeypatch):
    x = tf.placeholder(tf.float32, [None])
    y = tf.placeholder(tf.float32, [None])
    z = tf.sqrt(x) * y  # the Mul fails on [2] and [3]
    messages = []
    for kind in KINDS:
        monkeypatch.setenv(executor.ENV_EXECUTOR, kind)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError) as info:
                sess.run(z, {x: [1.0, 4.0], y: [1.0, 2.0, 3.0]})
            np.testing.assert_array_equal(sess.run(z, {x: [4.0], y: [3.0]}), [6.0])
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "Mul op 'mul' failed on inputs of shapes [[2], [3]]" in messages[0]
    assert "test_executor.py" in messages[0]


def test_both_executors_keep_a_kernels_own_error_kind(monkeypatch):
    v = tf.Variable(1.0, name="never_initialized")
    for kind in KINDS:
        monkeypatch.setenv(executor.ENV_EXECUTOR, kind)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.FailedPreconditionError,
                               match="uninitialized value never_initialized"):
                sess.run(v * 2.0)


def test_an_unknown_executor_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(executor.ENV_EXECUTOR, "jit")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="unknown executor 'jit'"):
            sess.run(tf.constant(1.0) + 1.0)
