"""`Layer`: Keras 2.2.4's base class on flowgraph's graph.

A layer makes its weights in `build(input_shape)` (flowgraph Variables named
"<layer>/<weight>", e.g. "dense_1/kernel") and its ops in `call(inputs)`, both inside the name
scope of the layer, so TensorBoard groups a model by layer. Calling a layer on a tensor
records a `Node` (the layer, its input tensors, its output tensors): models find their layers
and their order by walking these records back from their outputs.

Example:
    class Double(Layer):
        def call(self, inputs):
            return inputs * 2.0
    y = Double()(x)
"""
from __future__ import annotations

import re
import weakref
from typing import NamedTuple

import numpy as np

from ...ops.core import convert_to_tensor
from ...ops.state_ops import Variable
from ...tensor import Tensor
from .. import backend as K, initializers

#: output tensor -> the Node that made it (weak: tensors of dropped graphs go away)
_HISTORY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class NeedsStaticShape(ValueError):
    """A layer cannot make its ops for inputs whose shape is not known yet (a recurrent layer
    over an unknown number of steps): a Sequential model then waits for the data to build
    (`summary()` still works, from the layers' `compute_output_shape`)."""


class Node(NamedTuple):
    """One call of a layer: what went in and what came out (lists of tensors)."""
    layer: "Layer"
    inputs: list
    outputs: list


def node_of(tensor):
    """The Node whose call made `tensor`, or None for a tensor no layer made."""
    return _HISTORY.get(tensor)


def to_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def unpack(xs):
    return xs[0] if len(xs) == 1 else xs


def _snake(name: str) -> str:
    """Keras's layer-name stem: Dense -> dense, Conv1D -> conv1d, MaxPooling2D ->
    max_pooling2d, SimpleRNN -> simple_rnn, BatchNormalization -> batch_normalization."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


class Layer:
    """The base of every Keras layer. Subclasses override `build`, `call` and, where the
    output shape is not the input's, `compute_output_shape`; `get_config` for saving."""

    def __init__(self, name=None, trainable=True, input_shape=None, batch_input_shape=None,
                 batch_size=None, dtype=None, weights=None, input_dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{sorted(kwargs)}")
        prefix = _snake(type(self).__name__)
        self.name = name or f"{prefix}_{K.get_uid(prefix)}"
        self.trainable = trainable
        self.built = False
        self.supports_masking = False
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._updates: list = []
        self._losses: list = []
        self._initial_weights = weights
        self.inbound_nodes: list = []
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size,) + tuple(input_shape)
        self.batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)
        self.dtype = dtype or input_dtype or K.floatx()

    # -- weights ----------------------------------------------------------------------------
    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None):
        """A new variable "<layer>/<name>" of `shape`, initialized by `initializer` (a Keras
        initializer, its name, or a callable(shape, dtype) giving a tensor)."""
        init = initializers.get(initializer or "glorot_uniform")
        shape = tuple(int(d) for d in shape)
        dtype = dtype or K.floatx()
        weight = Variable(lambda: init(shape, dtype=dtype), name=name, dtype=dtype,
                          trainable=trainable)
        if regularizer is not None:
            self._losses.append(regularizer(weight.value()))
        weight.constraint = constraint
        (self._trainable_weights if trainable else self._non_trainable_weights).append(weight)
        return weight

    @property
    def trainable_weights(self) -> list:
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        if self.trainable:
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    @property
    def weights(self) -> list:
        return self.trainable_weights + self.non_trainable_weights

    @property
    def updates(self) -> list:
        return list(self._updates)

    @property
    def losses(self) -> list:
        return list(self._losses)

    def add_update(self, updates, inputs=None):
        self._updates.extend(to_list(updates))

    def add_loss(self, losses, inputs=None):
        self._losses.extend(to_list(losses))

    def get_weights(self) -> list:
        """The weights' values, as NumPy arrays in `weights` order."""
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        """Load NumPy arrays into the weights, in `weights` order; shapes must match."""
        mine = self.weights
        if len(weights) != len(mine):
            raise ValueError(f"You called `set_weights(weights)` on layer \"{self.name}\" with a "
                             f"weight list of length {len(weights)}, but the layer was "
                             f"expecting {len(mine)} weights.")
        pairs = []
        for w, value in zip(mine, weights):
            value = np.asarray(value)
            if tuple(w.shape.as_list()) != value.shape:
                raise ValueError(f"Layer weight shape {tuple(w.shape.as_list())} not compatible "
                                 f"with provided weight shape {value.shape} (layer "
                                 f"\"{self.name}\", weight {w.op.name})")
            pairs.append((w, value))
        K.batch_set_value(pairs)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on {self.name}, but the layer "
                             f"isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # -- building and calling ---------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def __call__(self, inputs, **kwargs):
        """Apply the layer to a tensor (or a list of tensors): builds it on first use."""
        inputs = unpack([convert_to_tensor(x) for x in to_list(inputs)])
        shapes = unpack([_shape_tuple(x) for x in to_list(inputs)])
        self._check_input(shapes)
        graph = to_list(inputs)[0].graph
        with graph.as_default(), graph.name_scope(self.name):
            if not self.built:
                self.build(shapes)
                self.built = True
                if self._initial_weights is not None:
                    self.set_weights(self._initial_weights)
                    self._initial_weights = None
            outputs = self.call(inputs, **kwargs)
        node = Node(self, to_list(inputs), to_list(outputs))
        self.inbound_nodes.append(node)
        for t in node.outputs:
            _HISTORY[t] = node
        return outputs

    def _check_input(self, shapes):
        want = self.batch_input_shape
        if want is None or isinstance(shapes, list):
            return
        if len(shapes) != len(want) or any(a is not None and b is not None and a != b
                                           for a, b in zip(want[1:], shapes[1:])):
            raise ValueError(f"Error when checking input of layer {self.name}: expected shape "
                             f"{want}, got {shapes}")

    # -- shapes of the first call -------------------------------------------------------------
    @property
    def input(self):
        return self._first_node("input").inputs[0] if len(self._first_node("input").inputs) == 1 \
            else self._first_node("input").inputs

    @property
    def output(self):
        outs = self._first_node("output").outputs
        return outs[0] if len(outs) == 1 else outs

    @property
    def input_shape(self):
        return unpack([_shape_tuple(t) for t in self._first_node("input").inputs])

    @property
    def output_shape(self):
        if not self.inbound_nodes and getattr(self, "_expected_output_shape", None):
            return self._expected_output_shape  # (a Sequential waiting for its data)
        return unpack([_shape_tuple(t) for t in self._first_node("output").outputs])

    def _first_node(self, what):
        if not self.inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 f"defined {what}.")
        return self.inbound_nodes[0]

    # -- configuration ------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable}
        if self.batch_input_shape is not None:
            config["batch_input_shape"] = self.batch_input_shape
        config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__.replace('flowgraph.', '')}.{type(self).__name__} " \
               f"name={self.name!r}>"


def _shape_tuple(t: Tensor):
    dims = t.shape.dims
    return None if dims is None else tuple(dims)
