"""Op-table cases for the fused optimizer updates (ApplyMomentum, ApplyAdagrad, ApplyRMSProp,
ApplyCenteredRMSProp, ApplyAdam, ApplyAdadelta).

Imported at the end of op_cases.py, so that tests/test_ops.py checks them like every other op.
Each optimizer op is built by its optimizer's first `apply_gradients` (slots at their initial
values), with the learning rate and gradient fed; the reference is that first step in NumPy.
Several-step checks against the update formulas live in tests/test_optimizers.py.
"""
import numpy as np

import flowgraph as tf
from op_cases import case, u


def f32(v):
    """A Python-float hyperparameter as the graph sees it: a float32 constant."""
    return float(np.float32(v))


def _first_step(op_type, make_optimizer):
    def build(x, lr, g):
        v = tf.Variable(x)
        make_optimizer(lr).apply_gradients([(g, v)])
        return [op for op in tf.get_default_graph().get_operations()
                if op.type == op_type][-1].outputs[0]
    return build


def _momentum(x, lr, g, nesterov=False):
    return x - (g * lr + g * f32(0.9) * lr) if nesterov else x - lr * g


def _rmsprop(x, lr, g, centered=False):
    rho, eps = f32(0.9), f32(1e-10)
    ms = 1 + (g * g - 1) * (1 - rho)
    mg = (1 - rho) * g if centered else 0.0
    return x - lr * g / np.sqrt(ms - mg * mg + eps)


def _adam(x, lr, g):
    b1, b2, eps = f32(0.9), f32(0.999), f32(1e-8)
    lr_t = lr * np.sqrt(1 - b2) / (1 - b1)
    m, v = (1 - b1) * g, (1 - b2) * g * g
    return x - lr_t * m / (np.sqrt(v) + eps)


def _adadelta(x, lr, g):
    rho, eps = f32(0.95), f32(1e-8)
    accum = (1 - rho) * g * g
    return x - lr * np.sqrt(eps) / np.sqrt(accum + eps) * g


_LR = np.array(0.1)
case("ApplyMomentum", _first_step("ApplyMomentum", lambda lr: tf.train.MomentumOptimizer(lr, 0.9)),
     u(2, 3), _LR, u(2, 3), ref=_momentum, init=True)
case("ApplyMomentum", _first_step("ApplyMomentum", lambda lr: tf.train.MomentumOptimizer(
    lr, 0.9, use_nesterov=True)), u(3), _LR, u(3), init=True, name="nesterov",
     ref=lambda x, lr, g: _momentum(x, lr, g, nesterov=True))
case("ApplyAdagrad", _first_step("ApplyAdagrad", tf.train.AdagradOptimizer), u(2, 3), _LR,
     u(2, 3), ref=lambda x, lr, g: x - lr * g / np.sqrt(f32(0.1) + g * g), init=True)
case("ApplyRMSProp", _first_step("ApplyRMSProp", tf.train.RMSPropOptimizer), u(2, 3), _LR,
     u(2, 3), ref=_rmsprop, init=True)
case("ApplyCenteredRMSProp", _first_step("ApplyCenteredRMSProp", lambda lr: tf.train.
                                         RMSPropOptimizer(lr, centered=True)),
     u(2, 3), _LR, u(2, 3), ref=lambda x, lr, g: _rmsprop(x, lr, g, centered=True), init=True)
case("ApplyAdam", _first_step("ApplyAdam", tf.train.AdamOptimizer), u(2, 3), _LR, u(2, 3),
     ref=_adam, init=True)
case("ApplyAdadelta", _first_step("ApplyAdadelta", tf.train.AdadeltaOptimizer), u(2, 3),
     np.array(1.0), u(2, 3), ref=_adadelta, init=True)
