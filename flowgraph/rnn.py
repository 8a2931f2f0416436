"""`tf.nn.dynamic_rnn` and `tf.nn.static_rnn`: a cell run over time, unrolled into ops.

flowgraph unrolls the time loop when the graph is built, so the number of time steps must be
known then (the textbook case: fixed-length sequences); an unknown time dimension is a clear
error at build time. Sequences shorter than the time dimension are handled as TF1 does: past a
sequence's length its outputs are zeros and its state is carried through unchanged.
"""
from __future__ import annotations

from .graph import get_default_graph
from .ops.array_ops import shape as shape_of, stack, unstack
from .ops.core import convert_to_tensor
from .ops.index_ops import reverse, reverse_sequence
from .ops.math_ops import less, where
from .ops.source_ops import zeros_like
from .rnn_cell import map_state
from .variable_scopes import variable_scope

__all__ = ["dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn"]


def __dir__():
    return __all__


def _initial_state(cell, initial_state, batch, dtype, what):
    if initial_state is not None:
        return initial_state
    if dtype is None:
        raise ValueError(f"{what}: give initial_state or dtype (e.g. dtype=tf.float32)")
    return cell.zero_state(batch, dtype)


def _batch_size(x):
    n = x.shape.dims[0] if x.shape.dims else None
    return n if n is not None else shape_of(x)[0]


def _unroll(cell, steps, state, sequence_length):
    """Run `cell` over the list `steps` ([batch, depth] each); returns (outputs, state)."""
    outputs = []
    lengths = None if sequence_length is None else convert_to_tensor(sequence_length)
    for t, x in enumerate(steps):
        out, new_state = cell(x, state)
        if lengths is not None:
            alive = less(t, lengths)   # [batch] bools: row still inside its sequence
            out = where(alive, out, zeros_like(out))
            new_state = map_state(lambda n, o: where(alive, n, o), new_state, state)
        outputs.append(out)
        state = new_state
    return outputs, state


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """Run `cell` over `inputs`, a list of [batch, depth] tensors (one per time step).

    Returns (outputs: a list of [batch, output_size] tensors, final state). Variables live in
    the scope `scope` (default "rnn"). Example:
        outputs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    """
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("static_rnn: inputs must be a non-empty list of tensors, one per step")
    steps = [convert_to_tensor(x) for x in inputs]
    with variable_scope(scope or "rnn"):
        state = _initial_state(cell, initial_state, _batch_size(steps[0]), dtype, "static_rnn")
        return _unroll(cell, steps, state, sequence_length)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """Run `cell` over the time axis of `inputs`: [batch, time, depth] ([time, batch, depth]
    with time_major=True); the time length must be known when the graph is built.

    sequence_length: an int vector [batch]; past it, outputs are zeros and the state stays.
    Returns (outputs in the layout of inputs, final state). Example:
        cell = tf.nn.rnn_cell.BasicLSTMCell(64)
        outputs, (c, h) = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    """
    x = convert_to_tensor(inputs)
    if x.shape.dims is None or len(x.shape.dims) != 3:
        raise ValueError(f"dynamic_rnn: inputs must have rank 3 ([batch, time, depth], or "
                         f"[time, batch, depth] with time_major=True), got {x.describe()}")
    time_axis = 0 if time_major else 1
    if x.shape.dims[time_axis] is None:
        raise ValueError(
            f"dynamic_rnn: flowgraph unrolls the time loop when the graph is built, so the "
            f"number of time steps (axis {time_axis} of {x.describe()}) must be known: give "
            f"the placeholder a fixed length, e.g. tf.placeholder(tf.float32, [None, 28, 28]), "
            f"and pass sequence_length for shorter sequences")
    with variable_scope(scope or "rnn"):
        steps = unstack(x, axis=time_axis)
        state = _initial_state(cell, initial_state, _batch_size(steps[0]), dtype, "dynamic_rnn")
        outputs, state = _unroll(cell, steps, state, sequence_length)
        with get_default_graph().name_scope("outputs"):
            return stack(outputs, axis=time_axis), state


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """A forward and a backward dynamic_rnn over the same inputs (variables under
    "bidirectional_rnn/fw" and ".../bw"). Returns ((outputs_fw, outputs_bw), (state_fw,
    state_bw)); the backward outputs are in input order.

    The backward pass reads each sequence from its last step to its first: with
    sequence_length, only the first sequence_length[i] steps of row i are reversed (as TF1
    does with reverse_sequence), so padding never enters the backward state.
    Example:
        (fw, bw), _ = tf.nn.bidirectional_dynamic_rnn(cell_fw, cell_bw, x, lengths,
                                                      dtype=tf.float32)
        outputs = tf.concat([fw, bw], axis=2)
    """
    x = convert_to_tensor(inputs)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)

    def backwards(t):
        if sequence_length is None:
            return reverse(t, [time_axis])
        return reverse_sequence(t, sequence_length, seq_axis=time_axis, batch_axis=batch_axis)

    with variable_scope(scope or "bidirectional_rnn"):
        out_fw, st_fw = dynamic_rnn(cell_fw, x, sequence_length, initial_state_fw, dtype,
                                    time_major=time_major, scope="fw")
        with variable_scope("bw"):
            reversed_x = backwards(x)
        out_bw, st_bw = dynamic_rnn(cell_bw, reversed_x, sequence_length, initial_state_bw,
                                    dtype, time_major=time_major, scope="bw")
        out_bw = backwards(out_bw)
    return (out_fw, out_bw), (st_fw, st_bw)
