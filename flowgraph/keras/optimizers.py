"""`keras.optimizers`: Keras 2.2.4's optimizers, with Keras's own update rules (which differ
from TF1's `tf.train` ones: Adam's epsilon is K.epsilon() = 1e-7, RMSprop and Adagrad add
epsilon outside the square root, accumulators start at zero, `decay` scales the learning rate
by 1 / (1 + decay * iterations)).

`get_updates(loss, params)` returns the list of assign ops of one training step: the
`iterations` counter, then each parameter's slots and the parameter. All of them read the
values from before the step (flowgraph runs a variable's readers before its writers).
Hyperparameters such as `lr` are variables, so callbacks can change them with `K.set_value`.
The base class and TFOptimizer are in optimizer_base.py.

Example:
    from flowgraph.keras import optimizers
    opt = optimizers.get("adam")              # Adam(lr=0.001, epsilon=1e-7)
    step = opt.get_updates(loss, [W, b])     # K.get_session().run(step) trains once
"""
from __future__ import annotations

import numpy as np

from ..ops.core import convert_to_tensor
from ..ops.math_ops import abs as abs_, cast, maximum, sqrt, square
from ..ops.math_ops import pow as pow_
from ..ops.state_ops import assign, assign_add
from ..ops.training_ops import apply_adam
from ..optimizer import Optimizer as TFBaseOptimizer
from . import backend as K
from .optimizer_base import (NoIterationsIn224, Optimizer, TFOptimizer, clip_norm,  # noqa: F401
                             pick_lr, zeros_slot)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum: v = momentum * v - lr * g; p += v
    (nesterov: p += momentum * v - lr * g). Defaults lr=0.01, momentum=0., decay=0.

    Example: `SGD(lr=0.1, momentum=0.9, nesterov=True)`.
    """

    def __init__(self, lr=None, momentum=0., decay=0., nesterov=False, **kwargs):
        lr = pick_lr(lr, kwargs, 0.01)
        super().__init__(**kwargs)
        self._variables(iterations=0, lr=lr, momentum=momentum, decay=decay)
        self.initial_decay = decay
        self.nesterov = nesterov

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [assign_add(self.iterations, 1)]
        lr = self._decayed_lr()
        moments = [zeros_slot(p) for p in params]
        self.weights = [self.iterations] + moments
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - lr * g  # velocity
            self.updates.append(assign(m, v))
            new_p = p + self.momentum * v - lr * g if self.nesterov else p + v
            self.updates.append(self._step(p, new_p))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._floats("lr", "momentum", "decay"),
                "nesterov": self.nesterov}


class RMSprop(NoIterationsIn224, Optimizer):
    """a = rho * a + (1 - rho) * g ** 2; p -= lr * g / (sqrt(a) + epsilon).
    Defaults lr=0.001, rho=0.9, epsilon=K.epsilon(), decay=0.

    Example: `RMSprop(lr=0.001, rho=0.9, epsilon=1e-08, decay=0.0)`.
    """

    def __init__(self, lr=None, rho=0.9, epsilon=None, decay=0., **kwargs):
        lr = pick_lr(lr, kwargs, 0.001)
        super().__init__(**kwargs)
        self._variables(lr=lr, rho=rho, decay=decay, iterations=0)
        self.epsilon = K.epsilon() if epsilon is None else epsilon
        self.initial_decay = decay

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = [zeros_slot(p, K.dtype(p)) for p in params]
        self.weights = [self.iterations] + accumulators
        self.updates = [assign_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a in zip(params, grads, accumulators):
            new_a = self.rho * a + (1. - self.rho) * square(g)
            self.updates.append(assign(a, new_a))
            self.updates.append(self._step(p, p - lr * g / (sqrt(new_a) + self.epsilon)))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._floats("lr", "rho", "decay"),
                "epsilon": self.epsilon}


class Adagrad(NoIterationsIn224, Optimizer):
    """a += g ** 2 (from zero); p -= lr * g / (sqrt(a) + epsilon).
    Defaults lr=0.01, epsilon=K.epsilon(), decay=0.

    Example: `Adagrad(lr=0.01, epsilon=1e-6)`.
    """

    def __init__(self, lr=None, epsilon=None, decay=0., **kwargs):
        lr = pick_lr(lr, kwargs, 0.01)
        super().__init__(**kwargs)
        self._variables(lr=lr, decay=decay, iterations=0)
        self.epsilon = K.epsilon() if epsilon is None else epsilon
        self.initial_decay = decay

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = [zeros_slot(p) for p in params]
        self.weights = [self.iterations] + accumulators
        self.updates = [assign_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a in zip(params, grads, accumulators):
            new_a = a + square(g)
            self.updates.append(assign(a, new_a))
            self.updates.append(self._step(p, p - lr * g / (sqrt(new_a) + self.epsilon)))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._floats("lr", "decay"), "epsilon": self.epsilon}


class Adadelta(NoIterationsIn224, Optimizer):
    """a = rho * a + (1 - rho) * g ** 2; u = g * sqrt(d + eps) / sqrt(a + eps) (with the old
    d); p -= lr * u; d = rho * d + (1 - rho) * u ** 2. Here epsilon is inside the roots, as in
    Keras. Defaults lr=1.0, rho=0.95, epsilon=K.epsilon(), decay=0.

    Example: `Adadelta()`.
    """

    def __init__(self, lr=None, rho=0.95, epsilon=None, decay=0., **kwargs):
        lr = pick_lr(lr, kwargs, 1.0)
        super().__init__(**kwargs)
        self._variables(lr=lr, decay=decay, iterations=0)
        self.rho = rho  # a Python float in Keras 2.2.4, unlike the other hyperparameters
        self.epsilon = K.epsilon() if epsilon is None else epsilon
        self.initial_decay = decay

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = [zeros_slot(p) for p in params]
        delta_accumulators = [zeros_slot(p) for p in params]
        self.weights = [self.iterations] + accumulators + delta_accumulators
        self.updates = [assign_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a, d_a in zip(params, grads, accumulators, delta_accumulators):
            new_a = self.rho * a + (1. - self.rho) * square(g)
            self.updates.append(assign(a, new_a))
            update = g * sqrt(d_a + self.epsilon) / sqrt(new_a + self.epsilon)
            self.updates.append(self._step(p, p - lr * update))
            self.updates.append(assign(d_a, self.rho * d_a + (1 - self.rho) * square(update)))
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._floats("lr", "decay"), "rho": self.rho,
                "epsilon": self.epsilon}


class Adam(Optimizer):
    """t = iterations + 1; lr_t = lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t);
    m = beta_1 * m + (1 - beta_1) * g; v = beta_2 * v + (1 - beta_2) * g ** 2;
    p -= lr_t * m / (sqrt(v) + epsilon) (amsgrad: sqrt of the running max of v).
    Defaults lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=K.epsilon() (1e-7), decay=0.

    Example: `Adam(lr=0.001)` is what `optimizer='adam'` gives.
    """

    def __init__(self, lr=None, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.,
                 amsgrad=False, **kwargs):
        lr = pick_lr(lr, kwargs, 0.001)
        super().__init__(**kwargs)
        self._variables(iterations=0, lr=lr, beta_1=beta_1, beta_2=beta_2, decay=decay)
        self.epsilon = K.epsilon() if epsilon is None else epsilon
        self.initial_decay = decay
        self.amsgrad = amsgrad

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [assign_add(self.iterations, 1)]
        lr = self._decayed_lr()
        t = cast(self.iterations, K.floatx()) + 1
        lr_t = lr * (sqrt(1. - pow_(self.beta_2, t)) / (1. - pow_(self.beta_1, t)))
        ms = [zeros_slot(p, K.dtype(p)) for p in params]
        vs = [zeros_slot(p, K.dtype(p)) for p in params]
        # without amsgrad Keras still keeps one (1,)-shaped placeholder per parameter
        vhats = [zeros_slot(p, K.dtype(p)) if self.amsgrad else K.variable(np.zeros(1))
                 for p in params]
        self.weights = [self.iterations] + ms + vs + vhats
        if not self.amsgrad and not any(getattr(p, "constraint", None) for p in params):
            # the same formula as one fused kernel per parameter (TF's ApplyAdam: m + (g - m)
            # * (1 - beta_1) is beta_1 * m + (1 - beta_1) * g), not a dozen small ops
            b1_t, b2_t = pow_(self.beta_1, t), pow_(self.beta_2, t)
            self.updates += [apply_adam(p, m, v, b1_t, b2_t, lr, self.beta_1, self.beta_2,
                                        self.epsilon, g)
                             for p, g, m, v in zip(params, grads, ms, vs)]
            return self.updates
        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            v_t = self.beta_2 * v + (1. - self.beta_2) * square(g)
            if self.amsgrad:
                vhat_t = maximum(vhat, v_t)
                p_t = p - lr_t * m_t / (sqrt(vhat_t) + self.epsilon)
                self.updates.append(assign(vhat, vhat_t))
            else:
                p_t = p - lr_t * m_t / (sqrt(v_t) + self.epsilon)
            self.updates += [assign(m, m_t), assign(v, v_t), self._step(p, p_t)]
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._floats("lr", "beta_1", "beta_2", "decay"),
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adamax(Optimizer):
    """Adam with the infinity norm: m = beta_1 * m + (1 - beta_1) * g;
    u = max(beta_2 * u, |g|); p -= lr / (1 - beta_1 ** t) * m / (u + epsilon).
    Defaults lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=K.epsilon(), decay=0.
    """

    def __init__(self, lr=None, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0., **kwargs):
        lr = pick_lr(lr, kwargs, 0.002)
        super().__init__(**kwargs)
        self._variables(iterations=0, lr=lr, beta_1=beta_1, beta_2=beta_2, decay=decay)
        self.epsilon = K.epsilon() if epsilon is None else epsilon
        self.initial_decay = decay

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [assign_add(self.iterations, 1)]
        lr = self._decayed_lr()
        t = cast(self.iterations, K.floatx()) + 1
        lr_t = lr / (1. - pow_(self.beta_1, t))
        ms = [zeros_slot(p) for p in params]
        us = [zeros_slot(p) for p in params]  # the exponentially weighted infinity norm
        self.weights = [self.iterations] + ms + us
        for p, g, m, u in zip(params, grads, ms, us):
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            u_t = maximum(self.beta_2 * u, abs_(g))
            self.updates += [assign(m, m_t), assign(u, u_t),
                             self._step(p, p - lr_t * m_t / (u_t + self.epsilon))]
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._floats("lr", "beta_1", "beta_2", "decay"),
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum and a warming momentum schedule
    (mu_t = beta_1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))). Defaults lr=0.002,
    beta_1=0.9, beta_2=0.999, epsilon=K.epsilon(), schedule_decay=0.004.
    """

    def __init__(self, lr=None, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004,
                 **kwargs):
        lr = pick_lr(lr, kwargs, 0.002)
        super().__init__(**kwargs)
        self._variables(iterations=0, m_schedule=1., lr=lr, beta_1=beta_1, beta_2=beta_2)
        self.epsilon = K.epsilon() if epsilon is None else epsilon
        self.schedule_decay = schedule_decay

    def _older_layout(self, weights):
        # Keras 2.2.4 did not save m_schedule: take its start value 1 (as Keras 2.3 does)
        if len(self.weights) == len(weights) + 1:
            return weights[:1] + [np.array(1., dtype=K.floatx())] + weights[1:]
        return weights

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [assign_add(self.iterations, 1)]
        t = cast(self.iterations, K.floatx()) + 1
        base = convert_to_tensor(0.96, dtype=K.floatx())
        cache_t = self.beta_1 * (1. - 0.5 * pow_(base, t * self.schedule_decay))
        cache_t_1 = self.beta_1 * (1. - 0.5 * pow_(base, (t + 1) * self.schedule_decay))
        m_schedule_new = self.m_schedule * cache_t
        m_schedule_next = self.m_schedule * cache_t * cache_t_1
        self.updates.append(assign(self.m_schedule, m_schedule_new))
        ms = [zeros_slot(p) for p in params]
        vs = [zeros_slot(p) for p in params]
        self.weights = [self.iterations, self.m_schedule] + ms + vs
        for p, g, m, v in zip(params, grads, ms, vs):
            g_prime = g / (1. - m_schedule_new)
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            m_t_prime = m_t / (1. - m_schedule_next)
            v_t = self.beta_2 * v + (1. - self.beta_2) * square(g)
            v_t_prime = v_t / (1. - pow_(self.beta_2, t))
            m_t_bar = (1. - cache_t) * g_prime + cache_t_1 * m_t_prime
            p_t = p - self.lr * m_t_bar / (sqrt(v_t_prime) + self.epsilon)
            self.updates += [assign(m, m_t), assign(v, v_t), self._step(p, p_t)]
        return self.updates

    def get_config(self):
        return {**super().get_config(), **self._floats("lr", "beta_1", "beta_2"),
                "epsilon": self.epsilon, "schedule_decay": self.schedule_decay}


# Aliases, as Keras 2.2.4 has them.
sgd, rmsprop, adagrad, adadelta = SGD, RMSprop, Adagrad, Adadelta
adam, adamax, nadam = Adam, Adamax, Nadam

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
            "adam": Adam, "adamax": Adamax, "nadam": Nadam, "tfoptimizer": TFOptimizer}


def serialize(optimizer) -> dict:
    """{'class_name': 'Adam', 'config': {...}}. Example: `serialize(Adam())['config']['lr']`."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """The optimizer of a {'class_name', 'config'} dict; built-in names in any case."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(f"Improper config format: {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(str(name).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: {name!r} (known: sgd, rmsprop, adagrad, "
                         f"adadelta, adam, adamax, nadam)")
    return cls.from_config(dict(config["config"]))


def get(identifier):
    """An optimizer from a name ('adam', 'SGD', ...), a config dict, a Keras optimizer
    (returned as it is) or a flowgraph tf.train optimizer (wrapped in TFOptimizer).

    Example: `get("rmsprop")` is `RMSprop()` with Keras's defaults.
    """
    if isinstance(identifier, TFBaseOptimizer):
        return TFOptimizer(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, Optimizer):
        return identifier
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
