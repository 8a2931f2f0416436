"""`tf.layers`: dense, conv2d, conv2d_transpose, pooling, dropout, flatten and batch
normalization layers, whose variables live in variable scopes."""
from __future__ import annotations

import math
import numbers

from . import dtypes
from .graph import GraphKeys, add_to_collection, control_dependencies, name_scope
from .initializers import ones_initializer, zeros_initializer
from .nn import (batch_normalization as batch_norm, bias_add, dropout as nn_dropout,
                 moments)
from .ops.array_ops import concat, identity, reshape, shape as shape_of, stack
from .ops.core import convert_to_tensor
from .ops.index_ops import gather
from .ops.math_ops import cast, matmul, maximum, where
from .ops.reduction_ops import reduce_prod
from .ops.conv_ops import conv2d as nn_conv2d, conv2d_transpose as nn_conv2d_transpose
from .ops.pool_ops import avg_pool, max_pool
from .ops.state_ops import assign_sub
from .variable_scopes import get_variable, variable_scope


__all__ = ["average_pooling2d", "batch_normalization", "conv2d", "conv2d_transpose", "dense",
           "dropout", "flatten", "max_pooling2d"]


def __dir__():  # `tf.layers.<tab>` lists the API, not what this module is built from
    return __all__


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """activation(inputs @ kernel + bias), a fully connected layer.

    Makes the variables "<name>/kernel" ([in, units], glorot_uniform by default) and
    "<name>/bias" ([units], zeros) through get_variable; name defaults to "dense", "dense_1",
    ... With reuse=True (or inside a reusing variable scope) the layer's variables are shared.
    Inputs of rank > 2 are applied on their last dimension.

    Example:
        hidden = tf.layers.dense(x, 16, activation=tf.nn.relu)
        logits = tf.layers.dense(hidden, 3)
    """
    if not isinstance(units, numbers.Integral) or units <= 0:
        raise ValueError(f"dense: units must be a positive integer, got {units!r}")
    x = convert_to_tensor(inputs)
    if x.shape.dims is None or len(x.shape.dims) < 2:
        raise ValueError(f"Input 0 of layer dense is incompatible with the layer: expected "
                         f"min_ndim=2, found {x.describe()}")
    in_dim = x.shape.dims[-1]
    if in_dim is None:
        raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                         "Found `None`.")
    if not x.dtype.is_floating:
        raise TypeError(f"dense: inputs must be a float tensor, got {x.describe()}")
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = get_variable("kernel", [in_dim, units], dtype=x.dtype,
                              initializer=kernel_initializer, regularizer=kernel_regularizer,
                              trainable=trainable)
        bias = get_variable("bias", [units], dtype=x.dtype, initializer=bias_initializer,
                            regularizer=bias_regularizer, trainable=trainable) if use_bias else None
        if len(x.shape.dims) == 2:
            out = matmul(x, kernel, name="MatMul")
        else:
            flat = reshape(x, [-1, in_dim])
            out_shape = concat([shape_of(x)[:-1], [units]], 0)
            out = reshape(matmul(flat, kernel, name="MatMul"), out_shape, name="Tensordot")
            out.set_shape(x.shape.dims[:-1] + (units,))
        if bias is not None:
            out = bias_add(out, bias, name="BiasAdd")
        if activation is not None:
            out = activation(out)
        if activity_regularizer is not None:
            add_to_collection(GraphKeys.REGULARIZATION_LOSSES, activity_regularizer(out))
        return out


def int_pair(value, what):
    """An int or a pair of ints (a kernel size, strides) as a pair; `what` names it in errors."""
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    pair = tuple(int(v) for v in value)
    if len(pair) != 2:
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    return pair


def _padding(padding):
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding.upper()


def _channels_last(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got "
                         f"{data_format!r}")
    return data_format == "channels_last"


