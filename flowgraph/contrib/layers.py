"""`tf.contrib.layers`: the initializers, layers and regularizers TF1 course programs use most
(`xavier_initializer` above all), with contrib's own defaults and variable names
("fully_connected/weights", "Conv/biases", "BatchNorm/moving_mean"), and `arg_scope`."""
from __future__ import annotations

import contextlib
import functools
import numbers

from .. import dtypes, initializers, layers as core_layers
from ..graph import GraphKeys, add_to_collection, name_scope
from ..nn import dropout as nn_dropout, l2_loss, relu
from ..ops.array_ops import reshape, shape as shape_of, stack
from ..ops.core import convert_to_tensor
from ..ops.conv_ops import conv2d as nn_conv2d
from ..ops.math_ops import matmul, where
from ..ops.pool_ops import avg_pool, max_pool
from ..ops.reduction_ops import reduce_sum
from ..variable_scopes import get_variable, variable_scope

__all__ = ["add_arg_scope", "arg_scope", "avg_pool2d", "batch_norm", "conv2d", "dropout",
           "flatten", "fully_connected", "l1_regularizer", "l2_regularizer", "max_pool2d",
           "variance_scaling_initializer", "xavier_initializer", "xavier_initializer_conv2d"]

# --- arg_scope: default arguments for the layer functions ----------------------------------
_ARG_SCOPES: list = [{}]  # a stack of {function key: {argument: value}}


def add_arg_scope(fn):
    """Let `arg_scope` give `fn` default keyword arguments (the contrib layers all have it)."""
    key = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **{**_ARG_SCOPES[-1].get(key, {}), **kwargs})
    wrapper._arg_scope_key = key
    return wrapper


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """Within the block, each function in `list_ops_or_scope` gets `kwargs` as defaults
    (arguments given in a call still win); nests, inner scopes adding to outer ones.

    Example:
        with tf.contrib.layers.arg_scope([conv2d, fully_connected], activation_fn=tf.nn.elu):
            h = conv2d(x, 32, 3)
    """
    if isinstance(list_ops_or_scope, dict):  # a scope saved from `with arg_scope(...) as sc`
        scope = list_ops_or_scope
    else:
        scope = {k: dict(v) for k, v in _ARG_SCOPES[-1].items()}
        for fn in list_ops_or_scope:
            key = getattr(fn, "_arg_scope_key", None)
            if key is None:
                raise ValueError(f"{getattr(fn, '__name__', fn)} is not decorated with "
                                 f"@add_arg_scope")
            scope[key] = {**scope.get(key, {}), **kwargs}
    _ARG_SCOPES.append(scope)
    try:
        yield scope
    finally:
        _ARG_SCOPES.pop()

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


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """`inputs` [batch, d1, d2, ...] (rank >= 2) reshaped to [batch, d1 * d2 * ...]."""
    x = convert_to_tensor(inputs)
    if x.shape.ndims is None or x.shape.ndims < 2:
        raise ValueError(f"flatten: inputs must have rank >= 2, got {x.describe()}")
    return core_layers.flatten(x, name=scope or "Flatten")


@add_arg_scope
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


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None,
            scope=None, seed=None):
    """Dropout with keep probability `keep_prob` while `is_training`, else the inputs
    unchanged. is_training: a Python bool, or a scalar bool tensor (a placeholder fed True
    while training) that chooses at run time.
    Example: `h = tf.contrib.layers.dropout(h, 0.5, is_training=training)`."""
    x = convert_to_tensor(inputs)
    if is_training is False:
        return x
    with name_scope(scope, "Dropout"):
        if is_training is True:
            return nn_dropout(x, keep_prob=keep_prob, noise_shape=noise_shape, seed=seed)
        switch = convert_to_tensor(is_training)
        if switch.dtype is not dtypes.bool_ or switch.shape.ndims not in (None, 0):
            raise TypeError(f"contrib.layers.dropout: is_training must be a Python bool or a "
                            f"scalar bool tensor, got {switch.describe()}")
        dropped = nn_dropout(x, keep_prob=keep_prob, noise_shape=noise_shape, seed=seed)
        return where(switch, dropped, x)


