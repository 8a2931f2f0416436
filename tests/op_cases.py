"""The op table: cases for every registered op type, driving tests/test_ops.py.

`CASES` maps a registered op type to its cases. A case gives:
  build   a function from input tensors (placeholders, one per array in `inputs`) to a tensor
          whose graph contains the op (most often the op's own output), built with the public
          API `import flowgraph as tf`; the gradient-only ops are built through `tf.gradients`;
  inputs  the arrays fed to those placeholders: float64, or ints/bools where the op needs them;
  ref     a NumPy reference for the forward value (None where there is no easy one);
  check   instead of ref, a function (value, *inputs) that asserts what the value must be
          (random draws, serialized summaries).
Options: `wrt` (input positions the finite-difference check perturbs; default every float
input), `grad=False` (skip the numeric gradient check, with the reason beside it),
`second=False` (skip the second-order check), `exact_static=False` (the static shape may
legitimately be less precise than the runtime shape), `unknown_rank=False` (the builder needs
a known rank), `grad_unknown=False` (the gradient needs static shapes), `init=True` (run the
variable initializers first), `eps`/`rtol`/`atol`.

Importing this module imports every flowgraph module that registers ops, so that the registry,
and with it the coverage test, does not depend on which other test modules ran first.

`COMPOSITES` holds public functions that are not ops of their own (losses, xor, unstack), keyed
by their API name; they run through the same forward, gradient and shape checks.

Ops without a case here are listed in `EXEMPT` with the test that covers them.
"""
from __future__ import annotations

import importlib
import pathlib
from typing import Callable, NamedTuple, Optional

import numpy as np

import flowgraph as tf
from flowgraph.ops import broadcast_ops


