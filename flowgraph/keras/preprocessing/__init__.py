"""`keras.preprocessing`: `sequence.pad_sequences` for lists of word indices."""
from . import sequence
