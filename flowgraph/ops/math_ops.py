"""Elementwise math, comparisons, casts, selection (where) and matmul: one block per op."""
from __future__ import annotations

import numpy as np

from .. import dtypes, shapes
from ..errors import InvalidArgumentError
from ..registry import NOT_DIFFERENTIABLE, OpDef, register, ufunc
from ..shapes import TensorShape, fmt
from .core import (FLOATS, NUMBERS, binary_inputs, check_dtype, convert_to_tensor, make,
                   merged_shape, same_dtype)
from .array_ops import concat, reshape
from .broadcast_ops import sum_to
from .index_ops import strided_slice
from .source_ops import ones_like, zeros_like

BOOL = (dtypes.bool_,)


def _bcast(inputs):
    x, y = inputs
    try:
        return shapes.broadcast(x.shape, y.shape)
    except ValueError as e:
        raise ValueError(f"{e} with input shapes: {fmt(x.shape)}, {fmt(y.shape)}") from None


# --- elementwise unary ----------------------------------------------------------------------
def _unary(op_type, forward, grad, allowed=NUMBERS, out_dtype=None):
    def infer(inputs, attrs):
        check_dtype(inputs[0], allowed)
        return [(out_dtype or inputs[0].dtype, inputs[0].shape)]

    register(OpDef(op_type, infer=infer, forward=forward, grad=grad))

    def api(x, name=None):
        return make(op_type, [convert_to_tensor(x)], name=name)

    api.__name__ = op_type.lower()
    api.__doc__ = f"Elementwise {op_type}. Example: `tf.{api.__name__}(x)`; same shape and dtype as x."
    return api


negative = _unary("Neg", ufunc("negative"), lambda op, dy: [negative(dy)])
abs = _unary("Abs", ufunc("abs"), lambda op, dy: [dy * sign(op.inputs[0])])
sign = _unary("Sign", ufunc("sign"), lambda op, dy: [zeros_like(op.inputs[0])])
square = _unary("Square", ufunc("square"),
                lambda op, dy: [dy * (op.inputs[0] * 2)])
sqrt = _unary("Sqrt", ufunc("sqrt"), lambda op, dy: [dy * 0.5 / op.outputs[0]], FLOATS)
rsqrt = _unary("Rsqrt", lambda xp, x: 1 / xp.sqrt(x),
               lambda op, dy: [dy * -0.5 * op.outputs[0] * op.outputs[0] * op.outputs[0]], FLOATS)
exp = _unary("Exp", ufunc("exp"), lambda op, dy: [dy * op.outputs[0]], FLOATS)
log = _unary("Log", ufunc("log"), lambda op, dy: [dy / op.inputs[0]], FLOATS)
log1p = _unary("Log1p", ufunc("log1p"), lambda op, dy: [dy / (op.inputs[0] + 1)], FLOATS)


def _sigmoid(xp, x):
    # TF's own form. For x < -88 (float32) exp(-x) is inf and the result 0, TF's value too;
    # plans run kernels with floating-point warnings off. Accurate in both tails and the
    # fastest accurate form (benchmarks/kernels.py).
    return 1 / (1 + xp.exp(-x))


sigmoid = _unary("Sigmoid", _sigmoid,
                 lambda op, dy: [dy * op.outputs[0] * (1 - op.outputs[0])], FLOATS)
tanh = _unary("Tanh", ufunc("tanh"),
              lambda op, dy: [dy * (1 - op.outputs[0] * op.outputs[0])], FLOATS)
relu = _unary("Relu", lambda xp, x: xp.maximum(x, 0),
              lambda op, dy: [relu_grad(dy, op.outputs[0])])
logical_not = _unary("LogicalNot", ufunc("logical_not"), NOT_DIFFERENTIABLE, BOOL)
floor = _unary("Floor", ufunc("floor"), lambda op, dy: [zeros_like(op.inputs[0])], FLOATS)
round = _unary("Round", lambda xp, x: x if x.dtype.kind in "iub" else xp.rint(x),
               NOT_DIFFERENTIABLE)
round.__doc__ = ("Elementwise rounding to the nearest integer, halves to even (as TF: "
                 "`tf.round([0.5, 1.5, 2.5])` is [0., 2., 2.]); integers pass unchanged.")