def _import_op_modules():
    root = pathlib.Path(tf.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if "register(OpDef(" in path.read_text(encoding="utf-8"):
            importlib.import_module(".".join(path.relative_to(root.parent).with_suffix("").parts))


_import_op_modules()

RNG = np.random.default_rng(20240611)


class Case(NamedTuple):
    op: str
    build: Callable
    inputs: tuple
    ref: Optional[Callable] = None
    check: Optional[Callable] = None
    name: str = ""
    wrt: Optional[tuple] = None
    grad: bool = True
    second: bool = True
    exact_static: bool = True
    unknown_rank: bool = True
    grad_unknown: bool = True
    init: bool = False
    eps: float = 1e-6
    rtol: float = 1e-6
    atol: float = 1e-6

    @property
    def id(self) -> str:
        shapes = ",".join("x".join(map(str, np.shape(a))) or "s" for a in self.inputs)
        return f"{self.op}-{self.name}-{shapes}" if self.name else f"{self.op}-{shapes}"


CASES: dict[str, list[Case]] = {}
COMPOSITES: dict[str, list[Case]] = {}


def case(op, build, *inputs, **kw):
    CASES.setdefault(op, []).append(Case(op, build, tuple(np.asarray(a) for a in inputs), **kw))


def composite(api, build, *inputs, **kw):
    COMPOSITES.setdefault(api, []).append(
        Case(api, build, tuple(np.asarray(a) for a in inputs), **kw))


# --- input makers ---------------------------------------------------------------------------
def u(*shape, lo=-2.0, hi=2.0):
    return np.asarray(RNG.uniform(lo, hi, shape), dtype=np.float64)


def nz(*shape, lo=0.2, hi=2.0):
    """Values away from zero (for relu, abs, sign, division)."""
    return np.asarray(RNG.choice([-1.0, 1.0], shape) * RNG.uniform(lo, hi, shape))


def pos(*shape, lo=0.5, hi=2.0):
    return u(*shape, lo=lo, hi=hi)


def ints(*shape, lo=-5, hi=6, dtype=np.int32):
    return np.asarray(RNG.integers(lo, hi, shape), dtype=dtype)


def bools(*shape):
    return np.asarray(RNG.random(shape) < 0.5)


def grad_of(f, wrt=0):
    """A builder for a gradient op: d f(x, ...)/d x[wrt] with grad_ys fed as the last input."""
    def build(*ts):
        *xs, g = ts
        return tf.gradients(f(*xs), xs[wrt], grad_ys=g)[0]
    return build


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _log_softmax(x, axis=-1):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _softmax(x, axis=-1):
    return np.exp(_log_softmax(x, axis))


# Broadcasting pairs every elementwise binary op is checked on.
BCAST = [((2, 3), (2, 3)), ((3, 1), (4,)), ((2, 3), ()), ((), (2, 3)), ((2, 1, 3), (4, 1))]

# --- elementwise unary ----------------------------------------------------------------------
UNARY = [
    ("Neg", tf.negative, np.negative, u), ("Neg", lambda x: -x, np.negative, u),
    ("Abs", tf.abs, np.abs, nz), ("Abs", abs, np.abs, nz),
    ("Sign", tf.sign, np.sign, nz), ("Square", tf.square, np.square, u),
    ("Sqrt", tf.sqrt, np.sqrt, pos), ("Rsqrt", tf.rsqrt, lambda x: 1 / np.sqrt(x), pos),
    ("Exp", tf.exp, np.exp, u), ("Log", tf.log, np.log, pos),
    ("Log1p", tf.log1p, np.log1p, lambda *s: u(*s, lo=-0.5, hi=2.0)),
    ("Sigmoid", tf.sigmoid, _sigmoid, u), ("Sigmoid", tf.nn.sigmoid, _sigmoid, u),
    ("Tanh", tf.tanh, np.tanh, u), ("Tanh", tf.nn.tanh, np.tanh, u),
    ("Relu", tf.nn.relu, lambda x: np.maximum(x, 0), nz),
    ("Relu", tf.relu, lambda x: np.maximum(x, 0), nz),
    ("Floor", tf.floor, np.floor, lambda *s: u(*s, lo=-3, hi=3)),
    ("Reciprocal", tf.reciprocal, np.reciprocal, nz),
    ("Sin", tf.sin, np.sin, u), ("Cos", tf.cos, np.cos, u),
]
for _op, _fn, _ref, _gen in UNARY:
    case(_op, _fn, _gen(2, 3), ref=_ref)
for _op, _fn, _ref, _gen in UNARY[::2]:
    case(_op, _fn, _gen(), ref=_ref, name="scalar")
for _op, _fn, _ref in (("Neg", tf.negative, np.negative), ("Abs", tf.abs, np.abs),
                       ("Sign", tf.sign, np.sign), ("Square", tf.square, np.square),
                       ("Relu", tf.nn.relu, lambda x: np.maximum(x, 0))):
    case(_op, _fn, ints(2, 3), ref=_ref, name="int32")
case("Round", tf.round, np.array([[-2.5, -1.5, -0.5, 0.5], [1.5, 2.5, 0.49, -0.51]]),
     ref=np.rint, grad=False)  # not differentiable, as in TF
case("Round", tf.round, ints(2, 3), ref=lambda x: x, grad=False, name="int32")
case("LogicalNot", tf.logical_not, bools(2, 3), ref=np.logical_not)
case("LogicalNot", lambda x: ~x, bools(4), ref=np.logical_not, name="operator")

# --- elementwise binary ---------------------------------------------------------------------
BINARY = [
    ("Add", tf.add, np.add, u, u), ("Add", lambda x, y: x + y, np.add, u, u),
    ("Sub", tf.subtract, np.subtract, u, u), ("Sub", lambda x, y: x - y, np.subtract, u, u),
    ("Mul", tf.multiply, np.multiply, u, u), ("Mul", lambda x, y: x * y, np.multiply, u, u),
    ("RealDiv", tf.divide, np.divide, u, nz), ("RealDiv", lambda x, y: x / y, np.divide, u, nz),
    ("FloorMod", tf.mod, np.mod, u, nz), ("FloorMod", lambda x, y: x % y, np.mod, u, nz),
    ("FloorDiv", tf.floordiv, np.floor_divide, u, nz),
    ("FloorDiv", lambda x, y: x // y, np.floor_divide, u, nz),
    ("Maximum", tf.maximum, np.maximum, u, u), ("Minimum", tf.minimum, np.minimum, u, u),
    ("Pow", tf.pow, np.power, pos, u), ("Pow", lambda x, y: x ** y, np.power, pos, u),
    ("Equal", tf.equal, np.equal, u, u), ("NotEqual", tf.not_equal, np.not_equal, u, u),
    ("Less", tf.less, np.less, u, u), ("Less", lambda x, y: x < y, np.less, u, u),
    ("LessEqual", tf.less_equal, np.less_equal, u, u),
    ("LessEqual", lambda x, y: x <= y, np.less_equal, u, u),
    ("Greater", tf.greater, np.greater, u, u), ("Greater", lambda x, y: x > y, np.greater, u, u),
    ("GreaterEqual", tf.greater_equal, np.greater_equal, u, u),
    ("GreaterEqual", lambda x, y: x >= y, np.greater_equal, u, u),
]
for _i, (_op, _fn, _ref, _gx, _gy) in enumerate(BINARY):
    # the function form on every broadcasting pair, the operator form on two of them
    for _sx, _sy in (BCAST if _i % 2 == 0 or _op in ("Maximum", "Minimum", "Equal", "NotEqual")
                     else BCAST[1:3]):
        case(_op, _fn, _gx(*_sx), _gy(*_sy), ref=_ref)
for _op, _fn, _ref in (("Add", tf.add, np.add), ("Sub", tf.subtract, np.subtract),
                       ("Mul", tf.multiply, np.multiply),
                       ("FloorDiv", tf.floordiv, np.floor_divide),
                       ("FloorMod", tf.floormod, np.mod), ("Maximum", tf.maximum, np.maximum),
                       ("Minimum", tf.minimum, np.minimum), ("Equal", tf.equal, np.equal),
                       ("NotEqual", tf.not_equal, np.not_equal), ("Less", tf.less, np.less),
                       ("GreaterEqual", tf.greater_equal, np.greater_equal)):
    case(_op, _fn, ints(3, 1), ints(1, 4, lo=1, hi=4), ref=_ref, name="int32")
case("Equal", tf.equal, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([1.0, 5.0, 3.0]),
     ref=np.equal, name="ties")
case("LessEqual", tf.less_equal, np.array([[1.0, 2.0, 3.0]]), np.array([[2.0], [1.0]]),
     ref=np.less_equal, name="ties")
case("Equal", tf.equal, bools(2, 3), bools(3), ref=np.equal, name="bool")
case("Add", tf.add, bools(2, 3), bools(3), ref=np.logical_or, name="bool")
# Pow with negative bases: only integral exponents, and d/dy is not defined there.
case("Pow", tf.pow, nz(2, 3), np.array([2.0, 3.0, -1.0]), ref=np.power, wrt=(0,), name="negbase")
case("Pow", tf.pow, ints(2, 3, lo=-3, hi=4), ints(3, lo=0, hi=3), ref=np.power, name="int32")
# truediv of ints casts to float64 first; the RealDiv then runs on floats
case("RealDiv", tf.truediv, ints(2, 3), ints(3, lo=1, hi=4), ref=np.true_divide, name="int32")
case("RealDiv", lambda x, y: x / y, ints(2, 3), ints(3, lo=1, hi=4), ref=np.true_divide,
     name="int32op")
for _op, _fn, _ref in (("LogicalAnd", tf.logical_and, np.logical_and),
                       ("LogicalAnd", lambda x, y: x & y, np.logical_and),
                       ("LogicalOr", tf.logical_or, np.logical_or),
                       ("LogicalOr", lambda x, y: x | y, np.logical_or)):
    case(_op, _fn, bools(3, 1), bools(4), ref=_ref)
    case(_op, _fn, bools(2, 3), bools(2, 3), ref=_ref)

# --- n-ary, cast, clip ------------------------------------------------------------------------
case("AddN", lambda a, b, c: tf.add_n([a, b, c]), u(2, 3), u(2, 3), u(2, 3),
     ref=lambda a, b, c: a + b + c)
case("AddN", lambda a, b: tf.add_n([a, b, a]), u(4), u(4), ref=lambda a, b: 2 * a + b,
     name="repeated")
# float32 rounding: finite differences need a large step, which a linear op tolerates
case("Cast", lambda x: tf.cast(tf.cast(x, tf.float32), tf.float64), u(2, 3),
     ref=lambda x: x.astype(np.float32).astype(np.float64), eps=1e-2, rtol=1e-5, atol=1e-5,
     name="f32")
case("Cast", lambda x: tf.cast(x, tf.int32), u(2, 3, lo=-3, hi=3),
     ref=lambda x: x.astype(np.int32), name="f2i")
case("Cast", tf.to_double, ints(2, 3), ref=lambda x: x.astype(np.float64), name="i2f")
case("Cast", lambda x: tf.cast(x, tf.float64), bools(2, 3), ref=lambda x: x.astype(np.float64),
     name="b2f")
case("Cast", lambda x: tf.cast(x, tf.bool), np.array([0.0, 1.5, -2.0, 0.0]),
     ref=lambda x: x != 0, name="f2b")
case("ClipByValue", tf.clip_by_value, u(3, 4), np.array(-0.5), np.array(0.7),
     ref=lambda t, lo, hi: np.clip(t, lo, hi))
case("ClipByValue", tf.clip_by_value, u(3, 4), u(4, lo=-1.0, hi=-0.2), u(3, 1, lo=0.2, hi=1.0),
     ref=lambda t, lo, hi: np.minimum(np.maximum(t, lo), hi), name="bcast")
case("ClipByValue", lambda t: tf.clip_by_value(t, -1.0, 1.0), u(2, 3),
     ref=lambda t: np.clip(t, -1, 1), name="pyscalars")

# --- matmul ---------------------------------------------------------------------------------
case("MatMul", tf.matmul, u(2, 3), u(3, 4), ref=np.matmul)
case("MatMul", lambda a, b: a @ b, u(2, 3), u(3, 4), ref=np.matmul, name="operator")
case("MatMul", lambda a, b: tf.matmul(a, b, transpose_a=True), u(3, 2), u(3, 4),
     ref=lambda a, b: a.T @ b, name="ta")
case("MatMul", lambda a, b: tf.matmul(a, b, transpose_b=True), u(2, 3), u(4, 3),
     ref=lambda a, b: a @ b.T, name="tb")
case("MatMul", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True), u(3, 2),
     u(4, 3), ref=lambda a, b: a.T @ b.T, name="tatb")
case("MatMul", tf.matmul, u(2, 3, 4), u(4, 5), ref=np.matmul, name="batch")
case("MatMul", tf.matmul, u(2, 1, 3, 4), u(3, 4, 2), ref=np.matmul, name="bcastbatch")
case("MatMul", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True), u(3, 4, 2),
     u(2, 1, 3, 4), ref=lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
     name="bcastbatch_tatb")
