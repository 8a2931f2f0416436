"""`tf.nn.rnn_cell` (also `tf.contrib.rnn`): recurrent cells built from ops, as TF1 builds them.

A cell maps (inputs [batch, depth], state) to (output, new state). Its variables are made on
the first call, in a variable scope named as TF1 names it ("basic_lstm_cell", "gru_cell", ...,
inside "rnn" when `dynamic_rnn` runs it), so checkpoints and TensorBoard read as TF1's do:
`rnn/basic_lstm_cell/kernel`. Later calls (the next time steps) reuse the same variables.

Example:
    cell = tf.nn.rnn_cell.BasicLSTMCell(128)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)   # x: [batch, time, depth]
"""
from __future__ import annotations

import collections
import numbers

from . import initializers
from .graph import get_default_graph
from .ops.array_ops import concat, split, stack
from .ops.core import convert_to_tensor
from .ops.math_ops import clip_by_value, matmul, sigmoid, tanh
from .ops.source_ops import zeros
from .tensor import Tensor
from .variable_scopes import get_variable, variable_scope

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DropoutWrapper", "GRUCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "RNNCell"]


def __dir__():  # `tf.nn.rnn_cell.<tab>` lists the API
    return __all__


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell state `c` and the output `h` (both [batch, num_units])."""

    __slots__ = ()

    @property
    def dtype(self):
        return self.c.dtype


class RNNCell:
    """The base of every cell: `state_size`, `output_size`, `zero_state`, and `__call__`, which
    makes the cell's variables in its scope the first time and reuses them after."""

    _default_name = "rnn_cell"

    def __init__(self, name=None, reuse=None, dtype=None):
        self._name = name
        self._reuse = reuse
        self._dtype = dtype
        self._variables = None   # made by the first call
        self._scope_name = None

    @property
    def state_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    def zero_state(self, batch_size, dtype):
        """Zeros of the state's structure for a batch (an int or a scalar int tensor)."""
        def zeros_of(size):
            if isinstance(size, LSTMStateTuple):
                return LSTMStateTuple(zeros_of(size.c), zeros_of(size.h))
            if isinstance(size, tuple):
                return tuple(zeros_of(s) for s in size)
            if isinstance(batch_size, numbers.Integral):
                return zeros([int(batch_size), size], dtype=dtype)
            return zeros(stack([convert_to_tensor(batch_size), size]), dtype=dtype)
        return zeros_of(self.state_size)

    def __call__(self, inputs, state, scope=None):
        inputs = convert_to_tensor(inputs)
        if inputs.shape.dims is None or inputs.shape.dims[-1] is None:
            raise ValueError(f"{type(self).__name__}: the last dimension of the inputs must be "
                             f"known when the graph is built, got {inputs.describe()}")
        if self._variables is None:  # the first call makes the variables in the cell's scope
            with variable_scope(scope or self._name, default_name=self._default_name,
                                reuse=self._reuse) as vs:
                self._scope_name = vs.name
                self._variables = self.build(int(inputs.shape.dims[-1]), inputs.dtype)
                return self.call(inputs, state)
        with get_default_graph().name_scope(self._scope_name.rpartition("/")[2]):
            return self.call(inputs, state)

    def build(self, input_depth, dtype):
        """Make the cell's variables; returns them (any structure `call` reads)."""
        raise NotImplementedError

    def call(self, inputs, state):
        raise NotImplementedError

    @property
    def trainable_variables(self):
        return list(_flatten(self._variables)) if self._variables is not None else []

    variables = weights = trainable_variables


def _flatten(values):
    if isinstance(values, dict):
        for v in values.values():
            yield from _flatten(v)
    elif isinstance(values, (list, tuple)):
        for v in values:
            yield from _flatten(v)
    elif values is not None:
        yield values


def _linear_variables(name_kernel, name_bias, shape, dtype, initializer, bias_init):
    kernel = get_variable(name_kernel, shape, dtype=dtype, initializer=initializer)
    bias = get_variable(name_bias, [shape[1]], dtype=dtype, initializer=bias_init)
    return kernel, bias


