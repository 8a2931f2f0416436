"""`Optimizer`, the base of every optimizer: `compute_gradients`, `apply_gradients`, `minimize`
(the optimizers themselves are in optimizers.py)."""
from __future__ import annotations

from .gradients import gradients
from .graph import get_default_graph, name_scope
from .ops.control_flow_ops import group
from .ops.core import convert_to_tensor
from .ops.state_ops import Variable, assign_add, trainable_variables


class Optimizer:
    """Base class: subclasses give `_apply_dense(grad, var)` returning the update op."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name

    def get_name(self):
        return self._name

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """[(gradient or None, variable)] for each trainable variable (or those in var_list)."""
        loss = convert_to_tensor(loss)
        if not loss.dtype.is_floating:
            raise ValueError(f"Invalid type {loss.dtype.name} for {loss.name}, expected a float "
                             f"type to compute gradients")
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"var_list holds {v!r}, which is not a Variable")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """One op applying each (gradient, variable) update, then incrementing global_step.

        Subclasses fill in TF1's steps: `_create_slots(vars)`, `_prepare()`,
        `_apply_dense(grad, var)` and `_finish(update_ops, name)`.
        """
        grads_and_vars = list(grads_and_vars)
        live = [(g, v) for g, v in grads_and_vars if g is not None]
        if not live:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[v.name for _, v in grads_and_vars]}")
        for _, v in live:
            if not isinstance(v, Variable):
                raise TypeError(f"{self._name}: can only update Variables, got {v!r}")
        graph = get_default_graph()
        with graph.control_dependencies(None):
            self._create_slots([v for _, v in live])
        with name_scope(name, self._name) as scope:
            self._prepare()
            updates = []
            for g, v in live:
                with name_scope("update_" + v.op.name):
                    updates.append(self._apply_dense(convert_to_tensor(g), v))
            if global_step is None:
                return self._finish(updates, scope[:-1] + "/")
            with graph.control_dependencies([self._finish(updates, "update")]):
                return assign_add(global_step, 1, name=scope[:-1] + "/").op

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """compute_gradients then apply_gradients: one op that takes a training step."""
        gvs = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        if all(g is None for g, _ in gvs):
            raise ValueError(
                f"No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[v.name for _, v in gvs]} and loss "
                f"{loss.name if hasattr(loss, 'name') else loss!r} (created at "
                f"{convert_to_tensor(loss).op.location}).")
        return self.apply_gradients(gvs, global_step=global_step, name=name)

    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _finish(self, update_ops, name):
        return group(*update_ops, name=name)