case("MatMul", tf.matmul, ints(2, 3), ints(3, 2), ref=np.matmul, name="int32")

# --- reductions -----------------------------------------------------------------------------
REDUCTIONS = [("Sum", tf.reduce_sum, np.sum, u), ("Mean", tf.reduce_mean, np.mean, u),
              ("Max", tf.reduce_max, np.max, u), ("Min", tf.reduce_min, np.min, u),
              ("Prod", tf.reduce_prod, np.prod, lambda *s: u(*s, lo=0.5, hi=1.5))]


def _reduce_case(op, fn, ref, x, name, second=True, **kw):
    np_kw = {"axis": kw.get("axis", kw.get("reduction_indices")),
             "keepdims": bool(kw.get("keepdims", kw.get("keep_dims", False)))}
    if isinstance(np_kw["axis"], list):
        np_kw["axis"] = tuple(np_kw["axis"])
    case(op, lambda t: fn(t, **kw), x, ref=lambda a: ref(a, **np_kw), name=name, second=second)


for _op, _fn, _ref, _gen in REDUCTIONS:
    _reduce_case(_op, _fn, _ref, _gen(2, 3, 4), "all")
    _reduce_case(_op, _fn, _ref, _gen(2, 3, 4), "ax1", axis=1)
    _reduce_case(_op, _fn, _ref, _gen(2, 3, 4), "ax02keep", axis=[0, 2], keepdims=True)
    _reduce_case(_op, _fn, _ref, _gen(2, 3, 4), "axneg_keep_dims", axis=-1, keep_dims=True)
    _reduce_case(_op, _fn, _ref, _gen(3, 4), "reduction_indices", reduction_indices=[0])
    _reduce_case(_op, _fn, _ref, _gen(2, 3, 4), "axneg2", axis=[-1, 0])
    _reduce_case(_op, _fn, _ref, _gen(), "scalar")
# two-way ties: the gradient is split evenly, as central differences see it (the gradient
# jumps at a tie, so there is no second-order check)
_TIES = np.array([[1.0, 3.0, 3.0], [-2.0, 0.5, -2.0]])
_reduce_case("Max", tf.reduce_max, np.max, _TIES, "ties", axis=1, second=False)
_reduce_case("Min", tf.reduce_min, np.min, _TIES, "ties", axis=1, second=False)
_reduce_case("Max", tf.reduce_max, np.max, np.array([[1.0, 3.0], [3.0, 0.0]]), "ties_all",
             second=False)
# zeros: one in a row (the gradient there is the product of the others), two in a row (all
# zero; the second derivative between the two zeros is not reproduced, so first order only)
_reduce_case("Prod", tf.reduce_prod, np.prod, np.array([[1.5, 0.0, 2.0], [0.5, 1.2, -0.8]]),
             "one_zero", axis=1)
_reduce_case("Prod", tf.reduce_prod, np.prod, np.array([[0.0, 0.7, 0.0], [1.5, 0.0, -2.0]]),
             "two_zeros", axis=1, second=False)
_reduce_case("Sum", tf.reduce_sum, np.sum, ints(3, 4), "int32", axis=1)
case("Mean", lambda x: tf.reduce_mean(x, axis=1), np.array([[1, 2], [-3, -2], [4, 4]], np.int32),
     ref=lambda x: np.trunc(x.mean(axis=1)).astype(np.int32), name="int32trunc")
_reduce_case("Max", tf.reduce_max, np.max, ints(3, 4), "int32", axis=0)
for _op, _fn, _ref in (("Any", tf.reduce_any, np.any), ("All", tf.reduce_all, np.all)):
    _reduce_case(_op, _fn, _ref, bools(3, 4), "all")
    _reduce_case(_op, _fn, _ref, bools(3, 4), "ax1", axis=1)
    _reduce_case(_op, _fn, _ref, bools(2, 3, 4), "axneg_keep", axis=-1, keepdims=True)

for _op, _fn, _ref in (("ArgMax", tf.argmax, np.argmax), ("ArgMin", tf.argmin, np.argmin)):
    case(_op, _fn, u(3, 4), ref=lambda x, r=_ref: r(x, axis=0), name="default")
    case(_op, lambda x, f=_fn: f(x, 1), u(3, 4), ref=lambda x, r=_ref: r(x, axis=1), name="ax1")
    case(_op, lambda x, f=_fn: f(x, axis=-1), u(2, 3, 4), ref=lambda x, r=_ref: r(x, axis=-1),
         name="axneg")
    case(_op, lambda x, f=_fn: f(x, dimension=1, output_type=tf.int32), ints(3, 4),
         ref=lambda x, r=_ref: r(x, axis=1).astype(np.int32), name="dimension_int32")
    case(_op, _fn, u(5), ref=lambda x, r=_ref: r(x), name="vector")

# --- sources and pass-through ---------------------------------------------------------------
_C = np.arange(6.0).reshape(2, 3)
case("Const", lambda: tf.constant(_C), ref=lambda: _C)
case("Const", lambda: tf.constant(1.5, dtype=tf.float64, shape=[2, 3]),
     ref=lambda: np.full((2, 3), 1.5), name="fill")
case("Const", lambda: tf.constant([[1, 2, 3]]), ref=lambda: np.array([[1, 2, 3]], np.int32),
     name="int32")
case("Placeholder", lambda x: x, u(2, 3), ref=lambda x: x)
case("Placeholder", lambda x: x, ints(4), ref=lambda x: x, name="int32")
case("PlaceholderWithDefault", lambda x: tf.placeholder_with_default(x, x.shape), u(2, 3),
     ref=lambda x: x)
# the declared shape [None, 3] is what the static shape promises, whatever the default
case("PlaceholderWithDefault", lambda x: tf.placeholder_with_default(x, [None, 3]), u(2, 3),
     ref=lambda x: x, exact_static=False, unknown_rank=False, name="partial")
