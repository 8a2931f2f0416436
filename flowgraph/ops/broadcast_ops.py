"""Broadcasting helpers that gradient rules are made of: sum_to, broadcast_like, unreduce."""
from __future__ import annotations

import numpy as np

from .. import shapes
from ..registry import OpDef, register
from .core import make


# --- broadcasting helpers for gradients -----------------------------------------------------
_SUM_AXES: dict = {}  # (g's shape, x's shape) -> (axes to sum, reshape needed); a memo


def _sum_to_forward(xp, g, x):
    gs, xs = g.shape, x.shape
    if gs == xs:
        return g
    how = _SUM_AXES.get((gs, xs))
    if how is None:
        lead = len(gs) - len(xs)
        axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(xs)
                                          if d == 1 and gs[i + lead] != 1)
        kept = tuple(d for i, d in enumerate(gs) if i not in axes)
        if len(_SUM_AXES) > 4096:  # shapes that vary without end: keep the memo small
            _SUM_AXES.clear()
        how = _SUM_AXES[(gs, xs)] = (axes, kept != xs)
    axes, reshape = how
    out = g.sum(axis=axes) if axes else g
    return out.reshape(xs) if reshape else out


register(OpDef("SumToLike", infer=lambda inputs, attrs: [(inputs[0].dtype, inputs[1].shape)],
               forward=_sum_to_forward, tf_type="Sum",
               grad=lambda op, g: [broadcast_like(g, op.inputs[0]), None]))
register(OpDef("BroadcastLike",
               infer=lambda inputs, attrs: [(inputs[0].dtype,
                                             shapes.broadcast(inputs[0].shape, inputs[1].shape))],
               tf_type="BroadcastTo",
               forward=lambda xp, a, like: xp.broadcast_to(
                   a, np.broadcast_shapes(a.shape, like.shape)),  # the shape infer promises
               grad=lambda op, g: [sum_to(g, op.inputs[0]), None]))


def sum_to(g, x):
    """`g` summed over the axes along which `x` was broadcast, so it has `x`'s shape."""
    if g.shape.is_fully_defined() and g.shape == x.shape:
        return g
    return make("SumToLike", [g, x])


def broadcast_like(a, like):
    """`a` broadcast to the run-time shape of `like`."""
    if a.shape.is_fully_defined() and a.shape == like.shape:
        return a
    return make("BroadcastLike", [a, like])


def _unreduce_forward(xp, g, x, axis, keepdims):
    if not keepdims and axis is not None and g.ndim:
        shape = list(g.shape)
        for a in sorted(a % x.ndim for a in axis):
            shape.insert(a, 1)
        g = g.reshape(shape)
    out = xp.empty(x.shape, dtype=g.dtype)  # a fresh buffer: cheaper than broadcast_to's view
    out[...] = g
    return out


register(OpDef("Unreduce", infer=lambda inputs, attrs: [(inputs[0].dtype, inputs[1].shape)],
               forward=_unreduce_forward, tf_type="BroadcastTo",
               grad=lambda op, g: [_reduce_sum(g, op.attrs["axis"], op.attrs["keepdims"]), None]))


def _reduce_sum(g, axis, keepdims):
    from .math_ops import reduce_sum
    return reduce_sum(g, axis=list(axis) if axis is not None else None, keepdims=keepdims)


def unreduce(g, x, axis, keepdims):
    """Undo a reduction of `x` over `axis`: `g` broadcast back to `x`'s shape."""
    return make("Unreduce", [g, x], axis=axis, keepdims=keepdims)