def _finish(out, bias, activation, activity_regularizer, nhwc):
    if bias is not None:
        out = bias_add(out, bias if nhwc else reshape(bias, [-1, 1, 1]), name="BiasAdd")
    if activation is not None:
        out = activation(out)
    if activity_regularizer is not None:
        add_to_collection(GraphKeys.REGULARIZATION_LOSSES, activity_regularizer(out))
    return out


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """activation(conv2d(inputs, kernel) + bias), a 2-D convolution layer.

    Makes "<name>/kernel" ([kh, kw, in_channels, filters], glorot_uniform by default) and
    "<name>/bias" ([filters], zeros); name defaults to "conv2d", "conv2d_1", ... padding is
    'valid' or 'same' (TF's geometry).
    Example: `h = tf.layers.conv2d(images, 32, [3, 3], padding="same", activation=tf.nn.relu)`.
    """
    x = convert_to_tensor(inputs)
    nhwc = _channels_last(data_format)
    channels = x.shape.dims[-1 if nhwc else 1] if x.shape.ndims == 4 else None
    if channels is None:
        raise ValueError(f"conv2d: inputs must be 4-D with a known channel dimension, got "
                         f"{x.describe()}")
    kh, kw = int_pair(kernel_size, "kernel_size")
    sh, sw = int_pair(strides, "strides")
    dh, dw = int_pair(dilation_rate, "dilation_rate")
    with variable_scope(name, default_name="conv2d", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, int(channels), int(filters)], dtype=x.dtype,
                              initializer=kernel_initializer, regularizer=kernel_regularizer,
                              trainable=trainable)
        bias = get_variable("bias", [int(filters)], dtype=x.dtype, initializer=bias_initializer,
                            regularizer=bias_regularizer, trainable=trainable) \
            if use_bias else None
        fmt = "NHWC" if nhwc else "NCHW"
        out = nn_conv2d(x, kernel, _window(sh, sw, nhwc), _padding(padding), data_format=fmt,
                        dilations=_window(dh, dw, nhwc), name="Conv2D")
        return _finish(out, bias, activation, activity_regularizer, nhwc)


def _window(h, w, nhwc):
    return [1, h, w, 1] if nhwc else [1, 1, h, w]


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                     reuse=None):
    """A transposed convolution ("deconvolution") layer: each output pixel spreads over a
    kernel-sized window. Output size per spatial axis: in * stride ('same') or
    (in - 1) * stride + kernel ('valid'). Variables "<name>/kernel" ([kh, kw, filters,
    in_channels]) and "<name>/bias".
    Example: `up = tf.layers.conv2d_transpose(h, 16, 3, strides=2, padding="same")`.
    """
    x = convert_to_tensor(inputs)
    nhwc = _channels_last(data_format)
    if x.shape.ndims != 4 or x.shape.dims[-1 if nhwc else 1] is None:
        raise ValueError(f"conv2d_transpose: inputs must be 4-D with a known channel "
                         f"dimension, got {x.describe()}")
    channels = int(x.shape.dims[-1 if nhwc else 1])
    kh, kw = int_pair(kernel_size, "kernel_size")
    sh, sw = int_pair(strides, "strides")
    pad = _padding(padding)
    with variable_scope(name, default_name="conv2d_transpose", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, int(filters), channels], dtype=x.dtype,
                              initializer=kernel_initializer, regularizer=kernel_regularizer,
                              trainable=trainable)
        bias = get_variable("bias", [int(filters)], dtype=x.dtype, initializer=bias_initializer,
                            regularizer=bias_regularizer, trainable=trainable) \
            if use_bias else None
        dims = shape_of(x)
        h_in, w_in = (dims[1], dims[2]) if nhwc else (dims[2], dims[3])

        def size(n, k, st):
            return n * st if pad == "SAME" else (n - 1) * st + k
        spatial = [size(h_in, kh, sh), size(w_in, kw, sw)]
        out_shape = stack([dims[0], *spatial, int(filters)] if nhwc else
                          [dims[0], int(filters), *spatial])
        out = nn_conv2d_transpose(x, kernel, out_shape, _window(sh, sw, nhwc), pad,
                                  data_format="NHWC" if nhwc else "NCHW")
        static = [x.shape.dims[i] for i in ((1, 2) if nhwc else (2, 3))]
        static = [None if n is None else (n * st if pad == "SAME" else (n - 1) * st + k)
                  for n, k, st in zip(static, (kh, kw), (sh, sw))]
        out.set_shape([x.shape.dims[0], *static, int(filters)] if nhwc else
                      [x.shape.dims[0], int(filters), *static])
        return _finish(out, bias, activation, activity_regularizer, nhwc)


