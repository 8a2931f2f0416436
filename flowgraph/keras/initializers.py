"""`keras.initializers`: Keras 2.2.4's weight initializers on flowgraph's random ops.

`init(shape, dtype=None)` returns a flowgraph Tensor holding the initial value (dtype None:
`K.floatx()`). Seeds follow Keras 2.2.4's TensorFlow backend: a seed of None becomes
`np.random.randint(10e6)`, drawn from NumPy's global generator when the initializer is
called, and is the op seed of a TF1 random op. So `numpy.random.seed(s)` with
`tf.set_random_seed(s)` makes a program's weights repeat exactly, as the book's programs expect.

Example:
    from flowgraph.keras import initializers
    init = initializers.get("glorot_uniform")
    kernel = tf.Variable(init((784, 10)))   # U(-l, l), l = sqrt(6 / (784 + 10))
"""
from __future__ import annotations

import numpy as np

from ..ops import random_ops, source_ops
from ..ops.core import constant as _const
from . import backend as K


def _shape(shape) -> tuple:
    dims = shape.as_list() if hasattr(shape, "as_list") else shape
    return tuple(int(d) for d in ((dims,) if isinstance(dims, int) else dims))


def _dtype(dtype):
    return dtype or K.floatx()


def _seed(seed):
    """Keras's rule: a missing seed is drawn from NumPy's global generator at call time."""
    return np.random.randint(10e6) if seed is None else seed


