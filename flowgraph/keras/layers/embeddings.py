"""Keras 2.2.4's `Embedding` layer (`keras.layers.embeddings`): a trainable table of
`output_dim`-vectors, one row per index below `input_dim`.

Model inputs are float placeholders (as Keras feeds them), so the indices are cast to int32
inside the layer. The input shape is (None, input_length) as Keras sets it, so a Sequential
whose first layer is an Embedding is built when the layer is added, even without
`input_length` (then the number of steps is unknown until data comes).

Example:
    model.add(Embedding(5000, 100))            # (None, None) -> (None, None, 100)
    model.add(Embedding(1000, 64, input_length=100))
"""
from __future__ import annotations

from ... import dtypes
from ...nn import embedding_lookup
from ...ops.math_ops import cast
from .. import initializers
from ..engine.base_layer import Layer


class Embedding(Layer):
    """Row `i` of the table `embeddings` (input_dim, output_dim) for each index `i`:
    (batch, steps) -> (batch, steps, output_dim). The table starts U(-0.05, 0.05)
    ('uniform'); index 0 is an ordinary row (mask_zero=True is refused: flowgraph's Keras
    layers pass no masks).

    Example: `Embedding(1000, 100)(x)` with x (None, 100) of word indices -> (None, 100, 100).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if mask_zero:
            raise ValueError("Embedding(mask_zero=True) is not supported: flowgraph's Keras "
                             "layers do not pass masks, so the padded steps would silently "
                             "count; use mask_zero=False (index 0 is then an ordinary row)")
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if input_length else (None,)
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = embeddings_regularizer
        self.activity_regularizer = activity_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint,
                                          dtype=self.dtype)
        self.built = True

    def call(self, inputs):
        if inputs.dtype is not dtypes.int32:
            inputs = cast(inputs, dtypes.int32)
        out = embedding_lookup(self.embeddings.value(), inputs)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(out))
        return out

    def compute_output_shape(self, input_shape):
        if self.input_length is None:
            return tuple(input_shape) + (self.output_dim,)
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) \
            else [self.input_length]
        if len(lengths) != len(input_shape) - 1 or any(
                a is not None and b is not None and a != b
                for a, b in zip(lengths, input_shape[1:])):
            raise ValueError(f'"input_length" is {self.input_length}, but received input has '
                             f'shape {tuple(input_shape)}')
        lengths = [b if a is None else a for a, b in zip(lengths, input_shape[1:])]
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": self.embeddings_regularizer,
                "activity_regularizer": self.activity_regularizer,
                "embeddings_constraint": self.embeddings_constraint,
                "mask_zero": self.mask_zero, "input_length": self.input_length}