sin = _unary("Sin", ufunc("sin"), lambda op, dy: [dy * cos(op.inputs[0])], FLOATS)
cos = _unary("Cos", ufunc("cos"), lambda op, dy: [-dy * sin(op.inputs[0])], FLOATS)
reciprocal = _unary("Reciprocal", lambda xp, x: 1 / x,
                    lambda op, dy: [-dy * op.outputs[0] * op.outputs[0]], FLOATS)


def _relu_grad_infer(inputs, attrs):
    return [(same_dtype(inputs), _bcast(inputs))]


register(OpDef("ReluGrad", infer=_relu_grad_infer,
               forward=lambda xp, dy, y: dy * (y > 0),
               grad=lambda op, g: [relu_grad(g, op.inputs[1]), None]))


def relu_grad(dy, y, name=None):
    """dy where y > 0, else 0: the gradient of relu given its output y."""
    return make("ReluGrad", [dy, y], name=name)


# --- elementwise binary ---------------------------------------------------------------------
def _binary(op_type, forward, grad, allowed=NUMBERS, out_dtype=None):
    def infer(inputs, attrs):
        dt = same_dtype(inputs)
        check_dtype(inputs[0], allowed)
        return [(out_dtype or dt, _bcast(inputs))]

    register(OpDef(op_type, infer=infer, forward=forward, grad=grad))

    def api(x, y, name=None):
        x, y = binary_inputs(x, y, op_type)
        return make(op_type, [x, y], name=name)

    api.__name__ = op_type.lower()
    api.__doc__ = (f"Elementwise {op_type} with NumPy broadcasting. Both operands share one dtype; "
                   f"a Python or NumPy value takes the tensor's dtype.")
    return api


def _sum_pair(op, gx, gy):
    """Input gradients of a broadcasting binary op: each output gradient summed back to its
    input's shape (no op at all where the shapes show that input was not broadcast)."""
    x, y = op.inputs

    def back(g, t, other):
        if g is None or shapes.broadcast_keeps(t.shape, other.shape):
            return g
        return sum_to(g, t)
    return [back(gx, x, y), back(gy, y, x)]


add = _binary("Add", ufunc("add"), lambda op, dy: _sum_pair(op, dy, dy),
              NUMBERS + BOOL)
subtract = _binary("Sub", ufunc("subtract"),
                   lambda op, dy: _sum_pair(op, dy, negative(dy)))
multiply = _binary("Mul", ufunc("multiply"),
                   lambda op, dy: _sum_pair(op, dy * op.inputs[1], dy * op.inputs[0]))
real_div = _binary("RealDiv", ufunc("true_divide"),
                   lambda op, dy: _sum_pair(op, dy / op.inputs[1],
                                            -dy * op.outputs[0] / op.inputs[1]), FLOATS)
def _integer_checked(name):
    """`xp.<name>(x, y)` that refuses an integer divisor of 0 as TF does (NumPy returns 0)."""
    def forward(xp, x, y):
        if y.dtype.kind in "iu" and not y.all():
            raise InvalidArgumentError(None, None, "Integer division by zero")
        return getattr(xp, name)(x, y)
    forward.__name__ = f"checked_{name}"
    return forward


floordiv = _binary("FloorDiv", _integer_checked("floor_divide"), NOT_DIFFERENTIABLE)
floormod = _binary("FloorMod", _integer_checked("mod"),
                   lambda op, dy: _sum_pair(op, dy, -dy * floordiv(op.inputs[0], op.inputs[1])))
maximum = _binary("Maximum", ufunc("maximum"),
                  lambda op, dy: _sum_pair(op, where(op.inputs[0] >= op.inputs[1], dy, zeros_like(dy)),
                                           where(op.inputs[0] < op.inputs[1], dy, zeros_like(dy))))
minimum = _binary("Minimum", ufunc("minimum"),
                  lambda op, dy: _sum_pair(op, where(op.inputs[0] <= op.inputs[1], dy, zeros_like(dy)),
                                           where(op.inputs[0] > op.inputs[1], dy, zeros_like(dy))))


def _pow_grad(op, dy):
    x, y = op.inputs
    gx = dy * y * pow(x, y - 1)
    if not x.dtype.is_floating:
        return _sum_pair(op, gx, None)
    safe_log = where(x > 0, log(where(x > 0, x, ones_like(x))), zeros_like(x))
    return _sum_pair(op, gx, dy * op.outputs[0] * safe_log)


pow = _binary("Pow", ufunc("power"), _pow_grad)