case("Identity", tf.identity, u(2, 3), ref=lambda x: x)
case("Identity", tf.identity, ints(3), ref=lambda x: x, name="int32")
case("StopGradient", tf.stop_gradient, u(2, 3), ref=lambda x: x)
case("ZerosLike", tf.zeros_like, u(2, 3), ref=np.zeros_like)
case("ZerosLike", tf.zeros_like, ints(3), ref=np.zeros_like, name="int32")
case("OnesLike", tf.ones_like, u(2, 3), ref=np.ones_like)
case("OnesLike", lambda x: tf.ones_like(x, dtype=tf.float64), ints(3),
     ref=lambda x: np.ones(x.shape), name="dtype")
case("Shape", tf.shape, u(2, 3), ref=lambda x: np.array(x.shape, np.int32))
case("Shape", lambda x: tf.shape(x, out_type=tf.int64), u(2, 3, 4),
     ref=lambda x: np.array(x.shape, np.int64), name="int64")
case("Shape", tf.shape, u(), ref=lambda x: np.zeros(0, np.int32), name="scalar")
case("Size", tf.size, u(2, 3), ref=lambda x: np.int32(x.size))
case("Rank", tf.rank, u(2, 3, 4), ref=lambda x: np.int32(x.ndim))
case("Rank", tf.rank, u(), ref=lambda x: np.int32(0), name="scalar")
# the length is known statically only when start, limit and delta are constants
case("Range", lambda n: tf.range(n), np.array(5, np.int32), ref=lambda n: np.arange(5, dtype=np.int32),
     exact_static=False)
case("Range", lambda a, b, d: tf.range(a, b, d), np.array(1.0), np.array(2.0), np.array(0.25),
     ref=lambda a, b, d: np.arange(1.0, 2.0, 0.25), name="float_steps", exact_static=False)
case("Fill", lambda v: tf.fill([2, 3], v), u(), ref=lambda v: np.full((2, 3), v))
case("Fill", lambda v: tf.fill([4], v), np.array(7, np.int32),
     ref=lambda v: np.full(4, 7, np.int32), name="int32")
# dims fed at run time: the static shape knows the rank only
case("Fill", lambda d, v: tf.fill(d, v), np.array([2, 3], np.int32), u(),
     ref=lambda d, v: np.full(tuple(d), v), exact_static=False, name="dyndims")

# --- shape-moving ops -----------------------------------------------------------------------
case("Reshape", lambda x: tf.reshape(x, [3, -1]), u(2, 3, 2), ref=lambda x: x.reshape(3, -1))
case("Reshape", lambda x: tf.reshape(x, [6]), u(2, 3), ref=lambda x: x.reshape(6), name="flat")
case("Reshape", lambda x: tf.reshape(x, []), u(1, 1), ref=lambda x: x.reshape(()), name="scalar")
case("Reshape", lambda x, y: tf.reshape(x, tf.shape(y)), u(2, 3), u(3, 2),
     ref=lambda x, y: x.reshape(y.shape), wrt=(0,), exact_static=False, name="dynamic")
case("Transpose", tf.transpose, u(2, 3), ref=np.transpose)
case("Transpose", lambda x: tf.transpose(x, [1, 2, 0]), u(2, 3, 4),
     ref=lambda x: np.transpose(x, (1, 2, 0)), name="perm")
case("ExpandDims", lambda x: tf.expand_dims(x, 0), u(2, 3), ref=lambda x: x[None])
case("ExpandDims", lambda x: tf.expand_dims(x, -1), u(2, 3), ref=lambda x: x[..., None],
     name="neg")
case("ExpandDims", lambda x: tf.expand_dims(x, axis=1), u(3), ref=lambda x: x[:, None],
     name="mid")
case("Squeeze", tf.squeeze, u(2, 1, 3, 1), ref=np.squeeze)
case("Squeeze", lambda x: tf.squeeze(x, [1]), u(2, 1, 3, 1), ref=lambda x: np.squeeze(x, 1),
     name="ax")
case("Squeeze", lambda x: tf.squeeze(x, axis=-1), u(2, 1, 3, 1), ref=lambda x: np.squeeze(x, -1),
     name="neg")
case("ConcatV2", lambda a, b, c: tf.concat([a, b, c], 1), u(2, 3), u(2, 1), u(2, 2),
     ref=lambda a, b, c: np.concatenate([a, b, c], 1))
case("ConcatV2", lambda a, b: tf.concat([a, b], 0), u(1, 3), u(2, 3),
     ref=lambda a, b: np.concatenate([a, b], 0), name="ax0")
case("ConcatV2", lambda a, b: tf.concat([a, b], -1), u(2, 2, 1), u(2, 2, 3),
     ref=lambda a, b: np.concatenate([a, b], -1), name="neg")
case("ConcatV2", lambda a, b: tf.concat([a, b], tf.constant(1)), u(2, 1), u(2, 2),
     ref=lambda a, b: np.concatenate([a, b], 1), name="tensor_axis")
case("Pack", lambda a, b, c: tf.stack([a, b, c]), u(2, 3), u(2, 3), u(2, 3),
     ref=lambda a, b, c: np.stack([a, b, c]))
case("Pack", lambda a, b: tf.stack([a, b], axis=1), u(2, 3), u(2, 3),
     ref=lambda a, b: np.stack([a, b], 1), name="ax1")
case("Pack", lambda a, b: tf.stack([a, b], axis=-1), u(2, 3), u(2, 3),
     ref=lambda a, b: np.stack([a, b], -1), name="neg")
case("Pack", lambda a, b: tf.stack([a, b]), u(), u(), ref=lambda a, b: np.stack([a, b]),
     name="scalars")
case("Tile", lambda x: tf.tile(x, [2, 1]), u(2, 3), ref=lambda x: np.tile(x, (2, 1)))
case("Tile", lambda x: tf.tile(x, [1, 3, 2]), u(2, 1, 3), ref=lambda x: np.tile(x, (1, 3, 2)),
     name="3d")

# split slices at build time: the split axis must be known (the reshape makes it so)
composite("split", lambda x: tf.split(tf.reshape(x, [2, 6]), 3, axis=1)[1], u(2, 6),
          ref=lambda x: x[:, 2:4])
composite("split", lambda x: tf.split(tf.reshape(x, [6, -1]), [1, -1, 2], 0)[1], u(6, 2),
          ref=lambda x: x[1:4], name="sizes")

# --- indexing -------------------------------------------------------------------------------
case("GatherV2", tf.gather, u(5, 3), np.array([4, 0, 4, 2], np.int32),
     ref=lambda p, i: p[i], name="repeated")
case("GatherV2", lambda p, i: tf.gather(p, i, axis=1), u(3, 4),
     np.array([[3, 1], [1, 1]], np.int32),
     ref=lambda p, i: np.take(p, i, axis=1), name="ax1_2d")
