"""`Input` and `InputLayer`: where a model's data enters, a placeholder with a Keras name.

Example:
    x = Input(shape=(8,))            # a float32 placeholder of shape [None, 8], "input_1"
    y = Dense(1)(x)
"""
from __future__ import annotations

from ...ops.source_ops import placeholder
from .. import backend as K
from .base_layer import _HISTORY, Layer, Node


class InputLayer(Layer):
    """The layer that owns a model's input placeholder (no weights, no computation)."""

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None):
        if not name:
            name = f"input_{K.get_uid('input')}"
        if batch_input_shape is None:
            if input_shape is None and input_tensor is None:
                raise ValueError("An Input layer should be passed either a `batch_input_shape` "
                                 "or an `input_shape`.")
            if input_shape is not None:
                batch_input_shape = (batch_size,) + tuple(input_shape)
        super().__init__(name=name, dtype=dtype, batch_input_shape=batch_input_shape)
        self.built = True
        if input_tensor is None:
            input_tensor = placeholder(self.dtype, list(self.batch_input_shape), name=self.name)
        else:
            self.batch_input_shape = tuple(input_tensor.shape.dims or ())
        node = Node(self, [], [input_tensor])
        self.inbound_nodes.append(node)
        _HISTORY[input_tensor] = node

    @property
    def input(self):
        return self.inbound_nodes[0].outputs[0]

    @property
    def input_shape(self):
        return self.batch_input_shape

    def get_config(self):
        return {"batch_input_shape": self.batch_input_shape, "dtype": self.dtype,
                "sparse": False, "name": self.name}


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None):
    """A model input: a placeholder of shape (None,) + shape (or batch_shape as given)."""
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument. "
                         "Note that `shape` does not include the batch dimension.")
    if shape is not None and batch_shape is None:
        batch_shape = (None,) + tuple(shape)
    layer = InputLayer(batch_input_shape=batch_shape, name=name, dtype=dtype or K.floatx(),
                       input_tensor=tensor)
    return layer.inbound_nodes[0].outputs[0]
