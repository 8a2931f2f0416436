"""Keras 2.2.4's recurrent layers (`keras.layers.recurrent`): SimpleRNN, GRU and LSTM, with
Keras's weights, gate order, defaults and dropout masks.

flowgraph unrolls the time loop when the graph is built (as its dynamic_rnn does), so the
number of time steps must be known then: an Embedding needs `input_length`, an Input a fixed
sequence length. `unroll` is accepted and changes nothing (the loop is always unrolled);
`stateful=True` is refused.

The work per step is kept small: the inputs of every step are multiplied by the kernel in one
matrix product before the loop ((batch * steps, in) @ kernel, bias added once), so a step only
computes h @ recurrent_kernel and the gates. (flowgraph's gradients merge the per-step products
of the recurrent kernel back into one large product.)

Note: `recurrent_activation` defaults to 'hard_sigmoid' (clip(0.2 x + 0.5, 0, 1)), Keras
2.2.4's default; tf.keras 2.x and Keras 3 use 'sigmoid'.

Example:
    model.add(Embedding(5000, 100, input_length=100))
    model.add(LSTM(55))                        # (None, 100, 100) -> (None, 55)
"""
from __future__ import annotations

import warnings

import numpy as np

from ... import nn
from ...ops.array_ops import concat, reshape, split, stack, transpose, unstack
from ...ops.core import convert_to_tensor
from ...ops.math_ops import matmul, where
from ...ops.source_ops import ones_like, zeros_like
from .. import activations, backend as K, initializers
from ..engine.base_layer import Layer, NeedsStaticShape, to_list


