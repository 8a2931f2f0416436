"""`tf.contrib.layers`: the initializers, layers and regularizers TF1 course programs use most
(`xavier_initializer` above all), with contrib's own defaults and variable names
("fully_connected/weights", "fully_connected/biases")."""
from __future__ import annotations

import numbers

from .. import dtypes, initializers, layers as core_layers
from ..graph import add_to_collection, name_scope
from ..nn import dropout as nn_dropout, l2_loss, relu
from ..ops.array_ops import reshape, shape as shape_of, stack
from ..ops.core import convert_to_tensor
from ..ops.math_ops import matmul
from ..ops.reduction_ops import reduce_sum
from ..variable_scopes import get_variable, variable_scope

__all__ = ["dropout", "flatten", "fully_connected", "l1_regularizer", "l2_regularizer",
           "variance_scaling_initializer", "xavier_initializer", "xavier_initializer_conv2d"]

# The stddev of a unit normal truncated to [-2, 2], which the core initializer divides by.
_TRUNCATED_STDDEV = 0.87962566103423978


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                 dtype=dtypes.float32):
    """contrib's He initializer: with n = fan_in, fan_out or their mean (mode), uniform in
    [-sqrt(3 * factor / n), +] (uniform=True), else a truncated normal of stddev
    sqrt(1.3 * factor / n).

    Example: `tf.contrib.layers.variance_scaling_initializer()` (He et al. for relu layers).
    """
    if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
    if uniform:
        return initializers.VarianceScaling(factor, mode.lower(), "uniform", seed, dtype)
    # the core initializer's stddev is sqrt(scale / n) / 0.8796...: choose scale to match
    scale = 1.3 * factor * _TRUNCATED_STDDEV ** 2
    return initializers.VarianceScaling(scale, mode.lower(), "truncated_normal", seed, dtype)


def xavier_initializer(uniform=True, seed=None, dtype=dtypes.float32):
    """Glorot & Bengio's initializer: uniform in [-sqrt(6 / (fan_in + fan_out)), +], or
    (uniform=False) a truncated normal of stddev sqrt(1.3 * 2 / (fan_in + fan_out)).

    Example: `W = tf.get_variable("W", [784, 256], initializer=tf.contrib.layers.xavier_initializer())`.
    """
    return variance_scaling_initializer(1.0, "FAN_AVG", uniform, seed, dtype)


xavier_initializer_conv2d = xavier_initializer


def l2_regularizer(scale, scope=None):
    """A function `f(weights) = scale * sum(weights ** 2) / 2`, for `weights_regularizer`."""
    if isinstance(scale, numbers.Real) and scale < 0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}.")

    def l2(weights):
        if isinstance(scale, numbers.Real) and scale == 0:
            return None
        with name_scope(scope, "l2_regularizer"):
            return l2_loss(weights) * scale
    return l2


def l1_regularizer(scale, scope=None):
    """A function `f(weights) = scale * sum(|weights|)`."""
    if isinstance(scale, numbers.Real) and scale < 0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}.")

    def l1(weights):
        with name_scope(scope, "l1_regularizer"):
            return reduce_sum(abs(weights)) * scale
    return l1


def flatten(inputs, outputs_collections=None, scope=None):
    """`inputs` [batch, d1, d2, ...] (rank >= 2) reshaped to [batch, d1 * d2 * ...]."""
    x = convert_to_tensor(inputs)
    if x.shape.ndims is None or x.shape.ndims < 2:
        raise ValueError(f"flatten: inputs must have rank >= 2, got {x.describe()}")
    return core_layers.flatten(x, name=scope or "Flatten")


def fully_connected(inputs, num_outputs, activation_fn=relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=None,
                    weights_regularizer=None, biases_initializer=initializers.zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """activation_fn(inputs @ weights + biases): contrib's dense layer, relu by default.

    Variables "<scope>/weights" (xavier_initializer by default) and "<scope>/biases" (zeros; none
    when biases_initializer is None or a normalizer_fn is given); scope defaults to
    "fully_connected", "fully_connected_1", ... Inputs of rank > 2 apply on the last axis.

    Example: `h = tf.contrib.layers.fully_connected(x, 256)`.
    """
    x = convert_to_tensor(inputs)
    if x.shape.ndims is None or x.shape.ndims < 2 or x.shape.dims[-1] is None:
        raise ValueError(f"fully_connected: inputs need a known last dimension and rank >= 2, "
                         f"got {x.describe()}")
    depth = int(x.shape.dims[-1])
    with variable_scope(scope, default_name="fully_connected", reuse=reuse):
        weights = get_variable("weights", [depth, int(num_outputs)], dtype=x.dtype,
                               initializer=weights_initializer or xavier_initializer(),
                               regularizer=weights_regularizer, trainable=trainable)
        flat = x if x.shape.ndims == 2 else reshape(x, [-1, depth])
        out = matmul(flat, weights)
        if normalizer_fn is not None:
            out = normalizer_fn(out, **(normalizer_params or {}))
        elif biases_initializer is not None:
            biases = get_variable("biases", [int(num_outputs)], dtype=x.dtype,
                                  initializer=biases_initializer, regularizer=biases_regularizer,
                                  trainable=trainable)
            out = out + biases
        if activation_fn is not None:
            out = activation_fn(out)
        if x.shape.ndims > 2:
            out = reshape(out, stack([*(shape_of(x)[i] for i in range(x.shape.ndims - 1)),
                                      int(num_outputs)]))
            out.set_shape(x.shape.dims[:-1] + (int(num_outputs),))
        for key in outputs_collections or []:
            add_to_collection(key, out)
        return out


def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None,
            scope=None, seed=None):
    """Dropout with keep probability `keep_prob` while `is_training` (a Python bool), else the
    inputs unchanged."""
    if not isinstance(is_training, bool):
        raise TypeError("contrib.layers.dropout: is_training must be a Python bool here; for a "
                        "switch at run time use tf.nn.dropout with a keep_prob placeholder")
    x = convert_to_tensor(inputs)
    if not is_training:
        return x
    with name_scope(scope, "Dropout"):
        return nn_dropout(x, keep_prob=keep_prob, noise_shape=noise_shape, seed=seed)
