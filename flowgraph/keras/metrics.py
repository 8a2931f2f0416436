"""`keras.metrics`: Keras 2.2.4's accuracy metrics (and its losses, which serve as metrics too),
composed of flowgraph ops; `resolve_accuracy` picks the function behind `metrics=['accuracy']`
as Keras 2.2.4's `Model.compile` does.

Example:
    from flowgraph.keras import metrics
    fn, name = metrics.resolve_accuracy("accuracy", losses.binary_crossentropy, (None, 1))
    # fn is binary_accuracy, name is "acc" (the book-era log key)
"""
from __future__ import annotations

from .. import dtypes
from ..ops.array_ops import expand_dims, reshape
from ..ops.core import convert_to_tensor
from ..ops.index_ops import one_hot
from ..ops.math_ops import cast, equal, greater, less, logical_and, where
from ..ops.math_ops import round as round_
from ..ops.reduction_ops import argmax, reduce_all, reduce_mean, reduce_sum
from ..ops.source_ops import zeros_like
from . import backend as K
from . import losses
from .losses import (binary_crossentropy, categorical_crossentropy, cosine_proximity,  # noqa: F401
                     hinge, kullback_leibler_divergence, logcosh, mean_absolute_error,
                     mean_absolute_percentage_error, mean_squared_error,
                     mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
                     squared_hinge)


def _floats(x):
    return cast(x, K.floatx())


def binary_accuracy(y_true, y_pred):
    """mean(y_true == round(y_pred)) over the last axis (a threshold at 0.5, where 0.5 itself
    rounds down to 0). Example: `binary_accuracy(labels, sigmoid_output)`."""
    y_true, y_pred = losses.as_pair(y_true, y_pred)
    return reduce_mean(_floats(equal(y_true, round_(y_pred))), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1. where argmax(y_true) == argmax(y_pred) along the last axis (the first index wins
    ties), else 0. Example: `categorical_accuracy(one_hot_labels, softmax_output)`."""
    return _floats(equal(argmax(y_true, axis=-1), argmax(y_pred, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """1. where the integer label equals argmax(y_pred), else 0; labels of shape (N,) or (N, 1).
    """
    labels = _floats(reshape(convert_to_tensor(y_true), [-1]))
    return _floats(equal(labels, _floats(argmax(y_pred, axis=-1))))


def in_top_k(predictions, targets, k):
    """Whether each row's target class is among its k largest predictions, as tf.nn.in_top_k:
    ties at the boundary count as inside, and a row with a non-finite prediction or a target
    outside [0, classes) is False. predictions (N, C) float, targets (N,) int -> (N,) bool."""
    predictions = convert_to_tensor(predictions)
    depth = predictions.shape.dims[-1] if predictions.shape.dims else None
    if depth is None:
        raise ValueError(f"in_top_k needs the number of classes of {predictions.describe()} "
                         f"known when the graph is built")
    targets = cast(convert_to_tensor(targets), dtypes.int64)
    chosen = greater(one_hot(targets, depth, dtype=predictions.dtype), 0.5)
    target_value = reduce_sum(where(chosen, predictions, zeros_like(predictions)), axis=-1)
    above = reduce_sum(cast(greater(predictions, expand_dims(target_value, -1)), dtypes.int32),
                       axis=-1)
    finite = reduce_all(equal(predictions - predictions, 0.), axis=-1)  # inf - inf, nan: NaN
    in_range = logical_and(greater(targets, -1), less(targets, depth))
    return logical_and(logical_and(less(above, k), finite), in_range)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """The fraction of samples whose true class (argmax of y_true) is in y_pred's top k.
    As in Keras 2.2.4 the mean over the last axis of the (N,) hits gives one number per batch.
    """
    return reduce_mean(_floats(in_top_k(y_pred, argmax(y_true, axis=-1), k)), axis=-1)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """top_k_categorical_accuracy for integer labels of shape (N,) or (N, 1)."""
    labels = cast(reshape(convert_to_tensor(y_true), [-1]), dtypes.int32)
    return reduce_mean(_floats(in_top_k(y_pred, labels, k)), axis=-1)


# Aliases, as Keras 2.2.4's metrics module has them.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
cosine = cosine_proximity

_BY_NAME = {f.__name__: f for f in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error, hinge,
    logcosh, squared_hinge, categorical_crossentropy, sparse_categorical_crossentropy,
    binary_crossentropy, kullback_leibler_divergence, poisson, cosine_proximity)}
_BY_NAME.update({"mse": mse, "MSE": MSE, "mae": mae, "MAE": MAE, "mape": mape, "MAPE": MAPE,
                 "msle": msle, "MSLE": MSLE, "cosine": cosine})


def serialize(metric) -> str:
    """The name a metric function is saved under. Example: `serialize(mse) ==
    "mean_squared_error"`."""
    return metric.__name__


def deserialize(name, custom_objects=None):
    """The metric function called `name` (custom_objects first)."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    fn = _BY_NAME.get(name)
    if fn is None:
        raise ValueError(f"Unknown metric function: {name!r} (known: "
                         f"{', '.join(sorted(_BY_NAME))}; and 'accuracy'/'acc', "
                         f"'crossentropy'/'ce' in compile)")
    return fn


def get(identifier):
    """A metric function from a name or a callable. Example: `get("mae")`."""
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric function identifier: {identifier!r}")


_SHORT = {"accuracy": "acc", "acc": "acc", "crossentropy": "ce", "ce": "ce"}
_BY_KIND = {("binary", "acc"): binary_accuracy, ("binary", "ce"): binary_crossentropy,
            ("sparse", "acc"): sparse_categorical_accuracy,
            ("sparse", "ce"): sparse_categorical_crossentropy,
            ("categorical", "acc"): categorical_accuracy,
            ("categorical", "ce"): categorical_crossentropy}


def resolve_accuracy(name, loss_fn, output_shape):
    """(metric function, log name) for one entry of compile's `metrics`, as Keras 2.2.4's
    `_compile`: 'accuracy'/'acc' and 'crossentropy'/'ce' become the binary variant when the
    output's last dimension is 1 or the loss is binary_crossentropy, the sparse variant for
    sparse_categorical_crossentropy, else the categorical one, logged as 'acc' / 'ce'; any
    other entry goes through `get` and is logged under its function's name.

    Example: `resolve_accuracy("acc", "categorical_crossentropy", (None, 10))` ->
    `(categorical_accuracy, "acc")`.
    """
    if isinstance(name, str) and name in _SHORT:
        short = _SHORT[name]
        loss_fn = losses.get(loss_fn) if isinstance(loss_fn, (str, dict)) else loss_fn
        if (output_shape and output_shape[-1] == 1) or loss_fn is losses.binary_crossentropy:
            kind = "binary"
        elif loss_fn is losses.sparse_categorical_crossentropy:
            kind = "sparse"
        else:
            kind = "categorical"
        return _BY_KIND[kind, short], short
    fn = get(name)
    return fn, getattr(fn, "name", None) or fn.__name__
