"""`keras.activations`: the element-wise activation functions of Keras 2.2.4, as compositions
of flowgraph ops with the TensorFlow backend's formulas, and `get`/`serialize` by name.

Example:
    from flowgraph.keras import activations
    act = activations.get("relu")          # None gives `linear`
    y = act(x)                             # a flowgraph Tensor
"""
from __future__ import annotations

from ..ops import math_ops, nn_ops
from ..ops.core import convert_to_tensor
from ..ops.reduction_ops import reduce_max, reduce_sum

# SELU's constants (Klambauer et al. 2017), as Keras 2.2.4 writes them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def relu(x, alpha=0., max_value=None, threshold=0.):
    """max(x, 0) by default; otherwise max_value for x >= max_value, x for threshold <= x <
    max_value, alpha * (x - threshold) below threshold (the backend's K.relu).

    Example: `relu(x, max_value=6.)` is relu6.
    """
    x = convert_to_tensor(x)
    if alpha != 0. and max_value is None and threshold == 0.:
        return nn_ops.leaky_relu(x, alpha=alpha)
    if alpha != 0.:
        negative_part = math_ops.relu(threshold - x if threshold != 0. else -x)
    clip_max = max_value is not None
    if threshold != 0.:
        # x where x > threshold else 0 (the backend casts to floatx; x's dtype keeps
        # float64 inputs working and is the same for float32)
        x = x * math_ops.cast(math_ops.greater(x, threshold), x.dtype)
    elif max_value == 6:
        x, clip_max = nn_ops.relu6(x), False   # TF's fused relu6, as the backend uses
    else:
        x = math_ops.relu(x)
    if clip_max:
        x = math_ops.clip_by_value(x, 0., max_value)
    if alpha != 0.:
        x = x - alpha * negative_part
    return x


def sigmoid(x):
    """1 / (1 + exp(-x)). Example: `sigmoid(logits)`."""
    return math_ops.sigmoid(x)


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1): Keras 2.2.4's cheap sigmoid (LSTM's recurrent activation).

    Example: `hard_sigmoid(x)` is 0 below -2.5 and 1 above 2.5.
    """
    x = convert_to_tensor(x)
    return math_ops.clip_by_value(0.2 * x + 0.5, 0., 1.)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`; a rank-1 input is a ValueError, as in Keras 2.2.4.

    Example: `softmax(logits)` of shape (batch, classes) sums to 1 along the classes.
    """
    x = convert_to_tensor(x)
    ndim = x.shape.ndims
    if ndim is not None and ndim < 2:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D (got {x.describe()} of "
                         f"rank {ndim})")
    if ndim == 2:
        # Keras 2.2.4 calls K.softmax(x) here without `axis`: a 2-D softmax is always over
        # the last axis
        return nn_ops.softmax(x)
    e = math_ops.exp(x - reduce_max(x, axis=axis, keepdims=True))
    return e / reduce_sum(e, axis=axis, keepdims=True)


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1). Example: `elu(x, alpha=0.5)`."""
    x = convert_to_tensor(x)
    res = nn_ops.elu(x)
    if alpha == 1:
        return res
    return math_ops.where(x > 0, res, alpha * res)


def selu(x):
    """scale * elu(x, alpha) with SELU's fixed constants. Example: `selu(x)`."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def softplus(x):
    """log(exp(x) + 1), without overflow. Example: `softplus(x)`."""
    return nn_ops.softplus(x)


def softsign(x):
    """x / (|x| + 1). Example: `softsign(x)`."""
    return nn_ops.softsign(x)


def tanh(x):
    """The hyperbolic tangent. Example: `tanh(x)`."""
    return math_ops.tanh(x)


def exponential(x):
    """exp(x). Example: `exponential(x)`."""
    return math_ops.exp(x)


def linear(x):
    """The identity: `linear(x) is x` (what `activation=None` means)."""
    return x


_BY_NAME = {f.__name__: f for f in (
    softmax, elu, selu, softplus, softsign, relu, tanh, sigmoid, hard_sigmoid, exponential,
    linear)}


def serialize(activation) -> str:
    """The name an activation is saved under. Example: `serialize(relu) == "relu"`."""
    return activation.__name__


def deserialize(name, custom_objects=None):
    """The activation called `name` (custom_objects first). Example: `deserialize("tanh")`."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    fn = _BY_NAME.get(name)
    if fn is None:
        raise ValueError(f"Unknown activation function: {name!r} (known: "
                         f"{', '.join(sorted(_BY_NAME))})")
    return fn


def get(identifier):
    """An activation function from None (linear), a name, or a callable (returned as it is).

    Example: `get("sigmoid")(x)`; `get(None) is linear`.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")
