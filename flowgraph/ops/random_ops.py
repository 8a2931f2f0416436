"""Random draws of a fixed shape, or of a shape that is a run-time tensor (`tf.shape(x)` of a
batch of unknown size), seeded by TF1's graph-level and op-level seed rules."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..graph import get_default_graph, name_scope
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from .core import FLOATS, INTS, check_dtype, const_value, convert_to_tensor, make
from .math_ops import add, multiply, subtract

DEFAULT_GRAPH_SEED = 87654321


def get_seed(op_seed):
    """TF1's rule: (graph seed, op seed), or (None, None) for a fresh draw each program run."""
    g = get_default_graph()
    if g.seed is not None:
        return g.seed, (op_seed if op_seed is not None else g.version)
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, op_seed
    return None, None


def _draw(sample):
    def kernel(op, runtime):
        rng = runtime.rng(op)
        shape, np_dtype = op.attrs["shape"], op.attrs["dtype"].np_dtype

        def run():
            return runtime.to_device(sample(rng, shape).astype(np_dtype, copy=False))
        return run
    return kernel


def _truncated(rng, shape):
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out


def _infer(inputs, attrs):
    return [(attrs["dtype"], TensorShape(attrs["shape"]))]


for _name, _sample in (("RandomUniform", lambda rng, shape: rng.random(shape)),
                       ("RandomStandardNormal", lambda rng, shape: rng.standard_normal(shape)),
                       ("TruncatedNormal", _truncated)):
    register(OpDef(_name, infer=_infer, kernel=_draw(_sample), grad=NOT_DIFFERENTIABLE,
                   stateful=True, fresh=True))


def _raw(op_type, shape, dtype, seed, name):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise TypeError(f"{op_type}: dtype must be a float type, got {dtype.name}")
    if hasattr(shape, "op"):
        raise TypeError(f"{op_type}: shape must be a list of ints")
    shape = tuple(int(d) for d in (shape.as_list() if isinstance(shape, TensorShape) else shape))
    s1, s2 = get_seed(seed)
    return make(op_type, [], name=name, shape=shape, dtype=dtype, seed=s1, seed2=s2)


def _scaled(op_type, shape, scale, shift, dtype, seed, name, default_name):
    with name_scope(name, default_name) as scope:
        raw = _raw(op_type, shape, dtype, seed, op_type)
        scale = convert_to_tensor(scale, dtype=raw.dtype, name="scale")
        shift = convert_to_tensor(shift, dtype=raw.dtype, name="shift")
        check_dtype(scale, FLOATS)
        return add(multiply(raw, scale, name="mul"), shift, name=scope[:-1] + "/")


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform draws in [minval, maxval) (maxval defaults to 1)."""
    maxval = 1 if maxval is None else maxval
    span = maxval - minval if not hasattr(maxval, "op") and not hasattr(minval, "op") else None
    if span is None:
        span = subtract(maxval, minval)
    return _scaled("RandomUniform", shape, span, minval, dtype, seed, name, "random_uniform")


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal draws with the given mean and standard deviation."""
    return _scaled("RandomStandardNormal", shape, stddev, mean, dtype, seed, name, "random_normal")


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal draws, redrawn when more than two standard deviations from the mean."""
    return _scaled("TruncatedNormal", shape, stddev, mean, dtype, seed, name, "truncated_normal")


# --- draws of a run-time shape -------------------------------------------------------------
def _dynamic_infer(inputs, attrs):
    (shape,) = inputs
    if shape.dtype not in INTS or not shape.shape.is_compatible_with(TensorShape([None])):
        raise TypeError(f"shape must be a vector of ints, got {shape.describe()}")
    value = const_value(shape)
    if value is not None:
        return [(attrs["dtype"], TensorShape([int(d) for d in value]))]
    n = shape.shape.dims[0] if shape.shape.dims is not None else None
    return [(attrs["dtype"], TensorShape(None if n is None else [None] * n))]


def _dynamic_kernel(op, runtime):
    rng = runtime.rng(op)
    np_dtype = op.attrs["dtype"].np_dtype
    to_host, to_device = runtime.backend.to_host, runtime.to_device

    def run(shape):
        dims = tuple(int(d) for d in to_host(shape))
        if any(d < 0 for d in dims):
            raise ValueError(f"negative dimension in shape {fmt(dims)}")
        return to_device(rng.random(dims).astype(np_dtype, copy=False))
    return run


register(OpDef("RandomUniformDynamic", infer=_dynamic_infer, kernel=_dynamic_kernel,
               grad=NOT_DIFFERENTIABLE, stateful=True, tf_type="RandomUniform"))


def random_uniform_dynamic(shape, dtype=dtypes.float32, seed=None, name=None):
    """Uniform draws in [0, 1) of run-time shape `shape` (an int vector tensor)."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise TypeError(f"random_uniform: dtype must be a float type, got {dtype.name}")
    s1, s2 = get_seed(seed)
    return make("RandomUniformDynamic", [convert_to_tensor(shape)], name=name or "random_uniform",
                dtype=dtype, seed=s1, seed2=s2)
