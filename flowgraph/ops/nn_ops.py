"""Activations beyond relu/sigmoid/tanh (elu, selu, leaky_relu, softplus, softsign, relu6),
softmax, log-softmax and the cross-entropies with logits, numerically stable where TensorFlow
is: one block per op."""
from __future__ import annotations

from .. import shapes
from ..registry import OpDef, register
from ..shapes import TensorShape, fmt
from .array_ops import expand_dims, stop_gradient
from .core import FLOATS, INTS, check_dtype, convert_to_tensor, make, same_dtype
from .index_ops import one_hot
from .math_ops import exp, sigmoid, where
from .source_ops import zeros_like
from .reduction_ops import reduce_sum


# --- activations ----------------------------------------------------------------------------
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _float_infer(inputs, attrs):
    check_dtype(inputs[0], FLOATS, "features")
    return [(inputs[0].dtype, inputs[0].shape)]


def _activation(op_type, forward, grad, doc):
    """Register an elementwise float activation; returns its tf.nn wrapper."""
    register(OpDef(op_type, infer=_float_infer, forward=forward, grad=grad))

    def api(features, name=None):
        return make(op_type, [convert_to_tensor(features)], name=name)
    api.__name__, api.__doc__ = op_type.lower(), doc
    return api


def _negative_part(xp, x):
    return xp.expm1(xp.minimum(x, 0))  # exp(x) - 1 for x <= 0, never overflowing


elu = _activation(
    "Elu", lambda xp, x: xp.where(x > 0, x, _negative_part(xp, x)),
    lambda op, dy: [where(op.outputs[0] > 0, dy, dy * (op.outputs[0] + 1))],
    "x where x > 0, else exp(x) - 1 (Clevert et al.). Example: `tf.nn.elu(h)`.")
selu = _activation(
    "Selu", lambda xp, x: SELU_SCALE * xp.where(x > 0, x, SELU_ALPHA * _negative_part(xp, x)),
    lambda op, dy: [where(op.outputs[0] > 0, dy * SELU_SCALE,
                          dy * (op.outputs[0] + SELU_SCALE * SELU_ALPHA))],
    "scale * elu(x) with alpha (Klambauer et al.'s constants, as TF). Example: `tf.nn.selu(h)`.")


def _leaky_relu_forward(xp, x, alpha):
    return xp.where(x > 0, x, x * alpha)


def _leaky_relu_grad(op, dy):
    return [where(op.inputs[0] > 0, dy, dy * op.attrs["alpha"])]


register(OpDef("LeakyRelu", infer=_float_infer, forward=_leaky_relu_forward,
               grad=_leaky_relu_grad))


def leaky_relu(features, alpha=0.2, name=None):
    """x where x > 0, else alpha * x (TF1's default alpha is 0.2).

    Example: `tf.nn.leaky_relu(h, alpha=0.1)`.
    """
    return make("LeakyRelu", [convert_to_tensor(features)], name=name, alpha=float(alpha))


softplus = _activation(
    "Softplus", lambda xp, x: xp.logaddexp(x, 0).astype(x.dtype, copy=False),
    lambda op, dy: [dy * sigmoid(op.inputs[0])],
    "log(1 + exp(x)), computed without overflow. Example: `tf.nn.softplus(h)`.")
softsign = _activation(
    "Softsign", lambda xp, x: x / (1 + xp.abs(x)),
    lambda op, dy: [dy * (1 - abs(op.outputs[0])) * (1 - abs(op.outputs[0]))],
    "x / (1 + |x|). Example: `tf.nn.softsign(h)`.")
relu6 = _activation(
    "Relu6", lambda xp, x: xp.minimum(xp.maximum(x, 0), 6).astype(x.dtype, copy=False),
    lambda op, dy: [where((op.inputs[0] > 0) & (op.inputs[0] < 6), dy, zeros_like(dy))],
    "min(max(x, 0), 6). Example: `tf.nn.relu6(h)`.")


# --- softmax and cross-entropies ---------------------------------------------------------------
def _axis_infer(inputs, attrs):
    x = inputs[0]
    check_dtype(x, FLOATS, "logits")
    if x.shape.ndims is not None:
        shapes.normalize_axis(attrs["axis"], x.shape.ndims)
    return [(x.dtype, x.shape)]


def _log_softmax(xp, x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def _softmax(xp, x, axis):
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)  # e is a fresh buffer: divide in place
    return e


def _softmax_grad(op, dy):
    y, axis = op.outputs[0], op.attrs["axis"]
    return [(dy - reduce_sum(dy * y, axis, keepdims=True)) * y]


def _log_softmax_grad(op, dy):
    y, axis = op.outputs[0], op.attrs["axis"]
    return [dy - exp(y) * reduce_sum(dy, axis, keepdims=True)]