case("GatherV2", lambda p, i: tf.gather(p, i, axis=-1), u(2, 3, 4), np.array([0, 3, 3], np.int64),
     ref=lambda p, i: np.take(p, i, axis=-1), name="neg_int64")
case("GatherV2", lambda p, i: tf.gather(p, i), u(4, 2), np.array(2, np.int32),
     ref=lambda p, i: p[i], name="scalar_index")
case("OneHot", lambda i: tf.one_hot(i, 4, dtype=tf.float64),
     np.array([[0, 3, -1], [2, 1, 4]], np.int32),
     ref=lambda i: (i[..., None] == np.arange(4)).astype(np.float64))
case("OneHot", lambda i: tf.one_hot(i, 3, on_value=5.0, off_value=-1.0, axis=0, dtype=tf.float64),
     np.array([0, 2, 1, 2], np.int64),
     ref=lambda i: np.where(np.arange(3)[:, None] == i, 5.0, -1.0), name="axis0_onoff")
case("ReverseV2", lambda x: tf.reverse(x, [1]), u(2, 3, 4), ref=lambda x: x[:, ::-1])
case("ReverseV2", lambda x: tf.reverse(x, [0, -1]), u(3, 2, 5), ref=lambda x: x[::-1, :, ::-1],
     name="two_axes", unknown_rank=False)  # a negative axis needs the rank


def _reversed_sequences(x, lengths, seq_axis, batch_axis):
    out = np.array(x)
    for b, n in enumerate(lengths):
        src = np.take(x, b, axis=batch_axis)
        dst_axis = seq_axis - (seq_axis > batch_axis)
        head = np.flip(np.take(src, np.arange(n), axis=dst_axis), axis=dst_axis)
        index = [slice(None)] * x.ndim
        index[batch_axis], index[seq_axis] = b, slice(0, n)
        out[tuple(index)] = head
    return out


case("ReverseSequence", lambda x, n: tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
     u(3, 5, 2), np.array([5, 2, 0], np.int64),
     ref=lambda x, n: _reversed_sequences(x, n, 1, 0))
case("ReverseSequence", lambda x, n: tf.reverse_sequence(x, n, seq_axis=0, batch_axis=1),
     u(4, 3), np.array([1, 4, 3], np.int32),
     ref=lambda x, n: _reversed_sequences(x, n, 0, 1), name="time_major")
case("Select", tf.where, bools(3, 4), u(3, 4), u(3, 4), ref=np.where)
case("Select", tf.where, bools(3, 1), u(3, 4), u(4), ref=np.where, name="bcast")
case("Select", tf.where, bools(), u(2, 3), u(2, 3), ref=np.where, name="scalarcond")
# TF1: a vector condition picks rows of a matrix (not NumPy's broadcasting along the last axis)
case("Select", tf.where, np.array([True, False, True]), u(3, 3), u(3, 3),
     ref=lambda c, x, y: np.where(c[:, None], x, y), name="rows", unknown_rank=False)
# the number of true entries is known only at run time
case("Where", tf.where, bools(3, 4), ref=np.argwhere, exact_static=False)
case("Where", tf.where, bools(5), ref=np.argwhere, exact_static=False, name="1d")
for _name, _key in (("rows_revcols", (slice(1, None), slice(None, None, -2))),
                    ("int", 0), ("ellipsis_newaxis", (Ellipsis, None, 1)),
                    ("negstart", (slice(None), slice(-2, None))),
                    ("steps", (slice(None, None, 2), slice(1, 4, 2))),
                    ("negint", (-1, slice(None)))):
    case("StridedSlice", lambda x, k=_key: x[k], u(4, 5), ref=lambda x, k=_key: x[k], name=_name)
case("StridedSlice", lambda x: x[1, ..., 2], u(2, 3, 4), ref=lambda x: x[1, ..., 2], name="3d")
case("StridedSlice", lambda x: tf.strided_slice(x, (slice(0, 2), None)), u(3, 2),
     ref=lambda x: x[0:2, None], name="api")

# --- nn -------------------------------------------------------------------------------------
def _elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
ACTIVATIONS = [
    ("Elu", tf.nn.elu, _elu),
    ("Selu", tf.nn.selu, lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(x))),
    ("LeakyRelu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("Softplus", tf.nn.softplus, lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)),
    ("Softsign", tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
]
for _op, _fn, _ref in ACTIVATIONS:  # nz: away from the kinks at 0
    case(_op, _fn, nz(2, 3), ref=_ref)
    case(_op, _fn, nz(), ref=_ref, name="scalar")
case("LeakyRelu", lambda x: tf.nn.leaky_relu(x, alpha=0.01), nz(3, 2),
     ref=lambda x: np.where(x > 0, x, 0.01 * x), name="alpha")
case("Relu6", tf.nn.relu6, np.array([[-1.5, 0.7, 3.2], [5.5, 6.8, -0.3]]),
     ref=lambda x: np.clip(x, 0, 6))
case("Softplus", tf.nn.softplus, np.array([-200.0, -30.0, 0.5, 40.0, 200.0]),
     ref=lambda x: np.logaddexp(x, 0), name="huge")
for _op, _fn, _ref in (("Softmax", tf.nn.softmax, _softmax),
                       ("LogSoftmax", tf.nn.log_softmax, _log_softmax)):
    case(_op, _fn, u(2, 5), ref=_ref)
    case(_op, lambda x, f=_fn: f(x, axis=0), u(3, 4), ref=lambda x, r=_ref: r(x, 0), name="ax0")
    case(_op, lambda x, f=_fn: f(x, dim=1), u(2, 3, 4), ref=lambda x, r=_ref: r(x, 1), name="dim1")
    case(_op, _fn, u(4) * 5, ref=_ref, name="vector")


def _xent_ref(axis=-1):
    return lambda labels, logits: -(labels * _log_softmax(logits, axis)).sum(axis=axis)


def _probs(*shape, axis=-1):
    p = pos(*shape, lo=0.1, hi=1.0)
    return p / p.sum(axis=axis, keepdims=True)


_XV2 = tf.nn.softmax_cross_entropy_with_logits_v2
case("SoftmaxCrossEntropyWithLogits", lambda y, x: _XV2(labels=y, logits=x), _probs(3, 4), u(3, 4),
     ref=_xent_ref())
# labels that do not sum to one: the gradient must still be the forward's derivative
case("SoftmaxCrossEntropyWithLogits", lambda y, x: _XV2(labels=y, logits=x), pos(3, 4), u(3, 4),
     ref=_xent_ref(), name="unnormalized")
case("SoftmaxCrossEntropyWithLogits", lambda y, x: _XV2(labels=y, logits=x, dim=0),
     _probs(3, 4, axis=0), u(3, 4), ref=_xent_ref(0), name="dim0")
case("SoftmaxCrossEntropyWithLogits", lambda y, x: _XV2(labels=y, logits=x, axis=-2),
     _probs(2, 3, 4, axis=-2), u(2, 3, 4), ref=_xent_ref(-2), name="axneg2")
# v1: TF1 stops the gradient into labels, so only logits are perturbed
case("SoftmaxCrossEntropyWithLogits",
     lambda y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x), _probs(3, 4),
     u(3, 4), ref=_xent_ref(), wrt=(1,), name="v1")
