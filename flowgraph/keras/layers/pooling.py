"""Keras 2.2.4's pooling layers (`keras.layers.pooling`): max and average pooling over windows
in 1-D and 2-D, and global pooling over every step or position; with the short aliases
(MaxPool2D, AvgPool1D, GlobalMaxPool2D, ...).

The windows are TensorFlow's (flowgraph's max_pool / avg_pool): strides default to the pool
size, 'valid' drops a partial last window, 'same' keeps it (max ignores the padding, average
divides by the real elements only). 1-D pooling is 2-D pooling of a width-1 image, as in Keras.

Example:
    model.add(MaxPooling2D(pool_size=2))      # (None, 24, 24, 64) -> (None, 12, 12, 64)
    model.add(MaxPooling1D(pool_size=4))      # (None, 96, 64) -> (None, 24, 64)
"""
from __future__ import annotations

from ...ops.array_ops import expand_dims, squeeze
from ...ops.pool_ops import avg_pool, max_pool
from ...ops.reduction_ops import reduce_max, reduce_mean
from ..engine.base_layer import Layer
from ..utils.conv_utils import (conv_output_length, normalize_data_format,
                                normalize_padding, normalize_tuple)

_OPS = {"max": max_pool, "avg": avg_pool}


class _Pooling(Layer):
    """Windowed pooling over `rank` spatial axes; subclasses set `rank` and `mode`."""

    rank = 2
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        if strides is None:
            strides = pool_size
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding, ("valid", "same"))
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        _check_rank(self, inputs, self.rank + 2)
        first = self.data_format == "channels_first"
        pool, strides, x = self.pool_size, self.strides, inputs
        if self.rank == 1:  # a width-1 image: (batch, steps, 1, channels) or (b, c, steps, 1)
            x = expand_dims(x, 3 if first else 2)
            pool, strides = pool + (1,), strides + (1,)
        out = _OPS[self.mode](x, ksize=pool, strides=strides, padding=self.padding.upper(),
                              data_format="NCHW" if first else "NHWC")
        return squeeze(out, [3 if first else 2]) if self.rank == 1 else out

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        space = input_shape[2:] if first else input_shape[1:-1]
        new = tuple(conv_output_length(n, k, self.padding, s)
                    for n, k, s in zip(space, self.pool_size, self.strides))
        if first:
            return (input_shape[0], input_shape[1]) + new
        return (input_shape[0],) + new + (input_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """The maximum of each window of `pool_size` steps of (batch, steps, features).

    Example: `MaxPooling1D(pool_size=4)` on (None, 96, 64) -> (None, 24, 64).
    """

    rank, mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(MaxPooling1D):
    """The mean of each window of `pool_size` steps. Example: `AveragePooling1D(2)`."""

    mode = "avg"


class MaxPooling2D(_Pooling):
    """The maximum of each pool_size window of (batch, rows, cols, channels).

    Example: `MaxPooling2D(pool_size=2)` on (None, 24, 24, 64) -> (None, 12, 12, 64).
    """

    rank, mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(MaxPooling2D):
    """The mean of each pool_size window. Example: `AveragePooling2D((2, 2), strides=1)`."""

    mode = "avg"


class _GlobalPooling(Layer):
    """Pooling over every step (1-D) or position (2-D): (batch, ..., channels) ->
    (batch, channels)."""

    rank = 1
    reduce = staticmethod(reduce_mean)

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        _check_rank(self, inputs, self.rank + 2)
        first = self.data_format == "channels_first"
        axes = list(range(2, 2 + self.rank)) if first else list(range(1, 1 + self.rank))
        return self.reduce(inputs, axis=axes)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        return (input_shape[0], input_shape[1] if first else input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps: (batch, steps, features) -> (batch, features)."""

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(data_format, **kwargs)


class GlobalMaxPooling1D(GlobalAveragePooling1D):
    """The maximum over the steps: (batch, steps, features) -> (batch, features)."""

    reduce = staticmethod(reduce_max)


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over rows and cols: (batch, rows, cols, channels) -> (batch, channels)."""

    rank = 2


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """The maximum over rows and cols: (batch, rows, cols, channels) -> (batch, channels)."""

    reduce = staticmethod(reduce_max)


def _check_rank(layer, inputs, rank):
    if inputs.shape.ndims != rank:
        raise ValueError(f"{layer.name}: {type(layer).__name__} expects inputs of rank {rank}, "
                         f"got {inputs.describe()}")


MaxPool1D, AvgPool1D = MaxPooling1D, AveragePooling1D
MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D
GlobalMaxPool1D, GlobalAvgPool1D = GlobalMaxPooling1D, GlobalAveragePooling1D
GlobalMaxPool2D, GlobalAvgPool2D = GlobalMaxPooling2D, GlobalAveragePooling2D
