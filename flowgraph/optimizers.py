"""TF1's optimizer table: GradientDescent, Momentum (and Nesterov), Adagrad, RMSProp, Adam and
Adadelta.

Each keeps per-variable state in slot variables named as TF names them ("W/Adam", "W/Adam_1",
"W/Momentum", ...; not trainable), made the first time gradients are applied, and updates a
variable and its slots with one fused op from `ops/training_ops.py`. Hyperparameters may be
Python numbers, tensors (e.g. `train.exponential_decay`) or callables returning either.

Example:
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
    sess.run(tf.global_variables_initializer())   # after minimize: slots need initializing too
"""
from __future__ import annotations

import numpy as np

from .graph import get_default_graph
from .ops import training_ops
from .ops.array_ops import shape as array_shape
from .ops.control_flow_ops import group
from .ops.core import convert_to_tensor
from .ops.math_ops import cast
from .ops.source_ops import fill, filled
from .ops.state_ops import Variable, assign
from .optimizer import Optimizer


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * gradient."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr_t = None

    def _apply_dense(self, grad, var):
        if self._lr_t is None or self._lr_t.dtype is not var.dtype:
            self._lr_t = convert_to_tensor(self._learning_rate, dtype=var.dtype,
                                           name="learning_rate")
        return training_ops.apply_gradient_descent(var, self._lr_t, grad).op


class SlotOptimizer(Optimizer):
    """An Optimizer with slot variables and hyperparameters that may be tensors."""

    def __init__(self, use_locking, name):
        super().__init__(use_locking, name)
        self._slots: dict = {}       # slot name -> {variable: slot variable}
        self._non_slot: dict = {}    # (name, graph) -> variable, e.g. Adam's beta1_power
        self._tensors: dict = {}     # hyperparameter name -> tensor, made in _prepare

    # -- hyperparameters ---------------------------------------------------------------------
    def _hyper_tensor(self, name, value):
        """Make the tensor for a hyperparameter (inside the optimizer's name scope)."""
        value = value() if callable(value) else value
        self._tensors[name] = convert_to_tensor(value, name=name)

    def _get(self, name, dtype):
        """The hyperparameter as a tensor of `dtype` (cast like TF's _apply_dense does)."""
        return cast(self._tensors[name], dtype)

    # -- slots -------------------------------------------------------------------------------
    def _make_slot(self, var, slot_name, fill_value):
        """The slot `slot_name` of `var`, made as "<var>/<optimizer name>" when missing, filled
        with `fill_value`, of var's shape and dtype."""
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            g = var.graph
            shape = var.shape
            if shape.is_fully_defined():
                value = lambda: filled(shape.as_list(), fill_value, var.dtype,  # noqa: E731
                                       name="Const")
            else:  # the shape is known only once the variable's initial value is computed
                value = lambda: fill(array_shape(var.initial_value),  # noqa: E731
                                     np.asarray(fill_value, var.dtype.np_dtype))
            with g.as_default(), g.name_scope(""), g.control_dependencies(None):
                slots[var] = Variable(value, name=var.op.name + "/" + self._name,
                                      trainable=False, validate_shape=shape.is_fully_defined())
        return slots[var]

    def _zeros_slot(self, var, slot_name):
        return self._make_slot(var, slot_name, 0.0)

    def _non_slot_variable(self, name, initial_value):
        g = get_default_graph()
        key = (name, g)
        if key not in self._non_slot:
            self._non_slot[key] = Variable(initial_value, name=name, trainable=False)
        return self._non_slot[key]

    def get_slot(self, var, name):
        """The slot variable `name` ("m", "v", "momentum", ...) of `var`, or None."""
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """This optimizer's slot and non-slot variables in the default graph."""
        g = get_default_graph()
        out = [v for (_, vg), v in self._non_slot.items() if vg is g]
        for slots in self._slots.values():
            out.extend(v for v in slots.values() if v.graph is g)
        return sorted(out, key=lambda v: v.name)


class MomentumOptimizer(SlotOptimizer):
    """accum = momentum * accum + grad; var -= lr * accum.

    With use_nesterov: var -= lr * (grad + momentum * accum). Slot: "momentum" ("W/Momentum").
    """

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum")

    def _prepare(self):
        self._hyper_tensor("learning_rate", self._learning_rate)
        self._hyper_tensor("momentum", self._momentum)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        return training_ops.apply_momentum(
            var, self.get_slot(var, "momentum"), self._get("learning_rate", dt), grad,
            self._get("momentum", dt), use_nesterov=self._use_nesterov).op