# its gradient needs the number of classes (logits' last dim) known when the graph is built
_SX = tf.nn.sparse_softmax_cross_entropy_with_logits
case("SparseSoftmaxCrossEntropyWithLogits", lambda y, x: _SX(labels=y, logits=x),
     np.array([0, 3, 2], np.int32), u(3, 4), grad_unknown=False,
     ref=lambda y, x: -np.take_along_axis(_log_softmax(x), y[:, None], -1)[:, 0])
case("SparseSoftmaxCrossEntropyWithLogits", lambda y, x: _SX(labels=y, logits=x),
     np.array([[1, 0, 3], [2, 2, 0]], np.int64), u(2, 3, 4), grad_unknown=False,
     ref=lambda y, x: -np.take_along_axis(_log_softmax(x), y[..., None], -1)[..., 0], name="3d")
case("SparseSoftmaxCrossEntropyWithLogits",
     lambda y, x: _SX(labels=y, logits=tf.reshape(x, [-1, 4])), np.array([1, 0], np.int32),
     u(2, 4), ref=lambda y, x: -np.take_along_axis(_log_softmax(x), y[:, None], -1)[:, 0],
     name="batch_unknown", unknown_rank=False)

# second=False: as in TF, the variance treats the mean as a constant (stop_gradient), which is
# exact for the first derivative (that term is zero) but not for the second
composite("moments", lambda x: tf.nn.moments(x, axes=[0])[1], u(4, 3),
          ref=lambda x: x.var(axis=0), second=False)
composite("moments", lambda x: tf.nn.moments(x, axes=[0, 1], keep_dims=True)[0], u(2, 3, 2),
          ref=lambda x: x.mean(axis=(0, 1), keepdims=True), name="keep_dims")
composite("batch_normalization", lambda x, m, v, b, g: tf.nn.batch_normalization(
    x, m, v, b, g, 1e-3), u(4, 3), u(3), pos(3), u(3), u(1),
          ref=lambda x, m, v, b, g: (x - m) * g / np.sqrt(v + 1e-3) + b)
composite("embedding_lookup", lambda p, i: tf.nn.embedding_lookup(p, i), u(5, 3),
          np.array([[4, 0], [2, 2]], np.int32), ref=lambda p, i: p[i])

# --- gradient ops (second-order correctness of the rules) ---------------------------------
case("ReluGrad", grad_of(tf.nn.relu), nz(2, 3), u(2, 3), ref=lambda x, g: g * (x > 0))
case("SumToLike", grad_of(lambda y, g: tf.zeros_like(g) + y), u(4), u(3, 4), u(3, 4),
     ref=lambda y, _, g: g.sum(0), wrt=(2,))
case("SumToLike", grad_of(lambda y, g: tf.zeros_like(g) * y), u(3, 1), u(2, 3, 4), u(2, 3, 4),
     ref=lambda y, a, g: np.zeros((3, 1)), wrt=(2,), name="mul")
case("SumToLike", grad_of(lambda y, g: tf.ones_like(g) * y), u(3, 1), u(2, 3, 4), u(2, 3, 4),
     ref=lambda y, a, g: g.sum(axis=(0, 2))[:, None], wrt=(2,), name="lead_and_inner")
# BroadcastLike has no public builder of its own: sum_to's gradient makes it
case("BroadcastLike", lambda a, like: broadcast_ops.broadcast_like(a, like), u(4), u(3, 4),
     ref=lambda a, like: np.broadcast_to(a, like.shape), wrt=(0,))
case("BroadcastLike", lambda a, like: broadcast_ops.broadcast_like(a, like), u(2, 1, 3), u(4, 1),
     ref=lambda a, like: np.broadcast_to(a, (2, 4, 3)), wrt=(0,), name="both")
case("Unreduce", grad_of(lambda x: tf.reduce_sum(x, axis=1)), u(2, 3, 4), u(2, 4),
     ref=lambda x, g: np.broadcast_to(g[:, None, :], x.shape), wrt=(1,))
case("Unreduce", grad_of(lambda x: tf.reduce_sum(x, axis=[-1, 0], keepdims=True)), u(2, 3, 4),
     u(1, 3, 1), ref=lambda x, g: np.broadcast_to(g, x.shape), wrt=(1,), name="keep")
case("Unreduce", grad_of(lambda x: tf.reduce_max(x)), u(2, 3), u(),
     ref=None, wrt=(1,), name="all")
case("GatherGrad", grad_of(lambda p, i: tf.gather(p, i)), u(5, 3), np.array([4, 0, 4], np.int32),
     u(3, 3), ref=lambda p, i, g: _gather_grad(p, i, g, 0), wrt=(2,))
case("GatherGrad", grad_of(lambda p, i: tf.gather(p, i, axis=-1)), u(2, 3),
     np.array([[2, 0], [2, 2]], np.int32), u(2, 2, 2), ref=lambda p, i, g: _gather_grad(p, i, g, 1),
     wrt=(2,), name="neg2d")
case("TileGrad", grad_of(lambda x: tf.tile(x, [2, 3])), u(2, 2), u(4, 6),
     ref=lambda x, g: g.reshape(2, 2, 3, 2).sum(axis=(0, 2)), wrt=(1,))
case("ConcatSlice", grad_of(lambda a, b: tf.concat([a, b], 1), 1), u(2, 3), u(2, 2), u(2, 5),
     ref=lambda a, b, g: g[:, 3:], wrt=(2,))
case("ConcatSlice", grad_of(lambda a, b: tf.concat([a, b], -2), 0), u(2, 3), u(1, 3), u(3, 3),
     ref=lambda a, b, g: g[:2], wrt=(2,), name="neg")
case("StridedSliceGrad", grad_of(lambda x: x[1:, ::-2]), u(4, 5), u(3, 3),
     ref=lambda x, g: _slice_grad(x, (slice(1, None), slice(None, None, -2)), g), wrt=(1,))
case("StridedSliceGrad", grad_of(lambda x: x[..., None, 1]), u(3, 4), u(3, 1),
     ref=lambda x, g: _slice_grad(x, (Ellipsis, None, 1), g), wrt=(1,), name="newaxis")


def _gather_grad(p, i, g, axis):
    """Rows of g added into the rows of p they were gathered from."""
    gf = g.reshape(p.shape[:axis] + (i.size,) + p.shape[axis + 1:])
    out = np.zeros_like(p)
    lead = (slice(None),) * axis
    for k, j in enumerate(i.reshape(-1)):
        out[lead + (j,)] += gf[lead + (k,)]
    return out