class Initializer:
    """Base class: `__call__(shape, dtype=None)` returns a Tensor; `get_config()` its args."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)  # tf.keras configs carry an unused dtype
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros. Example: `Zeros()((3,))`."""

    def __call__(self, shape, dtype=None):
        return source_ops.zeros(list(_shape(shape)), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones. Example: `Ones()((3,))`."""

    def __call__(self, shape, dtype=None):
        return source_ops.ones(list(_shape(shape)), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every element `value`. Example: `Constant(0.1)((3,))`."""

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return _const(self.value, dtype=_dtype(dtype), shape=list(_shape(shape)))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal draws (mean 0, stddev 0.05 by default). Example: `RandomNormal(stddev=0.01)`."""

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return random_ops.random_normal(_shape(shape), self.mean, self.stddev,
                                        dtype=_dtype(dtype), seed=_seed(self.seed))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform draws in [minval, maxval), by default [-0.05, 0.05) (Keras's 'uniform')."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return random_ops.random_uniform(_shape(shape), self.minval, self.maxval,
                                         dtype=_dtype(dtype), seed=_seed(self.seed))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal draws redrawn beyond two standard deviations (mean 0, stddev 0.05 by default)."""

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return random_ops.truncated_normal(_shape(shape), self.mean, self.stddev,
                                           dtype=_dtype(dtype), seed=_seed(self.seed))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def compute_fans(shape) -> tuple:
    """(fan_in, fan_out) as Keras counts them: (in, out) of a 2-D kernel; for 3-5 dims a
    channels-last convolution kernel (receptive field * in, receptive field * out); else
    sqrt(number of elements) for both. Example: `compute_fans((3, 3, 1, 32)) == (9, 288)`."""
    shape = _shape(shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (3, 4, 5):
        receptive = int(np.prod(shape[:-2]))
        return shape[-2] * receptive, shape[-1] * receptive
    n = np.sqrt(np.prod(shape))
    return n, n


class VarianceScaling(Initializer):
    """Draws scaled to the kernel's fans: n = fan_in, fan_out or their mean (mode);
    distribution 'normal' is a truncated normal with stddev sqrt(scale / n) / 0.8796
    (the stddev of a unit normal cut at +-2), 'uniform' is U(-limit, limit) with
    limit = sqrt(3 * scale / n).

    Example: `VarianceScaling(2., "fan_in", "normal")` is he_normal.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if scale <= 0.:
            raise ValueError(f"`scale` must be a positive float. Got: {scale}")
        mode = mode.lower()
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: expected one of 'fan_in', 'fan_out', "
                             f"'fan_avg' but got {mode!r}")
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: expected 'normal' or "
                             f"'uniform' but got {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.}[self.mode]
        scale = self.scale / max(1., float(n))
        if self.distribution == "normal":
            stddev = np.sqrt(scale) / .87962566103423978
            return random_ops.truncated_normal(shape, 0., stddev, dtype=_dtype(dtype),
                                               seed=_seed(self.seed))
        limit = np.sqrt(3. * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype=_dtype(dtype),
                                         seed=_seed(self.seed))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class Orthogonal(Initializer):
    """A random orthogonal matrix (times `gain`), of the kernel flattened to
    (prod(shape[:-1]), shape[-1]): Keras 2.2.4's SVD of a standard normal matrix.

    Computed with NumPy when called and kept as a constant, as Keras does: flowgraph has no
    SVD or QR op, and Keras's own initializer is NumPy code too. A seed of None draws from
    NumPy's global generator (exactly Keras 2.2.4's draws, so `numpy.random.seed` repeats
    it); a given seed uses its own RandomState (the same numbers Keras 2.2.4 got by reseeding
    the global generator, without disturbing it).

    Example: `Orthogonal()((100, 400))` for an LSTM's recurrent kernel.
    """

    def __init__(self, gain=1., seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        flat = (int(np.prod(shape[:-1])), shape[-1])
        rng = np.random if self.seed is None else np.random.RandomState(self.seed)
        a = rng.normal(0.0, 1.0, flat)
        u, _, v = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == flat else v  # the factor of the kernel's (flattened) shape
        return _const(self.gain * q.reshape(shape), dtype=_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity of a 2-D shape; a non-square shape whose long side is a
    multiple of the short one gets identities side by side. Example: `Identity()((3, 3))`."""

    def __init__(self, gain=1.):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices, "
                             f"got shape {shape}")
        rows, cols = shape
        if max(shape) % min(shape) != 0:
            raise ValueError(f"Long side should be multiple of short side, got shape {shape}")
        eye = np.identity(min(shape))
        value = np.concatenate([eye] * (rows // cols), axis=0) if rows >= cols else \
            np.concatenate([eye] * (cols // rows), axis=1)
        return _const(self.gain * value, dtype=_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


def lecun_uniform(seed=None):
    """U(-limit, limit), limit = sqrt(3 / fan_in)."""
    return VarianceScaling(1., "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    """Truncated normal, stddev sqrt(1 / fan_in)."""
    return VarianceScaling(1., "fan_in", "normal", seed)


def glorot_uniform(seed=None):
    """U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)): Dense's and Conv's default."""
    return VarianceScaling(1., "fan_avg", "uniform", seed)


def glorot_normal(seed=None):
    """Truncated normal, stddev sqrt(2 / (fan_in + fan_out))."""
    return VarianceScaling(1., "fan_avg", "normal", seed)


def he_uniform(seed=None):
    """U(-limit, limit), limit = sqrt(6 / fan_in)."""
    return VarianceScaling(2., "fan_in", "uniform", seed)


def he_normal(seed=None):
    """Truncated normal, stddev sqrt(2 / fan_in)."""
    return VarianceScaling(2., "fan_in", "normal", seed)


# Keras 2.2.4's compatibility aliases (lower-case names accepted in layer arguments).
zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal

_BY_NAME = {
    "Zeros": Zeros, "zeros": Zeros, "zero": Zeros, "Ones": Ones, "ones": Ones, "one": Ones,
    "Constant": Constant, "constant": Constant, "RandomNormal": RandomNormal,
    "normal": RandomNormal, "random_normal": RandomNormal, "RandomUniform": RandomUniform,
    "uniform": RandomUniform, "random_uniform": RandomUniform,
    "TruncatedNormal": TruncatedNormal, "truncated_normal": TruncatedNormal,
    "VarianceScaling": VarianceScaling, "Orthogonal": Orthogonal, "orthogonal": Orthogonal,
    "Identity": Identity, "identity": Identity,
    **{f.__name__: f for f in (lecun_uniform, lecun_normal, glorot_uniform, glorot_normal,
                               he_uniform, he_normal)},
}


def serialize(initializer) -> dict:
    """{'class_name': ..., 'config': ...} as Keras saves it (glorot_uniform() is saved as the
    VarianceScaling it is). Example: `serialize(Zeros()) == {'class_name': 'Zeros',
    'config': {}}`."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config, custom_objects=None):
    """The initializer of a {'class_name', 'config'} dict (custom_objects first)."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(f"Improper config format: {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name)
    if cls is None:
        raise ValueError(f"Unknown initializer: {name!r} (known: {', '.join(sorted(_BY_NAME))})")
    if hasattr(cls, "from_config"):
        return cls.from_config(config["config"])
    return cls(**config["config"])  # the functions (glorot_uniform, ...) take their config


def get(identifier):
    """An initializer from a name ('glorot_uniform', 'zeros', 'uniform', ...), a config dict,
    or a callable (returned as it is). Example: `get("orthogonal")((4, 4))`."""
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
