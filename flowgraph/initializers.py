"""Variable initializers (`tf.zeros_initializer`, `tf.glorot_uniform_initializer`, ...).

Each initializer is a callable `init(shape, dtype=None, partition_info=None) -> Tensor` that
builds the ops producing a first value; random ones use the seeded random ops, so TF1's
graph-level and op-level seed rules apply. Defaults are TF1's (`tensorflow/python/ops/init_ops.py`).

Example:
    W = tf.get_variable("W", [784, 10], initializer=tf.glorot_uniform_initializer(seed=1))
"""
from __future__ import annotations

import math

import numpy as np

from . import dtypes
from .ops import random_ops, source_ops, state_ops
from .ops.core import constant as _constant
from .shapes import TensorShape


def _dims(shape):
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if isinstance(shape, int):
        shape = [shape]
    dims = [int(d) for d in shape]
    if any(d < 0 for d in dims):
        raise ValueError(f"initializer: shape {dims} has a negative dimension")
    return dims


def _float(dtype, who):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"{who}: expected a floating point dtype, got {dtype.name}")
    return dtype


class Initializer:
    """Base class: `__call__(shape, dtype=None, partition_info=None)` returns a Tensor."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    """All zeros."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return source_ops.zeros(_dims(shape), dtype=dtype or self.dtype)

    def get_config(self):
        return {"dtype": self.dtype.name}


class Ones(Initializer):
    """All ones."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return source_ops.ones(_dims(shape), dtype=dtype or self.dtype)

    def get_config(self):
        return {"dtype": self.dtype.name}


class Constant(Initializer):
    """A given value: a scalar fills the shape; a list with as many elements is reshaped to it;
    a shorter list is padded with its last element (TF1's rule) unless verify_shape is set."""

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if hasattr(value, "op") or hasattr(value, "_as_graph_element"):
            raise TypeError("Invalid type for initial value: a Tensor; constant_initializer "
                            "takes Python or NumPy values")
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        dims = _dims(shape)
        verify = self._verify_shape if verify_shape is None else verify_shape
        flat = np.asarray(self.value).reshape(-1)
        n = int(np.prod(dims))
        if flat.size == n:
            arr = flat.reshape(dims)
        elif flat.size == 1 or (0 < flat.size < n and not verify):
            arr = np.concatenate([flat, np.repeat(flat[-1:], n - flat.size)]).reshape(dims)
        elif flat.size > n:
            raise TypeError(f"Too many elements provided. Needed at most {n}, but received "
                            f"{flat.size}")
        else:
            raise TypeError(f"Expected Tensor's shape: {tuple(dims)}, got {np.shape(self.value)}.")
        return _constant(arr, dtype=dtype or self.dtype)

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name, "verify_shape": self._verify_shape}


class RandomNormal(Initializer):
    """Normal draws with mean and stddev."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = _float(dtype, "random_normal_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_normal(
            _dims(shape), self.mean, self.stddev,
            _float(dtype or self.dtype, "random_normal_initializer"), self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class RandomUniform(Initializer):
    """Uniform draws in [minval, maxval) (maxval defaults to 1)."""

    def __init__(self, minval=0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval, self.maxval, self.seed = minval, maxval, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_uniform(_dims(shape), self.minval, self.maxval,
                                         dtype or self.dtype, self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(Initializer):
    """Normal draws, redrawn when more than two standard deviations from the mean."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = _float(dtype, "truncated_normal_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.truncated_normal(
            _dims(shape), self.mean, self.stddev,
            _float(dtype or self.dtype, "truncated_normal_initializer"), self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


def _compute_fans(dims):
    if len(dims) < 1:
        return 1, 1
    if len(dims) == 1:
        return dims[0], dims[0]
    if len(dims) == 2:
        return dims[0], dims[1]
    receptive = int(np.prod(dims[:-2]))
    return dims[-2] * receptive, dims[-1] * receptive


class VarianceScaling(Initializer):
    """Draws scaled to the layer's fan: stddev = sqrt(scale / n), n = fan_in, fan_out or their
    mean (mode); distribution "truncated_normal" (alias "normal"), "untruncated_normal" or
    "uniform" (limit sqrt(3 * scale / n))."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.:
            raise ValueError("`scale` must be positive float.")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = _float(dtype, "variance_scaling_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        dims = _dims(shape)
        dtype = _float(dtype or self.dtype, "variance_scaling_initializer")
        fan_in, fan_out = _compute_fans(dims)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.}[self.mode]
        scale = self.scale / max(1., n)
        if self.distribution in ("normal", "truncated_normal"):
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2]
            stddev = math.sqrt(scale) / .87962566103423978
            return random_ops.truncated_normal(dims, 0.0, stddev, dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(dims, 0.0, math.sqrt(scale), dtype, self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(dims, -limit, limit, dtype, self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Xavier uniform)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out)) (Xavier normal)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


def he_normal(seed=None):
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


# TF1's names: tf.zeros_initializer(), ... and the tf.initializers namespace (this module).
zeros_initializer = zeros = Zeros
ones_initializer = ones = Ones
constant_initializer = constant = Constant
random_normal_initializer = random_normal = RandomNormal
random_uniform_initializer = random_uniform = RandomUniform
truncated_normal_initializer = truncated_normal = TruncatedNormal
variance_scaling_initializer = variance_scaling = VarianceScaling
glorot_uniform_initializer = glorot_uniform = GlorotUniform
glorot_normal_initializer = glorot_normal = GlorotNormal
global_variables = state_ops.global_variables_initializer
local_variables = state_ops.local_variables_initializer
variables = state_ops.variables_initializer
