"""`tf.contrib`: the pieces of TF1's contrib that course programs use everywhere (contrib is gone
from TensorFlow 2, so flowgraph is where these programs still run): `layers`, `rnn`,
`seq2seq`."""
from . import layers, rnn, seq2seq  # noqa: F401