def _slice_grad(x, key, g):
    out = np.zeros_like(x)
    out[key] = g
    return out


# --- state: variables and their writers ---------------------------------------------------
case("VariableV2", lambda x: tf.Variable(x).value(), u(2, 3), ref=lambda x: x, init=True)
case("VariableV2", lambda x: tf.Variable(x, dtype=tf.int32).value(), ints(3), ref=lambda x: x,
     init=True, name="int32")
case("IsVariableInitialized", lambda x: tf.is_variable_initialized(tf.Variable(x)), u(2),
     ref=lambda x: np.bool_(True), init=True)
case("IsVariableInitialized", lambda x: tf.is_variable_initialized(tf.Variable(x)), u(2),
     ref=lambda x: np.bool_(False), name="before_init")
# Assign also initializes, so no initializer run is needed
case("Assign", lambda x: tf.assign(tf.Variable(np.zeros((2, 3))), x), u(2, 3), ref=lambda x: x)
case("Assign", lambda x: tf.Variable(np.zeros(3)).assign(x), u(3), ref=lambda x: x,
     name="method")
case("AssignAdd", lambda x, d: tf.assign_add(tf.Variable(x), d), u(2, 3), u(2, 3),
     ref=lambda x, d: x + d, init=True)
case("AssignAdd", lambda x, d: tf.Variable(x).assign_add(d), ints(3), ints(3),
     ref=lambda x, d: x + d, init=True, name="int32")
case("AssignSub", lambda x, d: tf.assign_sub(tf.Variable(x), d), u(2, 3), u(2, 3),
     ref=lambda x, d: x - d, init=True)
case("AssignSub", lambda x, d: tf.Variable(x).assign_sub(d), u(3), u(3),
     ref=lambda x, d: x - d, init=True, name="method")


def _apply_gd(x, lr, d):
    v = tf.Variable(x)
    tf.train.GradientDescentOptimizer(lr).apply_gradients([(d, v)])
    return [op for op in tf.get_default_graph().get_operations()
            if op.type == "ApplyGradientDescent"][-1].outputs[0]


case("ApplyGradientDescent", _apply_gd, u(2, 3), np.array(0.1), u(2, 3),
     ref=lambda x, lr, d: x - lr * d, init=True)

# --- random draws: shape and dtype here; seeds and moments in test_ops.test_random_* -------
case("RandomUniform", lambda: tf.random_uniform([3, 4], dtype=tf.float64, seed=1))
case("RandomUniform", lambda: tf.random_uniform([5], minval=-2, maxval=3, dtype=tf.float32,
                                                seed=2), name="range")
case("RandomStandardNormal", lambda: tf.random_normal([3, 4], dtype=tf.float64, seed=1))
case("TruncatedNormal", lambda: tf.truncated_normal([2, 3, 4], mean=1.0, stddev=2.0,
                                                    dtype=tf.float64, seed=1))

# --- fused optimizer updates (ops/training_ops.py): the output is the variable's new value ---
def _fused(apply, nslots):
    """A builder: variables for var and its slots, then the remaining inputs as given."""
    def build(*ts, **attrs):
        from flowgraph.ops import training_ops
        refs = [tf.Variable(t) for t in ts[:1 + nslots]]
        return getattr(training_ops, apply)(*refs, *ts[1 + nslots:], **attrs)
    return build


def _momentum_ref(nesterov):
    def ref(var, accum, lr, grad, momentum):
        accum = momentum * accum + grad
        return var - lr * (grad + momentum * accum) if nesterov else var - lr * accum
    return ref


def _rmsprop_ref(var, ms, mom, lr, rho, momentum, eps, grad, mg=None):
    ms = rho * ms + (1 - rho) * grad ** 2
    denom = ms + eps if mg is None else ms - (rho * mg + (1 - rho) * grad) ** 2 + eps
    return var - (momentum * mom + lr * grad / np.sqrt(denom))


def _adam_ref(var, m, v, b1p, b2p, lr, b1, b2, eps, grad):
    m = b1 * m + (1 - b1) * grad
    v = b2 * v + (1 - b2) * grad ** 2
    return var - lr * np.sqrt(1 - b2p) / (1 - b1p) * m / (np.sqrt(v) + eps)


def _adadelta_ref(var, accum, accum_update, lr, rho, eps, grad):
    accum = rho * accum + (1 - rho) * grad ** 2
    return var - lr * np.sqrt(accum_update + eps) / np.sqrt(accum + eps) * grad


_S = np.array
case("ApplyMomentum", _fused("apply_momentum", 1), u(2, 3), u(2, 3), _S(0.1), u(2, 3), _S(0.9),
     ref=_momentum_ref(False), init=True)
case("ApplyMomentum", lambda *ts: _fused("apply_momentum", 1)(*ts, use_nesterov=True), u(3),
     u(3), _S(0.1), u(3), _S(0.9), ref=_momentum_ref(True), init=True, name="nesterov")
case("ApplyAdagrad", _fused("apply_adagrad", 1), u(2, 3), pos(2, 3), _S(0.1), u(2, 3),
     ref=lambda var, acc, lr, g: var - lr * g / np.sqrt(acc + g * g), init=True)
case("ApplyRMSProp", _fused("apply_rms_prop", 2), u(2, 3), pos(2, 3), u(2, 3), _S(0.01),
     _S(0.9), _S(0.5), _S(1e-7), u(2, 3), ref=_rmsprop_ref, init=True)
case("ApplyCenteredRMSProp", _fused("apply_centered_rms_prop", 3), u(3), u(3, lo=-0.1, hi=0.1),
     pos(3), u(3), _S(0.01), _S(0.9), _S(0.5), _S(1e-7), u(3),
     ref=lambda var, mg, *rest: _rmsprop_ref(var, *rest, mg=mg), init=True)
case("ApplyAdam", _fused("apply_adam", 2), u(2, 3), u(2, 3), pos(2, 3), _S(0.9 ** 3),
     _S(0.999 ** 3), _S(0.01), _S(0.9), _S(0.999), _S(1e-8), u(2, 3), ref=_adam_ref, init=True)
case("ApplyAdadelta", _fused("apply_adadelta", 2), u(4), pos(4), pos(4), _S(1.0), _S(0.95),
     _S(1e-6), u(4), ref=_adadelta_ref, init=True)


# --- ops whose shape is a run-time tensor (ops/random_ops.py) ----------------------------
def _uniform_dynamic(x):
    from flowgraph.ops import random_ops
    return random_ops.random_uniform_dynamic(tf.shape(x), dtype=tf.float64, seed=3)


def _check_uniform(value, x):
    assert value.shape == x.shape and value.dtype == np.float64
    assert np.all((0 <= value) & (value < 1)) and np.unique(value).size == value.size


# the static shape knows the rank only: the dims come from a tensor
case("RandomUniformDynamic", _uniform_dynamic, u(3, 4), check=_check_uniform, exact_static=False)