class AdagradOptimizer(SlotOptimizer):
    """accum += grad ** 2; var -= lr * grad / sqrt(accum). Slot: "accumulator" ("W/Adagrad"),
    starting at initial_accumulator_value."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._make_slot(v, "accumulator", self._initial_accumulator_value)

    def _prepare(self):
        self._hyper_tensor("learning_rate", self._learning_rate)

    def _apply_dense(self, grad, var):
        return training_ops.apply_adagrad(var, self.get_slot(var, "accumulator"),
                                          self._get("learning_rate", var.dtype), grad).op


class RMSPropOptimizer(SlotOptimizer):
    """ms = decay * ms + (1 - decay) * grad ** 2; mom = momentum * mom + lr * grad /
    sqrt(ms + epsilon); var -= mom. Centered: ms - mg ** 2 under the root, mg the moving mean
    of grad.

    Slots: "rms" ("W/RMSProp", starting at ones), then "mg" when centered, then "momentum"
    ("W/RMSProp_1", or "W/RMSProp_2" when centered).
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._make_slot(v, "rms", 1.0)
            if self._centered:
                self._zeros_slot(v, "mg")
            self._zeros_slot(v, "momentum")

    def _prepare(self):
        self._hyper_tensor("learning_rate", self._learning_rate)
        self._hyper_tensor("decay", self._decay)
        self._hyper_tensor("momentum", self._momentum)
        self._hyper_tensor("epsilon", self._epsilon)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        hyper = [self._get(n, dt) for n in ("learning_rate", "decay", "momentum", "epsilon")]
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        if self._centered:
            return training_ops.apply_centered_rms_prop(
                var, self.get_slot(var, "mg"), rms, mom, *hyper, grad).op
        return training_ops.apply_rms_prop(var, rms, mom, *hyper, grad).op


class AdamOptimizer(SlotOptimizer):
    """Adam (Kingma and Ba, 2014) with TF1's update:

        lr_t = lr * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        m = beta1 * m + (1 - beta1) * grad;  v = beta2 * v + (1 - beta2) * grad ** 2
        var -= lr_t * m / (sqrt(v) + epsilon)

    Slots "m" ("W/Adam") and "v" ("W/Adam_1"); beta1 ** t and beta2 ** t live in the
    non-trainable variables "beta1_power" and "beta2_power", one pair per graph.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _get_beta_accumulators(self):
        g = get_default_graph()
        return self._non_slot[("beta1_power", g)], self._non_slot[("beta2_power", g)]

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        with first.graph.as_default():
            self._non_slot_variable("beta1_power", self._beta1)
            self._non_slot_variable("beta2_power", self._beta2)
        for v in var_list:
            self._zeros_slot(v, "m")
            self._zeros_slot(v, "v")

    def _prepare(self):
        self._hyper_tensor("learning_rate", self._lr)
        self._hyper_tensor("beta1", self._beta1)
        self._hyper_tensor("beta2", self._beta2)
        self._hyper_tensor("epsilon", self._epsilon)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        beta1_power, beta2_power = self._get_beta_accumulators()
        return training_ops.apply_adam(
            var, self.get_slot(var, "m"), self.get_slot(var, "v"),
            cast(beta1_power.value(), dt), cast(beta2_power.value(), dt),
            self._get("learning_rate", dt), self._get("beta1", dt), self._get("beta2", dt),
            self._get("epsilon", dt), grad).op

    def _finish(self, update_ops, name):
        with get_default_graph().control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            update_beta1 = assign(beta1_power,
                                  beta1_power * self._get("beta1", beta1_power.dtype))
            update_beta2 = assign(beta2_power,
                                  beta2_power * self._get("beta2", beta2_power.dtype))
        return group(*(list(update_ops) + [update_beta1, update_beta2]), name=name)


class AdadeltaOptimizer(SlotOptimizer):
    """Adadelta (Zeiler, 2012):

        accum = rho * accum + (1 - rho) * grad ** 2
        update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
        accum_update = rho * accum_update + (1 - rho) * update ** 2
        var -= lr * update

    Slots "accum" ("W/Adadelta") and "accum_update" ("W/Adadelta_1").
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-08, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum")
            self._zeros_slot(v, "accum_update")

    def _prepare(self):
        self._hyper_tensor("lr", self._lr)
        self._hyper_tensor("rho", self._rho)
        self._hyper_tensor("epsilon", self._epsilon)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        return training_ops.apply_adadelta(
            var, self.get_slot(var, "accum"), self.get_slot(var, "accum_update"),
            self._get("lr", dt), self._get("rho", dt), self._get("epsilon", dt), grad).op
