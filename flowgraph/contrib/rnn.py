"""`tf.contrib.rnn`: the recurrent cells of `tf.nn.rnn_cell` and `static_rnn`, under the names
TF1 programs import them by."""
from ..rnn import static_rnn  # noqa: F401
from ..rnn_cell import (BasicLSTMCell, BasicRNNCell, DropoutWrapper, GRUCell,  # noqa: F401
                        LSTMCell, LSTMStateTuple, MultiRNNCell, RNNCell)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DropoutWrapper", "GRUCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "RNNCell", "static_rnn"]
