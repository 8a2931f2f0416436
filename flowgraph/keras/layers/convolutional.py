"""Keras 2.2.4's convolution layers (`keras.layers.convolutional`): Conv1D and Conv2D, also
under their long names Convolution1D and Convolution2D.

A convolution here is TensorFlow's: a cross-correlation (the kernel is not flipped), 'same'
padding puts the odd pad after, kernels are (kh, kw, in, filters) and (k, in, filters).
With data_format='channels_first' the layer runs flowgraph's NCHW convolution (the op moves the
channels itself); Keras 2.2.4 on a CPU transposed the input to NHWC instead: same numbers.

Example:
    model.add(Conv2D(32, kernel_size=(3, 3), input_shape=(28, 28, 1), activation="relu"))
    model.add(Conv1D(64, 5, padding="valid", activation="relu", strides=1))
"""
from __future__ import annotations

from ...ops.array_ops import concat, reshape, tile
from ...ops.conv_ops import conv1d, conv2d
from ...ops.source_ops import zeros_like
from .. import activations, initializers
from ..engine.base_layer import Layer
from ..utils.conv_utils import (conv_output_length, normalize_data_format,
                                normalize_padding, normalize_tuple)


class _Conv(Layer):
    """What Conv1D and Conv2D share: the arguments, the weights, bias, activation, shapes.
    Subclasses set `rank` and `_convolve(inputs)`."""

    rank = 2
    paddings = ("valid", "same")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding, self.paddings)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    @property
    def _channels_first(self) -> bool:
        return self.data_format == "channels_first"

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self.name}: {type(self).__name__} expects inputs of rank "
                             f"{self.rank + 2} (batch, {'spatial dims, ' if self.rank > 1 else ''}"
                             f"...), got shape {input_shape}")
        input_dim = input_shape[1 if self._channels_first else -1]
        if input_dim is None:
            raise ValueError(f"{self.name}: the channel dimension of the inputs should be "
                             f"defined. Found `None` (input shape {input_shape}).")
        self.kernel = self.add_weight("kernel", self.kernel_size + (input_dim, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        outputs = self._convolve(inputs)
        if self.use_bias:
            bias = self.bias.value()
            if self._channels_first:  # bias along axis 1: (1, filters, 1[, 1])
                bias = reshape(bias, [1, self.filters] + [1] * self.rank)
            outputs = outputs + bias
        outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs))
        return outputs

    def _convolve(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        space = input_shape[2:] if self._channels_first else input_shape[1:-1]
        new_space = tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                          zip(space, self.kernel_size, self.strides, self.dilation_rate))
        if self._channels_first:
            return (input_shape[0], self.filters) + new_space
        return (input_shape[0],) + new_space + (self.filters,)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": self.kernel_regularizer,
                "bias_regularizer": self.bias_regularizer,
                "activity_regularizer": self.activity_regularizer,
                "kernel_constraint": self.kernel_constraint,
                "bias_constraint": self.bias_constraint}


class Conv2D(_Conv):
    """2-D convolution over (batch, rows, cols, channels) inputs (channels_last, the default)
    or (batch, channels, rows, cols): kernel (kh, kw, in, filters), glorot_uniform, bias
    zeros; `activation(conv(x, kernel) + bias)`.

    Example: `Conv2D(64, (3, 3), activation="relu")` on (None, 26, 26, 32) -> (None, 24, 24, 64).
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, **kwargs)

    def _convolve(self, inputs):
        return conv2d(inputs, self.kernel.value(), strides=self.strides,
                      padding=self.padding.upper(), dilations=self.dilation_rate,
                      data_format="NCHW" if self._channels_first else "NHWC")


class Conv1D(_Conv):
    """1-D (temporal) convolution over (batch, steps, channels) inputs: kernel
    (k, in, filters). padding 'valid', 'same' or 'causal' (zeros in front, so output t never
    sees inputs after t; the output is as long as the input).

    Example: `Conv1D(64, 5, activation="relu")` on (None, 100, 100) -> (None, 96, 64).
    """

    rank = 1
    paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        if str(padding).lower() == "causal" and data_format not in (None, "channels_last"):
            raise ValueError('When using causal padding in `Conv1D`, `data_format` must be '
                             '"channels_last" (temporal data).')
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, **kwargs)

    def _convolve(self, inputs):
        padding = self.padding.upper()
        if self.padding == "causal":
            inputs = _pad_front(inputs, self.dilation_rate[0] * (self.kernel_size[0] - 1))
            padding = "VALID"
        return conv1d(inputs, self.kernel.value(), stride=self.strides[0], padding=padding,
                      dilations=self.dilation_rate[0],
                      data_format="NCW" if self._channels_first else "NWC")


def _pad_front(x, n: int):
    """(batch, steps, channels) `x` with n zero steps in front (Keras's causal padding)."""
    if n == 0:
        return x
    # one zero step, repeated: keeps the static shape (a Fill of a run-time shape would not)
    zero_step = zeros_like(x[:, :1, :])
    return concat([tile(zero_step, [1, n, 1]), x], axis=1)


Convolution1D = Conv1D
Convolution2D = Conv2D
