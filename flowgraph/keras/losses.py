"""`keras.losses`: Keras 2.2.4's loss functions with its TensorFlow backend's formulas,
composed of flowgraph ops.

Each takes `(y_true, y_pred)` of the same rank and returns one loss per sample (a mean over
the last axis where Keras takes one); the batch mean is the training loop's business, and so
is turning a target of shape (N,) into (N, 1) before it gets here.

Example:
    from flowgraph.keras import losses
    per_sample = losses.get("mse")(y_true, y_pred)     # shape (batch,)
"""
from __future__ import annotations

import numpy as np

from .. import nn
from ..ops import nn_ops
from ..ops.array_ops import reshape, shape as shape_of
from ..ops.core import convert_to_tensor
from ..ops.math_ops import abs as abs_, cast, clip_by_value, log, maximum, rsqrt, square
from ..ops.reduction_ops import reduce_max, reduce_mean, reduce_sum
from ..tensor import Tensor
from . import backend as K


def as_pair(y_true, y_pred):
    """Both as tensors of y_pred's dtype (Keras's target placeholder has the output's dtype;
    a NumPy target or an integer label tensor is converted here)."""
    y_pred = convert_to_tensor(y_pred)
    if isinstance(y_true, Tensor) or hasattr(y_true, "_as_graph_element"):
        return cast(y_true, y_pred.dtype), y_pred
    return convert_to_tensor(np.asarray(y_true, dtype=y_pred.dtype.np_dtype)), y_pred


def _eps(t):
    return convert_to_tensor(K.epsilon(), dtype=t.dtype)


