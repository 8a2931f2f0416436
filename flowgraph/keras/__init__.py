"""Keras 2.2.4's API on flowgraph's graph: `import flowgraph.keras as keras`, or, under
`flowgraph run`, the programs' own `import keras` / `from keras.models import Sequential`.

Example:
    from flowgraph.keras.models import Sequential
    from flowgraph.keras.layers import Dense
    model = Sequential([Dense(1, input_dim=8, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
"""
from . import (activations, backend, callbacks, datasets, initializers, layers, losses,  # noqa: F401
               metrics, models, optimizers, preprocessing, utils)
from .engine.input_layer import Input  # noqa: F401
from .engine.sequential import Sequential  # noqa: F401
from .engine.training import Model  # noqa: F401

__version__ = "2.2.4"