def _dynamic_uniform(shape):
    from flowgraph.ops import random_ops
    return random_ops.random_uniform_dynamic(shape, dtype=tf.float64, seed=1)


def _in_unit_interval(value, shape):
    assert value.shape == tuple(shape) and value.min() >= 0 and value.max() < 1


# The mask of tf.nn.dropout on a batch of unknown size; its shape is a run-time input.
case("RandomUniformDynamic", _dynamic_uniform, np.array([3, 4], np.int32), exact_static=False,
     check=_in_unit_interval)
case("RandomUniformDynamic", lambda shape: tf.nn.dropout(
    tf.ones(tf.cast(shape, tf.int32)), rate=0.5, seed=1), ints(2, lo=2, hi=5),
     exact_static=False, name="dropout",
     check=lambda value, shape: set(np.unique(value)) <= {0.0, 2.0})


# --- summaries (ops/summary_ops.py): the output is a serialized Summary protobuf ---------
def _summary(fn_name, tag):
    def build(*ts):
        from flowgraph import summary
        return getattr(summary, fn_name)(tag, *ts)
    return build


def _parsed(value):
    from flowgraph.protos import proto
    return {v.tag: v for v in proto("summary_pb2").Summary.FromString(bytes(value)).value}


def _check_scalars(tags):
    def check(value, *xs):
        got = _parsed(value)
        assert sorted(got) == sorted(tags), sorted(got)
        for tag, x in zip(tags, xs):
            np.testing.assert_allclose(got[tag].simple_value, x.item(), rtol=1e-6)
    return check


def _check_histogram(value, x):
    h, x = _parsed(value)["weights"].histo, x.astype(np.float64)
    assert h.num == x.size and sum(h.bucket) == x.size
    np.testing.assert_allclose([h.min, h.max, h.sum, h.sum_squares],
                               [x.min(), x.max(), x.sum(), (x * x).sum()], rtol=1e-12)


def _check_text(value):
    t = _parsed(value)["notes"]
    assert t.metadata.plugin_data.plugin_name == "text"
    assert [s.decode() for s in t.tensor.string_val] == ["lr = 0.1", "two"]


def _png_pixels(encoded):
    import io

    from PIL import Image  # pillow comes with tensorboard, a test dependency
    return np.asarray(Image.open(io.BytesIO(encoded)))


def _check_images(value, x):
    got = _parsed(value)
    assert sorted(got) == ["img/image/0", "img/image/1"]  # 2 of max_outputs=3
    for i in range(2):
        im = got[f"img/image/{i}"].image
        assert (im.height, im.width, im.colorspace) == (3, 4, 1)
        v = x[i, :, :, 0]  # mixed signs: 0.0 -> 127, scaled so min -> 0 or max -> 255
        scale = min(127 / -v.min(), 127 / v.max())
        np.testing.assert_array_equal(_png_pixels(im.encoded_image_string),
                                      np.floor(v * scale + 127.5).clip(0, 255))


def _check_rgb(value, x):
    im = _parsed(value)["rgb/image"].image
    assert im.colorspace == 3
    np.testing.assert_array_equal(_png_pixels(im.encoded_image_string), x[0])


case("ScalarSummary", _summary("scalar", "loss"), u(), check=_check_scalars(["loss"]))
case("ImageSummary", _summary("image", "img"), u(2, 3, 4, 1), check=_check_images)
case("ImageSummary", lambda x: __import__("flowgraph").summary.image("rgb", x, max_outputs=1),
     np.arange(24, dtype=np.uint8).reshape(1, 2, 4, 3) * 10, check=_check_rgb, name="uint8")
case("ScalarSummary", _summary("scalar", "count"), np.array([7], np.int32),
     check=_check_scalars(["count"]), name="int32")
case("HistogramSummary", _summary("histogram", "weights"), u(3, 4), check=_check_histogram)
case("TextSummary", lambda: _summary("text", "notes")(["lr = 0.1", "two"]), check=_check_text)


def _merged(a, b):
    from flowgraph import summary
    return summary.merge([summary.scalar("a", a), summary.scalar("b", b)])


case("MergeSummary", _merged, u(), u(), check=_check_scalars(["a", "b"]))

# --- composites: public functions made of several ops --------------------------------------
_SCE = tf.nn.sigmoid_cross_entropy_with_logits
composite("nn.sigmoid_cross_entropy_with_logits", lambda z, x: _SCE(labels=z, logits=x),
          RNG.random((3, 4)), u(3, 4) * 3,
          ref=lambda z, x: np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))))
# logits of exactly 0 (zero-initialized weights): the kinks of relu and abs must cancel
composite("nn.sigmoid_cross_entropy_with_logits", lambda z, x: _SCE(labels=z, logits=x),
          RNG.random((2, 3)), np.zeros((2, 3)), ref=lambda z, x: np.log(2) - x * z, name="zero")
composite("losses.mean_squared_error", tf.losses.mean_squared_error, u(3, 2), u(3, 2),
          ref=lambda y, p: np.mean((p - y) ** 2))
composite("losses.mean_squared_error",
          lambda y, p, w: tf.losses.mean_squared_error(y, p, weights=w), u(3, 2), u(3, 2),
          np.array([[1.0], [0.0], [2.0]]), wrt=(0, 1),
          ref=lambda y, p, w: ((p - y) ** 2 * w).sum() / np.count_nonzero(
              np.broadcast_to(w, y.shape)),
          name="weights")
composite("nn.l2_loss", tf.nn.l2_loss, u(2, 3), ref=lambda x: (x ** 2).sum() / 2)
composite("nn.bias_add", tf.nn.bias_add, u(2, 3), u(3), ref=np.add)
composite("squared_difference", tf.squared_difference, u(3, 1), u(4),
          ref=lambda x, y: (x - y) ** 2)
composite("logical_xor", tf.logical_xor, bools(3, 1), bools(4), ref=np.logical_xor)
composite("unstack", lambda x: tf.stack(tf.unstack(x, num=3, axis=1)[::-1]), u(2, 3),
          ref=lambda x: x.T[::-1], unknown_rank=False)
composite("scalar_mul", lambda x: tf.scalar_mul(3.0, x), u(2, 3), ref=lambda x: 3 * x)
composite("rpow", lambda x: np.e ** x, u(2, 3), ref=np.exp)
composite("rsub_array", lambda x: (1 - np.array([1.0, 0.0, 2.0])) * x, u(2, 3),
          ref=lambda x: (1 - np.array([1.0, 0.0, 2.0])) * x)

# --- ops covered by dedicated tests instead of table cases --------------------------------
EXEMPT = {
    "NoOp": "no outputs: test_ops.test_no_op_group_and_control_dependencies",
}

# The fused optimizer updates as their optimizers first apply them (op_cases_training.py);
# imported last because it adds to CASES with `case` from above.
import op_cases_training  # noqa: E402,F401
import op_cases_conv  # noqa: E402,F401  (convolution and pooling: op_cases_conv.py)
