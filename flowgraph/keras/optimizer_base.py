"""The base of flowgraph.keras's optimizers: `Optimizer` (gradients with clipnorm/clipvalue,
the learning-rate decay, state weights through the backend session, configs), and
`TFOptimizer`, which lets a flowgraph `tf.train` optimizer stand in for a Keras one.
The optimizers themselves are in optimizers.py.

Example:
    class Plain(Optimizer):          # p -= 0.1 * g
        def get_updates(self, loss, params):
            grads = self.get_gradients(loss, params)
            return [assign(p, p - 0.1 * g) for p, g in zip(params, grads)]
"""
from __future__ import annotations

import numpy as np

from ..gradients import gradients
from ..graph import name_scope
from ..ops.core import convert_to_tensor
from ..ops.math_ops import cast, clip_by_value, greater_equal, sqrt, square, where
from ..ops.reduction_ops import reduce_sum
from ..ops.state_ops import assign
from . import backend as K


def pick_lr(lr, kwargs, default):
    """`lr`, or the later spelling `learning_rate=` (taken out of kwargs); not both."""
    if "learning_rate" in kwargs:
        if lr is not None:
            raise ValueError("Give the learning rate once: lr= or learning_rate=, not both")
        lr = kwargs.pop("learning_rate")
    return default if lr is None else lr


def zeros_slot(param, dtype=None):
    """A slot variable of the parameter's shape, zero-filled (Keras's K.zeros(shape))."""
    return K.variable(np.zeros(K.int_shape(param)), dtype=dtype)


def clip_norm(g, c, n):
    """g scaled by c / n when the norm n is at least c (c <= 0: no clipping)."""
    if c <= 0:
        return g
    factor = where(greater_equal(n, c), c / n, convert_to_tensor(1., dtype=n.dtype))
    return g * factor


class Optimizer:
    """Base class. Keyword arguments: clipnorm (rescale all gradients together when their
    global L2 norm exceeds it) and clipvalue (clip each element to [-clipvalue, clipvalue]).

    `weights` lists the optimizer's state variables (iterations first, then the slots in
    Keras's order) once `get_updates` has run; `get_weights`/`set_weights` read and write
    them through the backend session.
    """

    def __init__(self, **kwargs):
        for k in kwargs:
            if k not in ("clipnorm", "clipvalue"):
                raise TypeError(f"Unexpected keyword argument passed to optimizer: {k}")
        self.__dict__.update(kwargs)
        self.updates = []
        self.weights = []

    def _variables(self, **values):
        """Hyperparameter variables named '<Class>/<name>' (Keras makes them in a name scope
        of the class name), as attributes; `iterations` is int64."""
        with name_scope(type(self).__name__):
            for name, value in values.items():
                dtype = "int64" if name == "iterations" else None
                setattr(self, name, K.variable(value, dtype=dtype, name=name))

    def get_updates(self, loss, params):
        """The assign ops of one training step of `params` on `loss`."""
        raise NotImplementedError

    def get_gradients(self, loss, params):
        """d loss / d param for each param, clipped by clipnorm and clipvalue when set."""
        grads = gradients(loss, list(params))
        if any(g is None for g in grads):
            missing = [p.name for p, g in zip(params, grads) if g is None]
            raise ValueError(f"An operation has `None` for gradient (for {missing}). Please "
                             f"make sure that all of your ops have a gradient defined (i.e. "
                             f"are differentiable). Common ops without gradient: K.argmax, "
                             f"K.round, K.eval.")
        if getattr(self, "clipnorm", 0) > 0:
            norm = sqrt(sum(reduce_sum(square(g)) for g in grads))
            grads = [clip_norm(g, self.clipnorm, norm) for g in grads]
        if getattr(self, "clipvalue", 0) > 0:
            grads = [clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _decayed_lr(self):
        # lr / (1 + decay * iterations), iterations counted before this step
        if self.initial_decay > 0:
            return self.lr * (1. / (1. + self.decay * cast(self.iterations, self.decay.dtype)))
        return self.lr

    def _step(self, p, new_p):
        """The parameter's update: new_p, through the variable's constraint if it has one."""
        constraint = getattr(p, "constraint", None)
        return assign(p, constraint(new_p) if constraint is not None else new_p)

    def _older_layout(self, weights):
        """Weights saved by Keras 2.2.4 in the layout of this class, else `weights`."""
        return weights

    def set_weights(self, weights):
        """Set the state variables from NumPy arrays (as many, of the shapes, as get_weights
        gives; Keras 2.2.4's lists without `iterations` are accepted too)."""
        params = self.weights
        weights = self._older_layout(list(weights))
        if len(params) != len(weights):
            raise ValueError(f"Length of the specified weight list ({len(weights)}) does not "
                             f"match the number of weights of the optimizer ({len(params)})")
        for value, p, w in zip(K.batch_get_value(params), params, weights):
            if value.shape != np.shape(w):
                raise ValueError(f"Optimizer weight shape {value.shape} not compatible with "
                                 f"provided weight shape {np.shape(w)}")
        K.batch_set_value(list(zip(params, weights)))

    def get_weights(self):
        """The state variables' values as NumPy arrays."""
        return K.batch_get_value(self.weights)

    def get_config(self) -> dict:
        config = {}
        for name in ("clipnorm", "clipvalue"):
            if hasattr(self, name):
                config[name] = getattr(self, name)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _floats(self, *names):
        return {n: float(K.get_value(getattr(self, n))) for n in names}


class NoIterationsIn224:
    """Keras 2.2.4 left `iterations` out of this optimizer's weights: read such lists with
    iterations = 0 (as Keras 2.3 does)."""

    def _older_layout(self, weights):
        if len(self.weights) == len(weights) + 1:
            return [np.array(0, dtype=np.int64)] + weights
        return weights


class TFOptimizer(Optimizer):
    """A flowgraph `tf.train` optimizer used as a Keras one: its compute_gradients and
    apply_gradients make the step, counting `iterations` as its global step.

    Example: `model.compile(optimizer=tf.train.AdamOptimizer(0.01), loss="mse")`.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.updates = []
        with name_scope("TFOptimizer"):
            self.iterations = K.variable(0, dtype="int64", name="iterations")

    def get_updates(self, loss, params):
        grads = self.optimizer.compute_gradients(loss, params)
        self.updates = [self.optimizer.apply_gradients(grads, global_step=self.iterations)]
        return self.updates

    @property
    def weights(self):
        """iterations, then the wrapped optimizer's slot variables (when it lists them)."""
        slots = getattr(self.optimizer, "variables", None)
        return [self.iterations] + (list(slots()) if slots is not None else [])

    def get_config(self):
        raise NotImplementedError("a wrapped tf.train optimizer has no Keras config")

    @classmethod
    def from_config(cls, config):
        raise NotImplementedError("a wrapped tf.train optimizer has no Keras config")