register(OpDef("Softmax", infer=_axis_infer, forward=_softmax, grad=_softmax_grad))
register(OpDef("LogSoftmax", infer=_axis_infer, forward=_log_softmax, grad=_log_softmax_grad))


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / sum(exp(logits)) along `axis` (default last), computed stably."""
    axis = -1 if axis is None and dim is None else (axis if axis is not None else dim)
    return make("Softmax", [convert_to_tensor(logits)], name=name, axis=int(axis))


def log_softmax(logits, axis=None, name=None, dim=None):
    """logits - log(sum(exp(logits))) along `axis` (default last), computed stably."""
    axis = -1 if axis is None and dim is None else (axis if axis is not None else dim)
    return make("LogSoftmax", [convert_to_tensor(logits)], name=name, axis=int(axis))


# --- cross-entropy with logits --------------------------------------------------------------
def _xent_infer(inputs, attrs):
    labels, logits = inputs
    same_dtype([logits, labels])
    check_dtype(logits, FLOATS, "logits")
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError(f"labels of shape {fmt(labels.shape)} and logits of shape "
                         f"{fmt(logits.shape)} must have one shape")
    s = logits.shape.merge_with(labels.shape)
    if s.dims is None:
        return [(logits.dtype, TensorShape(None))]
    ax = shapes.normalize_axis(attrs["axis"], len(s.dims))[0]
    return [(logits.dtype, TensorShape(d for i, d in enumerate(s.dims) if i != ax))]


def _xent_forward(xp, labels, logits, axis):
    return -(labels * _log_softmax(xp, logits, axis)).sum(axis=axis)


def _xent_grad(op, dy):
    labels, logits = op.inputs
    axis = op.attrs["axis"]
    g = expand_dims(dy, axis)
    # d/dlogits is softmax * sum(labels) - labels; TF's softmax - labels assumes labels sum to 1
    total = reduce_sum(labels, axis, keepdims=True)
    return [g * -log_softmax(logits, axis), g * (softmax(logits, axis) * total - labels)]


register(OpDef("SoftmaxCrossEntropyWithLogits", infer=_xent_infer, forward=_xent_forward,
               grad=_xent_grad))


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, dim=-1,
                                         name=None, axis=None):
    """Per-example -sum(labels * log_softmax(logits)); gradients reach labels and logits."""
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("softmax_cross_entropy_with_logits takes only named arguments "
                         "(labels=..., logits=...)")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype)
    axis = dim if axis is None else axis
    return make("SoftmaxCrossEntropyWithLogits", [labels, logits], name=name, axis=int(axis))


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """Like the _v2 op, but (as in TF1) no gradient flows into labels."""
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("softmax_cross_entropy_with_logits takes only named arguments "
                         "(labels=..., logits=...)")
    labels = stop_gradient(convert_to_tensor(labels, dtype=convert_to_tensor(logits).dtype))
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, dim=dim,
                                                name=name, axis=axis)


def _sparse_infer(inputs, attrs):
    labels, logits = inputs
    check_dtype(labels, INTS, "labels")
    check_dtype(logits, FLOATS, "logits")
    if logits.shape.dims is not None:
        if labels.shape.dims is not None and not labels.shape.is_compatible_with(
                TensorShape(logits.shape.dims[:-1])):
            raise ValueError(f"labels of shape {fmt(labels.shape)} must match logits of shape "
                             f"{fmt(logits.shape)} without its last dimension")
        return [(logits.dtype, TensorShape(logits.shape.dims[:-1]))]
    return [(logits.dtype, labels.shape)]


def _sparse_forward(xp, labels, logits):
    n = logits.shape[-1]
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= n):
        bad = int(labels.min()) if int(labels.min()) < 0 else int(labels.max())
        raise IndexError(f"Received a label value of {bad} which is outside the valid range "
                         f"of [0, {n})")
    ls = _log_softmax(xp, logits, -1)
    return -xp.take_along_axis(ls, xp.expand_dims(labels.astype(xp.int64), -1), axis=-1)[..., 0]


def _sparse_grad(op, dy):
    labels, logits = op.inputs
    depth = logits.shape.dims[-1] if logits.shape.dims else None
    if depth is None:
        raise ValueError(f"the gradient of {op.describe()} needs the number of classes (the "
                         f"last dimension of logits) known when the graph is built")
    return [None, expand_dims(dy, -1) * (softmax(logits) - one_hot(labels, depth, dtype=logits.dtype))]


register(OpDef("SparseSoftmaxCrossEntropyWithLogits", infer=_sparse_infer,
               forward=_sparse_forward, grad=_sparse_grad))


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    """Per-example cross-entropy for integer class labels in [0, num_classes)."""
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("sparse_softmax_cross_entropy_with_logits takes only named arguments "
                         "(labels=..., logits=...)")
    return make("SparseSoftmaxCrossEntropyWithLogits",
                [convert_to_tensor(labels), convert_to_tensor(logits)], name=name)