@add_arg_scope
def conv2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None,
           rate=1, activation_fn=relu, normalizer_fn=None, normalizer_params=None,
           weights_initializer=None, weights_regularizer=None,
           biases_initializer=initializers.zeros_initializer(), biases_regularizer=None,
           reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
           scope=None):
    """contrib's convolution layer: variables "<scope>/weights" ([kh, kw, in, num_outputs],
    xavier by default) and "<scope>/biases"; scope defaults to "Conv", "Conv_1", ...; relu by
    default; padding "SAME" by default.

    Example: `h = tf.contrib.layers.conv2d(images, 32, [5, 5])`.
    """
    x = convert_to_tensor(inputs)
    if data_format not in (None, "NHWC"):
        raise ValueError("contrib.layers.conv2d: only data_format NHWC is supported")
    if x.shape.ndims != 4 or x.shape.dims[-1] is None:
        raise ValueError(f"contrib.layers.conv2d: inputs must be [batch, height, width, "
                         f"channels] with known channels, got {x.describe()}")
    kh, kw = core_layers.int_pair(kernel_size, "kernel_size")
    sh, sw = core_layers.int_pair(stride, "stride")
    rh, rw = core_layers.int_pair(rate, "rate")
    with variable_scope(scope, default_name="Conv", reuse=reuse):
        weights = get_variable("weights", [kh, kw, int(x.shape.dims[-1]), int(num_outputs)],
                               dtype=x.dtype, initializer=weights_initializer or
                               xavier_initializer(), regularizer=weights_regularizer,
                               trainable=trainable)
        out = nn_conv2d(x, weights, [1, sh, sw, 1], padding.upper(), dilations=[1, rh, rw, 1])
        if normalizer_fn is not None:
            out = normalizer_fn(out, **(normalizer_params or {}))
        elif biases_initializer is not None:
            out = out + get_variable("biases", [int(num_outputs)], dtype=x.dtype,
                                     initializer=biases_initializer,
                                     regularizer=biases_regularizer, trainable=trainable)
        return activation_fn(out) if activation_fn is not None else out


def _pool2d(pool, default_name, inputs, kernel_size, stride, padding, data_format, scope):
    kh, kw = core_layers.int_pair(kernel_size, "kernel_size")
    sh, sw = core_layers.int_pair(stride, "stride")
    with name_scope(scope, default_name):
        return pool(inputs, [1, kh, kw, 1], [1, sh, sw, 1], padding.upper(), data_format)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    """The maximum of each kernel_size window (stride 2 and VALID padding by default)."""
    return _pool2d(max_pool, "MaxPool2D", inputs, kernel_size, stride, padding, data_format,
                   scope)


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    """The mean of each kernel_size window (stride 2 and VALID padding by default)."""
    return _pool2d(avg_pool, "AvgPool2D", inputs, kernel_size, stride, padding, data_format,
                   scope)


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001,
               activation_fn=None, param_initializers=None, param_regularizers=None,
               updates_collections=GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC", zero_debias_moving_mean=False,
               scope=None, renorm=False, renorm_clipping=None, renorm_decay=0.99,
               adjustment=None):
    """contrib's batch normalization over the last axis: variables "<scope>/beta" (center),
    "<scope>/gamma" (scale, off by default), "moving_mean", "moving_variance"; scope defaults
    to "BatchNorm". While is_training (a bool or a bool tensor) batch statistics are used and
    the moving averages (decay 0.999) update through `updates_collections` (None: in place,
    before the output is returned).

    Example: `h = tf.contrib.layers.batch_norm(h, is_training=training, scale=True)`.
    """
    if renorm or adjustment or batch_weights is not None or zero_debias_moving_mean:
        raise ValueError("contrib.layers.batch_norm: renorm, adjustment, batch_weights and "
                         "zero_debias_moving_mean are not supported")
    x = convert_to_tensor(inputs)
    if x.shape.ndims is None or x.shape.dims[-1] is None:
        raise ValueError(f"contrib.layers.batch_norm: the last axis of the inputs must be "
                         f"known, got {x.describe()}")
    depth = int(x.shape.dims[-1])
    inits = {"beta": initializers.zeros_initializer(), "gamma": initializers.ones_initializer(),
             "moving_mean": initializers.zeros_initializer(),
             "moving_variance": initializers.ones_initializer(), **(param_initializers or {})}
    regs = param_regularizers or {}
    with variable_scope(scope, default_name="BatchNorm", reuse=reuse):
        def make(name, train=trainable):
            return get_variable(name, [depth], dtype=x.dtype, initializer=inits[name],
                                regularizer=regs.get(name), trainable=train)
        beta = make("beta") if center else None
        gamma = make("gamma") if scale else None
        moving = (make("moving_mean", False), make("moving_variance", False))
        out = core_layers.normalize(x, -1, decay, epsilon, gamma, beta, moving, is_training,
                                    updates_collections)
        return activation_fn(out) if activation_fn is not None else out
