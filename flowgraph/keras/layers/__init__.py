"""`keras.layers`: every layer class, as `from keras.layers import Dense` finds them."""
from ..engine.base_layer import Layer  # noqa: F401
from ..engine.input_layer import Input, InputLayer  # noqa: F401
from .core import Activation, Dense, Dropout, Flatten, Reshape  # noqa: F401
from .convolutional import Conv1D, Conv2D, Convolution1D, Convolution2D  # noqa: F401
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,  # noqa: F401
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .embeddings import Embedding  # noqa: F401
from .recurrent import GRU, LSTM, SimpleRNN  # noqa: F401
from .normalization import BatchNormalization  # noqa: F401
