"""Symbolic differentiation: gradient rules add new ops to the graph."""
from __future__ import annotations

from . import registry
from .graph import get_default_graph
from .ops import source_ops
from .ops.array_ops import merge_slice_grads
from .ops.core import convert_to_tensor
from .ops.math_ops import add_n, merge_matmul_grads


def _between(ys, xs):
    """Ops on some path from an x to a y (data edges only), found without recursion."""
    back, stack = set(), [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in back:
            continue
        back.add(op)
        stack.extend(t.op for t in op.inputs)
    consumers: dict = {}
    for op in back:
        for t in op.inputs:
            consumers.setdefault(t, []).append(op)
    fwd, stack = set(), [op for x in xs for op in consumers.get(x, ())]
    while stack:
        op = stack.pop()
        if op in fwd:
            continue
        fwd.add(op)
        for t in op.outputs:
            stack.extend(consumers.get(t, ()))
    return fwd


def gradients(ys, xs, grad_ys=None, name="gradients", stop_gradients=None, **unused):
    """d(sum of ys)/d(x) for each x in xs, as new graph tensors.

    Args: ys, xs: a tensor or list (Variables allowed); grad_ys: initial gradients for ys
    (default ones); stop_gradients: tensors treated as constants.
    Returns: one tensor per x, summed over broadcasting to x's shape, or None where x does
    not reach ys. Example: `dw, = tf.gradients(loss, [w])`.
    """
    ys = [convert_to_tensor(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    xs_in = xs if isinstance(xs, (list, tuple)) else [xs]
    xs = [convert_to_tensor(x) for x in xs_in]
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    stops = {convert_to_tensor(s) for s in (stop_gradients or [])}
    g = ys[0].graph if ys else get_default_graph()  # the ys' graph, even outside as_default()
    with g.as_default(), g.name_scope(name):
        ops = _between(ys, xs)
        grads: dict = {}
        for y, gy in zip(ys, grad_ys):
            if gy is None:
                gy = source_ops.ones_like(y, name=f"grad_ys_{ys.index(y)}") \
                    if y.dtype.is_floating else None
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype)
            if gy is not None:
                grads.setdefault(y, []).append(gy)
        def total(t):
            parts = grads.get(t)
            if parts and len(parts) > 1:
                grads[t] = parts = [_total(parts)]
            return parts[0] if parts else None

        for op in sorted(ops, key=lambda o: o._id, reverse=True):
            outs = [total(t) for t in op.outputs]
            if all(o is None for o in outs):
                continue
            rule = registry.get(op.type).grad
            if rule is registry.NOT_DIFFERENTIABLE:
                continue
            outs = [o if o is not None else source_ops.zeros_like(t)
                    for o, t in zip(outs, op.outputs)]
            with g.name_scope(op.name + "_grad"):
                in_grads = rule(op, *outs)
            if len(in_grads) != len(op.inputs):
                raise ValueError(f"gradient rule of {op.type} returned {len(in_grads)} values for "
                                 f"{len(op.inputs)} inputs")
            for t, gt in zip(op.inputs, in_grads):
                if gt is None or t in stops or not t.dtype.is_floating:
                    continue
                grads.setdefault(t, []).append(gt)
        return [total(x) for x in xs]


def _total(parts):
    if not parts:
        return None
    if len(parts) > 1:
        parts = merge_matmul_grads(merge_slice_grads(parts))
    return parts[0] if len(parts) == 1 else add_n(parts)


