"""`Sequential`: a Model that is a stack of layers, each called on the one before's output.

The stack is built as layers are added when the first layer knows its input shape
(`input_dim=8`, `input_shape=(28, 28, 1)`), so `summary()` works at once; otherwise it is
built from the first data `fit`, `evaluate` or `predict` sees.

Example:
    model = Sequential()
    model.add(Dense(12, input_dim=8, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
"""
from __future__ import annotations

import numpy as np

from .base_layer import Layer, NeedsStaticShape, to_list
from .input_layer import Input, InputLayer
from .training import Model


class Sequential(Model):
    """A linear stack of layers."""

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._stack: list = []
        self._expected_shape = None  # the last layer's output shape while waiting for data
        self.inputs, self.outputs, self._nodes, self._all_layers = [], [], [], []
        self.built = False
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list:
        """The added layers (not the input layer), as Keras 2's Sequential lists them."""
        return [layer for layer in self._stack if not isinstance(layer, InputLayer)]

    def add(self, layer):
        """Put `layer` on top of the stack (and call it, when the stack is built)."""
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer}")
        if not self._stack:
            self._stack.append(layer)
            if isinstance(layer, InputLayer):
                self._grow(layer.inbound_nodes[0].outputs[0])
            elif layer.batch_input_shape is not None:
                x = Input(batch_shape=layer.batch_input_shape, dtype=layer.dtype,
                          name=f"{layer.name}_input")
                self._grow(layer(x), x)
            return
        self._stack.append(layer)
        if self.outputs:
            try:
                out = layer(self.outputs[0])
            except NeedsStaticShape:  # e.g. an LSTM after an Embedding without input_length
                self._wait_for_data(tuple(self.outputs[0].shape.dims))
                return
            self._grow(out)
        elif self._expected_shape is not None:
            self._expect(layer)

    def _wait_for_data(self, shape):
        """Build the rest of the stack from the data fit/evaluate/predict will see; until
        then the layers get their weights from the shapes they expect, so that summary() and
        count_params() work (Keras 2 built such a model at once, with a symbolic loop)."""
        self._expected_shape = shape
        self.inputs, self.outputs, self._nodes, self._all_layers = [], [], [], []
        self.built = False
        self._expect(self._stack[-1])

    def _expect(self, layer):
        if not layer.built:
            layer.build(self._expected_shape)
            layer.built = True
        self._expected_shape = layer.compute_output_shape(self._expected_shape)
        layer._expected_output_shape = self._expected_shape

    def _grow(self, output, x=None):
        outputs = to_list(output)
        if len(outputs) != 1:
            raise TypeError("All layers in a Sequential model should have a single output "
                            "tensor. For multi-output layers, use the functional API.")
        inputs = [x] if x is not None else (self.inputs or outputs)
        self._init_graph_network(inputs, outputs)

    def pop(self):
        """Remove the top layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        if not self.layers:
            self.inputs, self.outputs, self._nodes, self._all_layers = [], [], [], []
            self.built = False
            return
        self._init_graph_network(self.inputs, [self.layers[-1].inbound_nodes[-1].outputs[0]])

    def build(self, input_shape=None):
        """Build the stack for inputs of `input_shape` (batch dimension first)."""
        if self.outputs:
            return
        if input_shape is None or not self._stack:
            raise ValueError("You must provide an `input_shape` argument (or add layers first).")
        self._expected_shape = None
        x = Input(batch_shape=tuple(input_shape), name=f"{self.layers[0].name}_input")
        out = x
        for layer in self.layers:
            out = layer(out)
        self._grow(out, x)
        if self._deferred_compile is not None:
            self.compile(**self._deferred_compile)

    def _build_from_data(self, x):
        if self.outputs:
            return
        first = x[0] if isinstance(x, (list, tuple)) else x
        self.build((None,) + np.shape(first)[1:])

    def _init_graph_network(self, inputs, outputs):
        super()._init_graph_network(inputs, outputs)
        self._stack = [node.layer for node in self._nodes]

    def predict_proba(self, x, batch_size=32, verbose=0):
        """The model's outputs (probabilities, for a sigmoid or softmax output)."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices: the argmax of a multi-unit output, else output > 0.5 as int32."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def get_config(self) -> list:
        return [{"class_name": type(layer).__name__, "config": layer.get_config()}
                for layer in self.layers]
