"""`Network`: layers connected from input tensors to output tensors, found by walking back
the calls (nodes) that made the outputs; its weights, `summary()` and use as a layer.

Example:
    x = Input(shape=(8,)); y = Dense(1)(Dense(12)(x))
    net = Network(x, y)          # (Model, in training.py, adds compile and fit)
    net.summary()
"""
from __future__ import annotations

import numpy as np

from ..utils.layer_utils import print_summary
from .base_layer import Layer, node_of, to_list, unpack
from .input_layer import InputLayer


def _nodes_between(inputs, outputs) -> list:
    """The nodes that lead from `inputs` to `outputs`, inputs first (an iterative depth-first
    walk: deep models never meet the recursion limit)."""
    order, done, stack = [], set(), [(node_of(t), False) for t in reversed(outputs)]
    inputs = set(inputs)
    while stack:
        node, expanded = stack.pop()
        if node is None:
            raise ValueError("Output tensors to a Model must be the output of a Keras layer "
                             "(thus holding past layer metadata).")
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for t in reversed(node.inputs):
            if t not in inputs:
                stack.append((node_of(t), False))
            elif id(node_of(t)) not in done:
                stack.append((node_of(t), False))
    return order


class Network(Layer):
    """Layers from `inputs` to `outputs` (tensors, or lists of them)."""

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if inputs is not None:
            self._init_graph_network(inputs, outputs)

    def _init_graph_network(self, inputs, outputs):
        self.inputs, self.outputs = to_list(inputs), to_list(outputs)
        for t in self.inputs:
            node = node_of(t)
            if node is None or not isinstance(node.layer, InputLayer):
                raise ValueError(f"Input tensors to a Model must come from `keras.layers.Input`. "
                                 f"Received: {t} (missing previous layer metadata).")
        self._nodes = _nodes_between(self.inputs, self.outputs)
        layers: list = []
        for node in self._nodes:
            if node.layer not in layers:
                layers.append(node.layer)
        self._all_layers = layers
        self.input_names = [node_of(t).layer.name for t in self.inputs]
        self.output_names = [node_of(t).layer.name for t in self.outputs]
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._all_layers)

    def get_layer(self, name=None, index=None):
        """The layer called `name`, or at position `index` of `layers`."""
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}")

    # -- weights ------------------------------------------------------------------------------
    def _unique(self, attr) -> list:
        seen, out = set(), []
        for layer in self.layers:
            for w in getattr(layer, attr):
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def trainable_weights(self) -> list:
        return self._unique("trainable_weights") if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        if self.trainable:
            return self._unique("non_trainable_weights")
        return self._unique("weights")

    @property
    def weights(self) -> list:
        return self._unique("weights")

    @property
    def updates(self) -> list:
        return [u for layer in self.layers for u in layer.updates]

    @property
    def losses(self) -> list:
        return [loss for layer in self.layers for loss in layer.losses]

    def count_params(self) -> int:
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # -- as a layer ---------------------------------------------------------------------------
    def call(self, inputs, **kwargs):
        """The network applied to new tensors: each of its layers called again in order."""
        mapped = dict(zip(self.inputs, to_list(inputs)))
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            outs = to_list(node.layer(unpack([mapped[t] for t in node.inputs])))
            mapped.update(zip(node.outputs, outs))
        return unpack([mapped[t] for t in self.outputs])

    def compute_output_shape(self, input_shape):
        return unpack([tuple(t.shape.dims) for t in self.outputs])

    # -- summary ------------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None):
        """Print the layers as Keras 2 did: name (type), output shape, parameter count."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)
