"""Keras's core layers (`keras.layers.core`): Dense, Activation, Dropout, Flatten, Reshape.

Example:
    model.add(Dense(12, input_dim=8, activation="relu"))
"""
from __future__ import annotations

import numpy as np

from ... import nn
from ...ops.array_ops import concat, reshape, shape as shape_of, stack
from ...ops.math_ops import matmul, where
from ...ops.core import convert_to_tensor
from ...ops.reduction_ops import reduce_prod
from .. import activations, backend as K, initializers
from ..engine.base_layer import Layer


def _known(shape):
    return shape is not None and all(d is not None for d in shape)


class Dense(Layer):
    """`activation(inputs @ kernel + bias)`; kernel (input_dim, units), glorot_uniform by
    default, bias zeros. `input_dim=n` is `input_shape=(n,)`."""

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        if "input_shape" not in kwargs and "input_dim" in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_dim"),)
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"{self.name}: the last dimension of the inputs to Dense must be "
                             f"known, got shape {input_shape}")
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        if inputs.shape.ndims == 2:
            out = matmul(inputs, self.kernel)
        else:  # Keras's K.dot over the last axis of a higher-rank input
            flat = reshape(inputs, [-1, inputs.shape.dims[-1]])
            lead = shape_of(inputs)[:-1]
            out = reshape(matmul(flat, self.kernel), _concat_shape(lead, self.units))
        if self.use_bias:
            out = nn.bias_add(out, self.bias)
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": None, "bias_regularizer": None,
                "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


def _concat_shape(lead, last):
    return concat([lead, convert_to_tensor([last])], 0)


class Activation(Layer):
    """An activation function as a layer: `Activation('relu')`."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """While training, zero each input with probability `rate` and scale the rest by
    1 / (1 - rate); the identity in evaluate and predict (the learning phase decides)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = min(1.0, max(0.0, float(rate)))
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=None):
        if not 0.0 < self.rate < 1.0:
            return inputs
        seed = self.seed if self.seed is not None else np.random.randint(10e6)  # Keras 2's rule
        dropped = nn.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=seed)
        phase = K.learning_phase() if training is None else convert_to_tensor(training)
        return where(phase, dropped, inputs)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...), in C order."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, inputs):
        dims = inputs.shape.dims
        if dims is not None and _known(dims[1:]):
            return reshape(inputs, [-1, int(np.prod(dims[1:]))])
        batch = shape_of(inputs)[0]
        return reshape(inputs, stack([batch, reduce_prod(shape_of(inputs)[1:])]))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], int(np.prod(rest)) if _known(rest) else None)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """(batch, ...) -> (batch,) + target_shape; one entry of target_shape may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def call(self, inputs):
        return reshape(inputs, [-1, *self.target_shape]) if -1 not in self.target_shape else \
            reshape(inputs, stack([shape_of(inputs)[0], *self.target_shape]))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