class _Recurrent(Layer):
    """What SimpleRNN, GRU and LSTM share: arguments, weights (kernel (in, gates * units),
    recurrent_kernel (units, gates * units), bias), dropout masks, the unrolled loop and its
    outputs. Subclasses set `gates`, `state_count` and `_step`."""

    gates = 1
    state_count = 1

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., implementation=1,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if stateful:
            raise ValueError(f"{type(self).__name__}(stateful=True) is not supported: "
                             f"flowgraph's recurrent layers start every batch from zero states")
        if "input_shape" not in kwargs and ("input_dim" in kwargs or "input_length" in kwargs):
            # Keras 2's legacy arguments: input_shape = (input_length, input_dim)
            kwargs["input_shape"] = (kwargs.pop("input_length", None),
                                     kwargs.pop("input_dim", None))
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, \
            recurrent_regularizer
        self.bias_regularizer, self.activity_regularizer = bias_regularizer, activity_regularizer
        self.kernel_constraint, self.recurrent_constraint = kernel_constraint, \
            recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = min(1., max(0., float(dropout)))
        self.recurrent_dropout = min(1., max(0., float(recurrent_dropout)))
        if implementation == 0:
            warnings.warn("`implementation=0` has been deprecated, and now defaults to "
                          "`implementation=1`.")
            implementation = 1
        if implementation not in (1, 2):
            raise ValueError(f"implementation must be 1 or 2, got {implementation!r}")
        self.implementation = implementation
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll

    # -- weights ------------------------------------------------------------------------------
    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{self.name}: {type(self).__name__} expects inputs of shape "
                             f"(batch, timesteps, input_dim) with input_dim known, got "
                             f"{input_shape}")
        width = self.gates * self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(), initializer=self._bias_init(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def _input_bias(self):
        return self.bias.value()

    # -- the loop -----------------------------------------------------------------------------
    def call(self, inputs, training=None, initial_state=None):
        steps = inputs.shape.dims[1]
        if steps is None:
            raise NeedsStaticShape(
                f"{self.name}: flowgraph unrolls {type(self).__name__} when the graph is built, "
                f"so the number of time steps must be known, got inputs {inputs.describe()}: "
                f"give the Embedding `input_length=...` (or the Input a fixed sequence length, "
                f"e.g. input_shape=(100, features))")
        masks = self._masks(lambda: inputs[:, 0, :], self.dropout, training)
        xs = self._input_steps(inputs, steps, masks)
        template = xs[0][:, :self.units]  # any (batch, units) tensor
        rec_masks = self._masks(lambda: template, self.recurrent_dropout, training)
        recurrence = self._recurrence(self.recurrent_kernel.value(), rec_masks)
        if initial_state is None:
            states = [zeros_like(template) for _ in range(self.state_count)]
        else:
            states = [convert_to_tensor(s) for s in to_list(initial_state)]
            if len(states) != self.state_count:
                raise ValueError(f"Layer has {self.state_count} states but was passed "
                                 f"{len(states)} initial states.")
        outputs = []
        for x in (xs[::-1] if self.go_backwards else xs):  # Keras keeps the reversed order
            out, states = self._step(x, states, recurrence)
            outputs.append(out)
        output = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(output))
        return [output] + list(states) if self.return_state else output

    def _masks(self, like, rate, training):
        """Keras 2.2.4's dropout masks, shaped like `like()`: ones dropped at `rate` (kept ones
        scaled by 1 / (1 - rate)) while training, plain ones otherwise; one draw per batch,
        used at every step. One mask per gate (implementation 1) or one for all (2); None
        without dropout."""
        if not 0. < rate < 1.:
            return None
        ones = ones_like(like())
        phase = K.learning_phase() if training is None else convert_to_tensor(training)
        count = self.gates if self.implementation == 1 else 1
        # Keras 2's rule for an op seed left None (as Dropout's)
        return [where(phase, nn.dropout(ones, rate=rate, seed=np.random.randint(10e6)), ones)
                for _ in range(count)]

    def _input_steps(self, inputs, steps, masks):
        """x_t @ kernel + bias for every step t, from one product: a list of (batch, width)."""
        x = transpose(inputs, [1, 0, 2])  # time-major, so each step is a contiguous block
        depth = int(inputs.shape.dims[-1])
        xw = _masked_product(x, self._blocks(self.kernel.value(), masks), masks,
                             lambda t: reshape(t, [-1, depth]))
        if self.use_bias:
            xw = xw + self._input_bias()
        return unstack(reshape(xw, [steps, -1, self.gates * self.units]), axis=0)

    def _blocks(self, kernel, masks) -> list:
        """The kernel whole, or split into its gates' columns when each gate has a mask."""
        return split(kernel, self.gates, axis=1) if masks and len(masks) > 1 else [kernel]

    def _recurrence(self, kernel, masks):
        """A function h -> h @ recurrent_kernel (h masked per gate with recurrent dropout)."""
        blocks = self._blocks(kernel, masks)
        return lambda h: _masked_product(h, blocks, masks)

    def _step(self, x, states, recurrence):
        raise NotImplementedError

    # -- shapes and config --------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        out = (batch, input_shape[1], self.units) if self.return_sequences else \
            (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self.state_count
        return out

    def get_config(self):
        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "unroll": self.unroll, "units": self.units,
                  "activation": activations.serialize(self.activation)}
        if self.gates > 1:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": self.kernel_regularizer,
            "recurrent_regularizer": self.recurrent_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "activity_regularizer": self.activity_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "recurrent_constraint": self.recurrent_constraint,
            "bias_constraint": self.bias_constraint,
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout})
        if self.gates > 1:
            config["implementation"] = self.implementation
        return config


def _masked_product(x, blocks, masks, flatten=None):
    """x @ blocks (concatenated by columns), x multiplied by masks[k] for block k first (masks
    None: no dropout; one mask for one block). `flatten` reshapes x before the product."""
    flatten = flatten or (lambda t: t)
    masks = masks or [None] * len(blocks)
    parts = [matmul(flatten(x if m is None else x * m), k) for k, m in zip(blocks, masks)]
    return parts[0] if len(parts) == 1 else concat(parts, 1)


