"""Broadcasting helpers that gradient rules are made of: sum_to and broadcast_like."""
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