def _pooling(pool, default_name, inputs, pool_size, strides, padding, data_format, name):
    x = convert_to_tensor(inputs)
    nhwc = _channels_last(data_format)
    kh, kw = int_pair(pool_size, "pool_size")
    sh, sw = int_pair(strides, "strides")
    with name_scope(name, default_name):
        return pool(x, _window(kh, kw, nhwc), _window(sh, sw, nhwc), _padding(padding),
                    data_format="NHWC" if nhwc else "NCHW")


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """The maximum of each pool_size window, moved by strides ('valid' or 'same' padding).

    Example: `h = tf.layers.max_pooling2d(h, pool_size=2, strides=2)`.
    """
    return _pooling(max_pool, "max_pooling2d", inputs, pool_size, strides, padding,
                    data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """The mean of each pool_size window, moved by strides ('valid' or 'same' padding).

    Example: `h = tf.layers.average_pooling2d(h, 2, 2)`.
    """
    return _pooling(avg_pool, "average_pooling2d", inputs, pool_size, strides, padding,
                    data_format, name)


def _is_true(training) -> bool | None:
    """True/False for a Python bool, None for a bool tensor (decided at run time)."""
    if isinstance(training, bool):
        return training
    t = convert_to_tensor(training)
    if t.dtype is not dtypes.bool_ or not t.shape.is_compatible_with([]):
        raise TypeError(f"training must be a Python bool or a scalar bool tensor, got "
                        f"{t.describe()}")
    return None


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Dropout when `training` is true, else the inputs unchanged.

    rate is the fraction dropped; kept values are scaled by 1 / (1 - rate). training: a Python
    bool, or a scalar bool tensor (e.g. a placeholder fed True while training).
    Example: `h = tf.layers.dropout(h, rate=0.3, training=is_training)`.
    """
    x = convert_to_tensor(inputs)
    decided = _is_true(training)
    if decided is False:  # a new op, as TF1's smart_cond makes: it takes control dependencies
        return identity(x, name=name or "dropout")
    dropped = nn_dropout(x, rate=rate, noise_shape=noise_shape, seed=seed,
                         name=name or "dropout")
    return dropped if decided else where(convert_to_tensor(training), dropped, x)


def flatten(inputs, name=None, data_format="channels_last"):
    """`inputs` [batch, ...] reshaped to [batch, product of the other dims]."""
    x = convert_to_tensor(inputs)
    if x.shape.ndims is None or x.shape.ndims < 1:
        raise ValueError(f"flatten: inputs must have rank >= 1, got {x.describe()}")
    with name_scope(name, "flatten"):
        rest = x.shape.dims[1:]
        if all(d is not None for d in rest):
            return reshape(x, [-1, int(math.prod(rest))])
        return reshape(x, stack([shape_of(x)[0], reduce_prod(shape_of(x)[1:])]))


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=zeros_initializer(),
                        gamma_initializer=ones_initializer(),
                        moving_mean_initializer=zeros_initializer(),
                        moving_variance_initializer=ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """Normalize over the batch (and every axis but `axis`), then scale by gamma and shift by
    beta. While training (a Python bool or a bool tensor) the batch statistics are used and
    the ops updating "moving_mean" and "moving_variance" (moving = moving * momentum + batch *
    (1 - momentum)) go into tf.GraphKeys.UPDATE_OPS, for the training op to depend on; else the
    moving statistics are used. For 4-D inputs the moving variance gets Bessel's correction,
    as TF's fused kernel gives it.

    Example:
        h = tf.layers.batch_normalization(h, training=is_training)
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train = optimizer.minimize(loss)
    """
    if renorm or virtual_batch_size or adjustment:
        raise ValueError("batch_normalization: renorm, virtual_batch_size and adjustment are "
                         "not supported")
    x = _normalized_input(inputs, axis, "batch_normalization")
    depth = int(x.shape.dims[axis])
    with variable_scope(name, default_name="batch_normalization", reuse=reuse):
        make = lambda n, init, reg=None, train=trainable: get_variable(  # noqa: E731
            n, [depth], dtype=x.dtype, initializer=init, regularizer=reg, trainable=train)
        gamma = make("gamma", gamma_initializer, gamma_regularizer) if scale else None
        beta = make("beta", beta_initializer, beta_regularizer) if center else None
        moving = (make("moving_mean", moving_mean_initializer, train=False),
                  make("moving_variance", moving_variance_initializer, train=False))
        return normalize(x, axis, momentum, epsilon, gamma, beta, moving, training)


def _normalized_input(inputs, axis, what):
    x = convert_to_tensor(inputs)
    if x.shape.ndims is None or x.shape.dims[axis] is None:
        raise ValueError(f"{what}: the normalized axis {axis} of the inputs must be known, got "
                         f"{x.describe()}")
    return x


def normalize(x, axis, momentum, epsilon, gamma, beta, moving, training,
              updates_collection=GraphKeys.UPDATE_OPS):
    """Batch normalization of `x` with the layer's variables (gamma and beta may be None;
    moving = (moving_mean, moving_variance)). The ops updating the moving statistics go into
    `updates_collection`; with None the output waits for them instead."""
    nd = x.shape.ndims
    ax = axis % nd
    reduce_axes = [i for i in range(nd) if i != ax]
    shape = [1] * nd
    shape[ax] = int(x.shape.dims[ax])

    def bcast(v):
        return None if v is None else reshape(v, shape)
    moving_mean, moving_var = moving
    decided = _is_true(training)
    if decided is False:
        return batch_norm(x, bcast(moving_mean), bcast(moving_var), bcast(beta), bcast(gamma),
                          epsilon)
    mean, variance = moments(x, reduce_axes)
    if decided is None:  # choose at run time
        flag = convert_to_tensor(training)
        used_mean = where(flag, mean, moving_mean.value())
        used_var = where(flag, variance, moving_var.value())
    else:
        used_mean, used_var = mean, variance
    out = batch_norm(x, bcast(used_mean), bcast(used_var), bcast(beta), bcast(gamma), epsilon)
    updates = _moving_updates(x, moving, mean, variance, momentum, reduce_axes, decided,
                              training)
    if updates_collection is None:
        with control_dependencies(updates):
            return identity(out)
    for update in updates:
        add_to_collection(updates_collection, update)
    return out


def _moving_updates(x, moving, mean, variance, momentum, reduce_axes, decided, training):
    if x.shape.ndims == 4:  # TF's fused kernel (used for 4-D inputs) reports the unbiased variance
        n = cast(reduce_prod(gather(shape_of(x), reduce_axes)), x.dtype)
        variance = variance * n / maximum(n - 1, 1)
    rate = 1 - momentum
    if decided is None:  # no change while the training flag is false
        rate = cast(convert_to_tensor(training), x.dtype) * rate
    with name_scope("AssignMovingAvg"):
        return [assign_sub(var, (var.value() - value) * rate)
                for var, value in zip(moving, (mean, variance))]