class SimpleRNN(_Recurrent):
    """A fully connected recurrence: h_t = activation(x_t @ kernel + h_{t-1} @
    recurrent_kernel + bias), from h_0 = 0; the output is the last h (or every h).

    Example: `SimpleRNN(32, return_sequences=True)` on (None, 10, 8) -> (None, 10, 32).
    """

    gates, state_count = 1, 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", **kwargs):
        if "implementation" in kwargs:
            kwargs.pop("implementation")
            warnings.warn("The `implementation` argument in `SimpleRNN` has been deprecated. "
                          "Please remove it from your layer call.")
        super().__init__(units, activation=activation, recurrent_activation=None,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)

    def _step(self, x, states, recurrence):
        h = self.activation(x + recurrence(states[0]))
        return h, [h]


class GRU(_Recurrent):
    """The gated recurrent unit of Keras 2.2.4 (gates z, r, h along the kernels' columns):
    z = ra(x Wz + h Uz + bz), r = ra(x Wr + h Ur + br), hh = act(x Wh + (r * h) Uh + bh),
    h' = z * h + (1 - z) * hh. reset_after=True (CuDNN's variant) applies r after the product,
    hh = act(x Wh + r * (h Uh + b'h)), with a (2, 3 units) bias (input row, recurrent row).

    Example: `GRU(16)` on (None, 20, 8) -> (None, 16); its kernel is (8, 48).
    """

    gates, state_count = 3, 1

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 reset_after=False, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        return self.bias.value()[0] if self.reset_after else self.bias.value()

    def _recurrence(self, kernel, masks):
        u = self.units
        if self.reset_after:  # h @ U + recurrent bias, all three gates at once
            product = super()._recurrence(kernel, masks)
            if not self.use_bias:
                return product
            bias = self.bias.value()[1]
            return lambda h: product(h) + bias
        # z and r from h; the candidate from r * h, with its own third of the kernel (and mask)
        k_zr, k_h = split(kernel, [2 * u, u], axis=1)
        per_gate = masks is not None and len(masks) > 1
        m_zr = masks[:2] if per_gate else masks
        m_h = masks[2:] if per_gate else masks
        blocks_zr = split(k_zr, 2, axis=1) if per_gate else [k_zr]
        return (lambda h: _masked_product(h, blocks_zr, m_zr),
                lambda rh: _masked_product(rh, [k_h], m_h))

    def _step(self, x, states, recurrence):
        h, u = states[0], self.units
        x_zr, x_h = split(x, [2 * u, u], axis=1)
        if self.reset_after:
            inner_zr, inner_h = split(recurrence(h), [2 * u, u], axis=1)
            z, r = split(self.recurrent_activation(x_zr + inner_zr), 2, axis=1)
            hh = self.activation(x_h + r * inner_h)
        else:
            of_h, of_rh = recurrence
            z, r = split(self.recurrent_activation(x_zr + of_h(h)), 2, axis=1)
            hh = self.activation(x_h + of_rh(r * h))
        h = z * h + (1. - z) * hh
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class LSTM(_Recurrent):
    """Long short-term memory, Keras 2.2.4's (gates i, f, c, o along the kernels' columns):
    i = ra(x Wi + h Ui + bi), f = ra(x Wf + h Uf + bf), c' = f * c + i * act(x Wc + h Uc + bc),
    o = ra(x Wo + h Uo + bo), h' = o * act(c'); ra = recurrent_activation ('hard_sigmoid'),
    act = activation ('tanh'). unit_forget_bias=True starts the forget quarter of the bias at 1.
    return_state=True gives [output, h, c].

    Example: `LSTM(100, activation="tanh")` on (None, 100, 100) -> (None, 100): kernel
    (100, 400), recurrent_kernel (100, 400), bias (400,).
    """

    gates, state_count = 4, 2

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units

        def forget_ones(shape, dtype=None):  # [init(u), ones(u), init(2u)], as Keras 2.2.4
            return concat([init((u,), dtype), initializers.Ones()((u,), dtype),
                           init((2 * u,), dtype)], 0)
        return forget_ones

    def _step(self, x, states, recurrence):
        h, c = states
        zi, zf, zc, zo = split(x + recurrence(h), 4, axis=1)
        ra = self.recurrent_activation
        c = ra(zf) * c + ra(zi) * self.activation(zc)
        h = ra(zo) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config
