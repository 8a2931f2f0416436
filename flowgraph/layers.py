"""`tf.layers`: dense (and dropout) layers whose variables live in variable scopes."""
from __future__ import annotations

import numbers

from .graph import GraphKeys, add_to_collection
from .initializers import zeros_initializer
from .nn import bias_add, dropout as nn_dropout
from .ops.array_ops import concat, reshape, shape as shape_of
from .ops.core import convert_to_tensor
from .ops.math_ops import matmul
from .variable_scopes import get_variable, variable_scope


__all__ = ["dense", "dropout"]


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


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Dropout when `training` (a Python bool) is true, else the inputs unchanged.

    rate is the fraction dropped; kept values are scaled by 1 / (1 - rate).
    """
    if not isinstance(training, bool):
        raise TypeError("layers.dropout: training must be a Python bool here; for a switch at "
                        "run time use tf.nn.dropout with a keep_prob placeholder")
    if not training:
        return convert_to_tensor(inputs)
    return nn_dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed,
                      name=name or "dropout")