def _clip_below(x, low):
    # K.clip(x, low, None): the TF backend clips to [low, inf]
    return clip_by_value(x, low, np.inf)


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true) ** 2) over the last axis."""
    y_true, y_pred = as_pair(y_true, y_pred)
    return reduce_mean(square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|) over the last axis."""
    y_true, y_pred = as_pair(y_true, y_pred)
    return reduce_mean(abs_(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|) over the last axis."""
    y_true, y_pred = as_pair(y_true, y_pred)
    diff = abs_((y_true - y_pred) / _clip_below(abs_(y_true), K.epsilon()))
    return 100. * reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2) over the last axis."""
    y_true, y_pred = as_pair(y_true, y_pred)
    first_log = log(_clip_below(y_pred, K.epsilon()) + 1.)
    second_log = log(_clip_below(y_true, K.epsilon()) + 1.)
    return reduce_mean(square(first_log - second_log), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0) ** 2) over the last axis (targets -1 or 1)."""
    y_true, y_pred = as_pair(y_true, y_pred)
    return reduce_mean(square(maximum(1. - y_true * y_pred, 0.)), axis=-1)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis (targets -1 or 1)."""
    y_true, y_pred = as_pair(y_true, y_pred)
    return reduce_mean(maximum(1. - y_true * y_pred, 0.), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(0, max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1), per sample."""
    y_true, y_pred = as_pair(y_true, y_pred)
    pos = reduce_sum(y_true * y_pred, axis=-1)
    neg = reduce_max((1. - y_true) * y_pred, axis=-1)
    return maximum(0., neg - pos + 1.)


def logcosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, computed as
    x + softplus(-2x) - log(2) so that large errors do not overflow."""
    y_true, y_pred = as_pair(y_true, y_pred)
    x = y_pred - y_true
    return reduce_mean(x + nn_ops.softplus(-2. * x) - np.log(2.), axis=-1)


def categorical_crossentropy(y_true, y_pred):
    """-sum(y_true * log(p)) over the last axis, p = y_pred scaled to sum to 1 and clipped to
    [epsilon, 1 - epsilon] (the TF backend's from_logits=False path).

    Example: `categorical_crossentropy(one_hot_labels, softmax_output)`.
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    p = y_pred / reduce_sum(y_pred, axis=-1, keepdims=True)
    eps = _eps(p)
    p = clip_by_value(p, eps, 1. - eps)
    return -reduce_sum(y_true * log(p), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred):
    """The categorical cross-entropy of integer class labels (y_true of shape y_pred's minus
    the last axis, or with a trailing 1): the clipped log-probabilities go through a sparse
    softmax cross-entropy, as the TF backend does (so they are renormalized after clipping).
    """
    y_pred = convert_to_tensor(y_pred)
    eps = _eps(y_pred)
    logits = log(clip_by_value(y_pred, eps, 1. - eps))
    dims = y_pred.shape.dims
    if dims is None or dims[-1] is None:
        raise ValueError(f"sparse_categorical_crossentropy needs the number of classes (the "
                         f"last dimension of {y_pred.describe()}) known when the graph is built")
    labels = cast(reshape(convert_to_tensor(y_true), [-1]), "int64")
    res = nn_ops.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=reshape(logits, [-1, dims[-1]]))
    if len(dims) >= 3:  # time steps or spatial axes: back to the output's leading shape
        return reshape(res, shape_of(y_pred)[:-1])
    return res


def binary_crossentropy(y_true, y_pred):
    """mean(-(y log p + (1 - y) log(1 - p))) over the last axis, computed as the TF backend
    does: p clipped to [epsilon, 1 - epsilon], turned back into logits log(p / (1 - p)) and
    given to a sigmoid cross-entropy with logits.

    Example: `binary_crossentropy(labels, sigmoid_output)` for outputs of shape (batch, 1).
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    eps = _eps(y_pred)
    p = clip_by_value(y_pred, eps, 1. - eps)
    logits = log(p / (1. - p))
    return reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=logits),
                       axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    """sum(t * log(t / p)) over the last axis, t and p clipped to [epsilon, 1]."""
    y_true, y_pred = as_pair(y_true, y_pred)
    t = clip_by_value(y_true, K.epsilon(), 1.)
    p = clip_by_value(y_pred, K.epsilon(), 1.)
    return reduce_sum(t * log(t / p), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon)) over the last axis."""
    y_true, y_pred = as_pair(y_true, y_pred)
    return reduce_mean(y_pred - y_true * log(y_pred + K.epsilon()), axis=-1)


def _l2_normalize(x, axis):
    # tf.nn.l2_normalize: x / sqrt(max(sum(x ** 2), 1e-12))
    squares = reduce_sum(square(x), axis=axis, keepdims=True)
    return x * rsqrt(maximum(squares, 1e-12))


def cosine_proximity(y_true, y_pred):
    """-sum(unit(y_true) * unit(y_pred)) over the last axis: minus the cosine similarity."""
    y_true, y_pred = as_pair(y_true, y_pred)
    return -reduce_sum(_l2_normalize(y_true, -1) * _l2_normalize(y_pred, -1), axis=-1)


# Aliases, as Keras 2.2.4 has them.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity

_FUNCTIONS = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, squared_hinge, hinge, categorical_hinge, logcosh,
              categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy,
              kullback_leibler_divergence, poisson, cosine_proximity)
_BY_NAME = {**{f.__name__: f for f in _FUNCTIONS},
            "mse": mse, "MSE": MSE, "mae": mae, "MAE": MAE, "mape": mape, "MAPE": MAPE,
            "msle": msle, "MSLE": MSLE, "kld": kld, "KLD": KLD, "cosine": cosine}


def serialize(loss) -> str:
    """The name a loss function is saved under. Example: `serialize(mse) ==
    "mean_squared_error"`."""
    return loss.__name__


def deserialize(name, custom_objects=None):
    """The loss function called `name` (custom_objects first). Example: `deserialize("mse")`."""
    if isinstance(name, dict):  # Keras accepts a {'class_name', 'config'} dict for loss classes
        name = name.get("class_name")
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    fn = _BY_NAME.get(name)
    if fn is None:
        raise ValueError(f"Unknown loss function: {name!r} (known: {', '.join(sorted(_BY_NAME))})")
    return fn


def get(identifier):
    """A loss function from a name, a config dict or a callable; None gives None.

    Example: `get("binary_crossentropy")(y, p)`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")