equal = _binary("Equal", ufunc("equal"), NOT_DIFFERENTIABLE, NUMBERS + BOOL,
                dtypes.bool_)
not_equal = _binary("NotEqual", ufunc("not_equal"), NOT_DIFFERENTIABLE,
                    NUMBERS + BOOL, dtypes.bool_)
less = _binary("Less", ufunc("less"), NOT_DIFFERENTIABLE, NUMBERS, dtypes.bool_)
less_equal = _binary("LessEqual", ufunc("less_equal"), NOT_DIFFERENTIABLE,
                     NUMBERS, dtypes.bool_)
greater = _binary("Greater", ufunc("greater"), NOT_DIFFERENTIABLE, NUMBERS,
                  dtypes.bool_)
greater_equal = _binary("GreaterEqual", ufunc("greater_equal"),
                        NOT_DIFFERENTIABLE, NUMBERS, dtypes.bool_)
logical_and = _binary("LogicalAnd", ufunc("logical_and"), NOT_DIFFERENTIABLE, BOOL)
logical_or = _binary("LogicalOr", ufunc("logical_or"), NOT_DIFFERENTIABLE, BOOL)


def squared_difference(x, y, name=None):
    return square(subtract(x, y), name=name)


def logical_xor(x, y, name="LogicalXor"):
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def truediv(x, y, name=None):
    """x / y; integer operands are cast to float first (int8/16 -> float32, else float64)."""
    x, y = binary_inputs(x, y, "truediv")
    if x.dtype.is_integer:
        ft = dtypes.float32 if x.dtype in (dtypes.int8, dtypes.int16, dtypes.uint8,
                                           dtypes.uint16) else dtypes.float64
        x, y = cast(x, ft), cast(y, ft)
    return real_div(x, y, name=name)


divide = truediv


def div(x, y, name=None):
    """TF1's old `div`: floor division for integers, true division for floats."""
    x, y = binary_inputs(x, y, "div")
    return floordiv(x, y, name=name) if x.dtype.is_integer else real_div(x, y, name=name)


mod = floormod
floor_div = floordiv
sub = subtract
mul = multiply


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x, name=name)


# --- n-ary and misc -------------------------------------------------------------------------
def _add_n_infer(inputs, attrs):
    return [(same_dtype(inputs), merged_shape(inputs, "AddN"))]


def _add_n_forward(xp, *xs):
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        out += x
    return out


register(OpDef("AddN", infer=_add_n_infer, forward=_add_n_forward,
               grad=lambda op, dy: [dy] * len(op.inputs)))


def add_n(inputs, name=None):
    """Sum of a list of tensors of one shape and dtype."""
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("add_n needs at least one tensor")
    if len(inputs) == 1:
        return inputs[0]
    return make("AddN", inputs, name=name)


def _cast_infer(inputs, attrs):
    return [(attrs["dtype"], inputs[0].shape)]


def _cast_grad(op, dy):
    src = op.inputs[0].dtype
    if src.is_floating and op.attrs["dtype"].is_floating:
        return [cast(dy, src)]
    return [None]


register(OpDef("Cast", infer=_cast_infer,
               forward=lambda xp, x, dtype: x.astype(dtype.np_dtype),
               grad=_cast_grad,
               tf_attrs=lambda op: {"SrcT": op.inputs[0].dtype, "DstT": op.attrs["dtype"]}))


def cast(x, dtype, name=None):
    """`x` converted to `dtype` (bool: nonzero is True; float to int truncates toward zero)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return make("Cast", [x], name=name, dtype=dtype)


to_float = lambda x, name="ToFloat": cast(x, dtypes.float32, name=name)  # noqa: E731
to_int32 = lambda x, name="ToInt32": cast(x, dtypes.int32, name=name)  # noqa: E731
to_int64 = lambda x, name="ToInt64": cast(x, dtypes.int64, name=name)  # noqa: E731
to_double = lambda x, name="ToDouble": cast(x, dtypes.float64, name=name)  # noqa: E731


def _clip_infer(inputs, attrs):
    t, lo, hi = inputs
    dt = same_dtype(inputs)
    for b in (lo, hi):
        out = shapes.broadcast(t.shape, b.shape)
        if not out.is_compatible_with(t.shape):  # the output has t's shape: bounds can't grow it
            raise ValueError(f"clip bound of shape {fmt(b.shape)} does not broadcast to "
                             f"{fmt(t.shape)}")
    return [(dt, t.shape)]


def _clip_grad(op, dy):
    t, lo, hi = op.inputs
    zero = zeros_like(dy)
    below, above = t < lo, t > hi
    inside = logical_not(logical_or(below, above))
    return [where(inside, dy, zero), sum_to(where(below, dy, zero), lo),
            sum_to(where(above, dy, zero), hi)]


register(OpDef("ClipByValue", infer=_clip_infer,
               forward=lambda xp, t, lo, hi: xp.minimum(xp.maximum(t, lo), hi), grad=_clip_grad))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Elementwise clip of t into [clip_value_min, clip_value_max]; bounds may broadcast."""
    t = convert_to_tensor(t)
    lo = convert_to_tensor(clip_value_min, dtype=t.dtype)
    hi = convert_to_tensor(clip_value_max, dtype=t.dtype)
    return make("ClipByValue", [t, lo, hi], name=name)


