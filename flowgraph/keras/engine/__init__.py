"""The Keras engine: layers (base_layer), inputs, networks of layers, training, Sequential."""
from .base_layer import Layer  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .network import Network  # noqa: F401
from .sequential import Sequential  # noqa: F401
from .training import Model  # noqa: F401