class _UnitsCell(RNNCell):
    """A cell whose state and output are one [batch, num_units] tensor."""

    def __init__(self, num_units, activation, reuse, name, dtype):
        super().__init__(name, reuse, dtype)
        self._num_units = int(num_units)
        self._activation = activation or tanh

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units


class BasicRNNCell(_UnitsCell):
    """output = new_state = activation([inputs, state] @ kernel + bias); tanh by default."""

    _default_name = "basic_rnn_cell"

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None):
        super().__init__(num_units, activation, reuse, name, dtype)

    def build(self, depth, dtype):
        return _linear_variables("kernel", "bias", [depth + self._num_units, self._num_units],
                                 dtype, None, initializers.zeros_initializer())

    def call(self, inputs, state):
        kernel, bias = self._variables
        out = self._activation(matmul(concat([inputs, state], 1), kernel) + bias)
        return out, out


class BasicLSTMCell(RNNCell):
    """The LSTM of Zaremba et al. without peepholes: gates i, j, f, o from one kernel,
    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j), h' = tanh(c') * sigmoid(o).
    The state is an LSTMStateTuple(c, h) (state_is_tuple=False concatenates them)."""

    _default_name = "basic_lstm_cell"

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None):
        super().__init__(name, reuse, dtype)
        self._num_units = int(num_units)
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        return self._num_units

    def build(self, depth, dtype):
        n = self._num_units
        return _linear_variables("kernel", "bias", [depth + n, 4 * n], dtype, None,
                                 initializers.zeros_initializer())

    def call(self, inputs, state):
        kernel, bias = self._variables
        c, h = state if self._state_is_tuple else split(state, 2, axis=1)
        gates = matmul(concat([inputs, h], 1), kernel) + bias
        i, j, f, o = split(gates, 4, axis=1)
        new_c = c * sigmoid(f + self._forget_bias) + sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * sigmoid(o)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else \
            concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(BasicLSTMCell):
    """TF1's full LSTMCell: BasicLSTMCell's gates plus optional peepholes (use_peepholes),
    cell clipping (cell_clip) and an output projection to num_proj units (proj_clip)."""

    _default_name = "lstm_cell"

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None):
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype)
        self._use_peepholes, self._cell_clip = use_peepholes, cell_clip
        self._initializer, self._num_proj, self._proj_clip = initializer, num_proj, proj_clip

    @property
    def state_size(self):
        n, m = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, m) if self._state_is_tuple else n + m

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def build(self, depth, dtype):
        n, m = self._num_units, self._num_proj or self._num_units
        out = {"linear": _linear_variables("kernel", "bias", [depth + m, 4 * n], dtype,
                                           self._initializer, initializers.zeros_initializer())}
        if self._use_peepholes:
            out["peep"] = [get_variable(k, [n], dtype=dtype, initializer=self._initializer)
                           for k in ("w_f_diag", "w_i_diag", "w_o_diag")]
        if self._num_proj:
            with variable_scope("projection"):
                out["proj"] = get_variable("kernel", [n, self._num_proj], dtype=dtype,
                                           initializer=self._initializer)
        return out

    def call(self, inputs, state):
        kernel, bias = self._variables["linear"]
        n = self._num_units
        c, h = state if self._state_is_tuple else split(state, [n, -1], axis=1)
        i, j, f, o = split(matmul(concat([inputs, h], 1), kernel) + bias, 4, axis=1)
        if self._use_peepholes:
            w_f, w_i, w_o = self._variables["peep"]
            f, i = f + w_f * c, i + w_i * c
        new_c = sigmoid(f + self._forget_bias) * c + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            new_c = clip_by_value(new_c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            o = o + self._variables["peep"][2] * new_c
        new_h = sigmoid(o) * self._activation(new_c)
        if self._num_proj:
            new_h = matmul(new_h, self._variables["proj"])
            if self._proj_clip is not None:
                new_h = clip_by_value(new_h, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else \
            concat([new_c, new_h], 1)
        return new_h, new_state


class GRUCell(_UnitsCell):
    """Cho et al.'s GRU: r, u = sigmoid([x, h] @ gates/kernel + gates/bias) (bias starting at
    1), c = tanh([x, r * h] @ candidate/kernel + candidate/bias), h' = u * h + (1 - u) * c."""

    _default_name = "gru_cell"

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None):
        super().__init__(num_units, activation, reuse, name, dtype)
        self._kernel_init, self._bias_init = kernel_initializer, bias_initializer

    def build(self, depth, dtype):
        n = self._num_units
        with variable_scope("gates"):
            gates = _linear_variables("kernel", "bias", [depth + n, 2 * n], dtype,
                                      self._kernel_init,
                                      self._bias_init or initializers.constant_initializer(1.0))
        with variable_scope("candidate"):
            candidate = _linear_variables("kernel", "bias", [depth + n, n], dtype,
                                          self._kernel_init,
                                          self._bias_init or initializers.zeros_initializer())
        return gates, candidate

    def call(self, inputs, state):
        (gk, gb), (ck, cb) = self._variables
        r, u = split(sigmoid(matmul(concat([inputs, state], 1), gk) + gb), 2, axis=1)
        c = self._activation(matmul(concat([inputs, r * state], 1), ck) + cb)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """Cells stacked: each cell's output is the next one's input; the state is a tuple with one
    state per cell. Their variables live in "multi_rnn_cell/cell_<i>"."""

    _default_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not state_is_tuple:
            raise ValueError("MultiRNNCell: only state_is_tuple=True is supported (TF1's "
                             "default); pass the state as a tuple of the cells' states")
        self._cells = list(cells)

    @property
    def state_size(self):
        return tuple(cell.state_size for cell in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)

    def build(self, depth, dtype):
        return ()  # the stacked cells make their own variables in "cell_<i>" on the first call

    def call(self, inputs, state):
        out, new_states = inputs, []
        for i, (cell, s) in enumerate(zip(self._cells, state)):
            with variable_scope(f"cell_{i}"):
                out, ns = cell(out, s)
            new_states.append(ns)
        return out, tuple(new_states)

    @property
    def trainable_variables(self):
        return [v for cell in self._cells for v in cell.trainable_variables]

    variables = weights = trainable_variables


class DropoutWrapper(RNNCell):
    """A cell with dropout on its inputs, outputs and/or state (keep probabilities: floats or
    scalar tensors, e.g. a placeholder fed 1.0 when evaluating)."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None):
        super().__init__()
        if variational_recurrent:
            raise ValueError("DropoutWrapper: variational_recurrent=True is not supported")
        self._cell, self._seed = cell, seed
        self._keep = (input_keep_prob, output_keep_prob, state_keep_prob)

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def _drop(self, x, keep):
        if isinstance(keep, numbers.Real) and keep == 1.0:
            return x
        from .nn import dropout  # a real cycle: tf.nn exports these cells as tf.nn.rnn_cell
        return dropout(x, keep_prob=keep, seed=self._seed)

    def __call__(self, inputs, state, scope=None):
        keep_in, keep_out, keep_state = self._keep
        output, new_state = self._cell(self._drop(convert_to_tensor(inputs), keep_in), state,
                                       scope=scope)
        if not (isinstance(keep_state, numbers.Real) and keep_state == 1.0):
            new_state = map_state(lambda s: self._drop(s, keep_state), new_state)
        return self._drop(output, keep_out), new_state

    @property
    def trainable_variables(self):
        return self._cell.trainable_variables

    variables = weights = trainable_variables


def map_state(fn, state, *others):
    """`fn` applied to every tensor of a (possibly nested) state, and to the matching tensors
    of `others`, states of the same structure: fn(s, *o) for each position."""
    if isinstance(state, Tensor):
        return fn(state, *others)
    parts = [map_state(fn, *group) for group in zip(state, *others)]
    return LSTMStateTuple(*parts) if isinstance(state, LSTMStateTuple) else tuple(parts)