# --- matmul ---------------------------------------------------------------------------------
def _matmul_infer(inputs, attrs):
    a, b = inputs
    dt = same_dtype(inputs)
    check_dtype(a, NUMBERS, "a")
    sa, sb = a.shape, b.shape
    for s, nm in ((sa, "a"), (sb, "b")):
        if s.dims is not None and len(s.dims) < 2:
            raise ValueError(f"Shape must be rank 2 but is rank {len(s.dims)} for input '{nm}' "
                             f"with input shapes: {fmt(sa)}, {fmt(sb)}")
    if sa.dims is None or sb.dims is None:
        return [(dt, TensorShape(None))]
    m, ka = (sa.dims[-1], sa.dims[-2]) if attrs["transpose_a"] else (sa.dims[-2], sa.dims[-1])
    kb, n = (sb.dims[-1], sb.dims[-2]) if attrs["transpose_b"] else (sb.dims[-2], sb.dims[-1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"Dimensions must be equal, but are {ka} and {kb} with input shapes: "
                         f"{fmt(sa)}, {fmt(sb)} (transpose_a={attrs['transpose_a']}, "
                         f"transpose_b={attrs['transpose_b']})")
    batch = shapes.broadcast(TensorShape(sa.dims[:-2]), TensorShape(sb.dims[:-2]))
    return [(dt, TensorShape(list(batch.dims) + [m, n]))]


def _matmul_forward(xp, a, b, transpose_a, transpose_b):
    if transpose_a:
        a = a.swapaxes(-1, -2)
    if transpose_b:
        b = b.swapaxes(-1, -2)
    return xp.matmul(a, b)


def _matmul_grad(op, dy):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        ga, gb = matmul(dy, b, transpose_b=True), matmul(a, dy, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(dy, b), matmul(dy, a, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b, dy, transpose_b=True), matmul(a, dy)
    else:
        ga, gb = matmul(b, dy, True, True), matmul(dy, a, True, True)
    if a.shape.ndims == 2 and b.shape.ndims == 2:
        return [ga, gb]
    return [sum_to(ga, a), sum_to(gb, b)]


register(OpDef("MatMul", infer=_matmul_infer, forward=_matmul_forward, grad=_matmul_grad))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           name=None, **unused):
    """Matrix product of rank>=2 tensors (batch dims broadcast), optionally transposed.

    Example: `tf.matmul(x, W)` with x [None, 2] and W [2, 3] gives [None, 3].
    """
    a, b = binary_inputs(a, b, "MatMul")
    return make("MatMul", [a, b], name=name, transpose_a=bool(transpose_a or adjoint_a),
                transpose_b=bool(transpose_b or adjoint_b))


def merge_matmul_grads(parts):
    """`parts` (gradients to be summed) with the products a_i^T b_i among them (the weight
    gradients of a matrix used at every step of an unrolled RNN, or by several layers) summed
    as one product of stacked factors, [a_1; ...; a_n]^T [b_1; ...; b_n]: one large matrix
    product instead of n small ones and n - 1 additions (half the time for an LSTM's 28 steps:
    benchmarks/kernels.py). a b_i^T products are merged likewise, stacked side by side."""
    groups, kept = {}, []
    for p in parts:
        op = p.op
        ta, tb = op.attrs.get("transpose_a"), op.attrs.get("transpose_b")
        if op.type == "MatMul" and ta != tb and all(t.shape.ndims == 2 for t in op.inputs):
            groups.setdefault(bool(ta), []).append(p)
        else:
            kept.append(p)
    for stacked_rows, group in groups.items():
        if len(group) == 1:
            kept.extend(group)
            continue
        axis = 0 if stacked_rows else 1
        a = concat([p.op.inputs[0] for p in group], axis)
        b = concat([p.op.inputs[1] for p in group], axis)
        kept.append(matmul(a, b, transpose_a=stacked_rows, transpose_b=not stacked_rows))
    return kept


# --- selection ------------------------------------------------------------------------------
def _select_infer(inputs, attrs):
    cond, x, y = inputs
    check_dtype(cond, (dtypes.bool_,), "condition")
    dt = same_dtype([x, y])
    try:
        out = shapes.broadcast(shapes.broadcast(cond.shape, x.shape), y.shape)
    except ValueError as e:
        raise ValueError(f"{e}: condition {fmt(cond.shape)}, x {fmt(x.shape)}, "
                         f"y {fmt(y.shape)}") from None
    return [(dt, out)]


def _select_grad(op, dy):
    c, x, y = op.inputs
    z = zeros_like(dy)
    return [None, sum_to(where(c, dy, z), x), sum_to(where(c, z, dy), y)]


register(OpDef("Select", infer=_select_infer, grad=_select_grad,
               forward=lambda xp, c, x, y: xp.where(c, x, y)))
register(OpDef("Where", grad=NOT_DIFFERENTIABLE,
               infer=lambda inputs, attrs: [(dtypes.int64, TensorShape([None, inputs[0].shape.ndims]))],
               forward=lambda xp, c: xp.argwhere(c).astype(np.int64)))


def where(condition, x=None, y=None, name=None):
    """x where condition is true, else y (all three broadcast); with x and y None, the
    int64 coordinates of the true entries. As in TF1, a vector condition with a higher-rank
    x picks whole rows: its length must match x's first dimension."""
    cond = convert_to_tensor(condition)
    if x is None and y is None:
        return make("Where", [cond], name=name)
    if x is None or y is None:
        raise ValueError("where needs both x and y, or neither")
    x, y = binary_inputs(x, y, "Select")
    rank = shapes.broadcast(x.shape, y.shape).ndims
    if cond.shape.ndims == 1 and rank is not None and rank > 1:
        cond = reshape(cond, [-1] + [1] * (rank - 1))
    return make("Select", [cond, x, y], name=name)


# --- Python operators on Tensor and Variable ------------------------------------------------
def _op(fn, name):
    return lambda self, other: fn(self, other, name=name)


def _r(fn, name):
    return lambda self, other: fn(other, self, name=name)


# Operators name their ops as TF1 does ("add", "mul", ...; comparisons keep the type's name).
OPERATORS = {
    "__add__": _op(add, "add"), "__radd__": _r(add, "add"),
    "__sub__": _op(subtract, "sub"), "__rsub__": _r(subtract, "sub"),
    "__mul__": _op(multiply, "mul"), "__rmul__": _r(multiply, "mul"),
    "__truediv__": _op(truediv, "truediv"), "__rtruediv__": _r(truediv, "truediv"),
    "__floordiv__": _op(floordiv, "floordiv"), "__rfloordiv__": _r(floordiv, "floordiv"),
    "__mod__": _op(floormod, "mod"), "__rmod__": _r(floormod, "mod"),
    "__pow__": _op(pow, "pow"), "__rpow__": _r(pow, "pow"),
    "__matmul__": _op(matmul, "matmul"), "__rmatmul__": _r(matmul, "matmul"),
    "__lt__": _op(less, None), "__le__": _op(less_equal, None),
    "__gt__": _op(greater, None), "__ge__": _op(greater_equal, None),
    "__and__": _op(logical_and, "and"), "__rand__": _r(logical_and, "and"),
    "__or__": _op(logical_or, "or"), "__ror__": _r(logical_or, "or"),
    "__xor__": _op(logical_xor, "xor"), "__rxor__": _r(logical_xor, "xor"),
    "__neg__": lambda self: negative(self), "__abs__": lambda self: abs(self),
    "__invert__": lambda self: logical_not(self), "__pos__": lambda self: self,
    "__getitem__": lambda self, key: strided_slice(self, key),
}


def install_operators(cls):
    """Give `cls` (Tensor, Variable) TF's Python operators."""
    for name, fn in OPERATORS.items():
        setattr(cls, name, fn)

