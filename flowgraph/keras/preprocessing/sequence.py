"""Keras's sequence helpers: `pad_sequences` (lists of different lengths to one array) and
`remove_long_seq`, which the text data sets use for `maxlen`.

    from keras.preprocessing import sequence
    x = sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2)    # [[2, 3], [0, 4]] int32

As keras_preprocessing 1.0.5's `sequence.py` (what Keras 2.2.4 ships), except that a bad
`padding` or `truncating` is refused even when every sequence is empty, `maxlen=0` gives
empty rows, and no sequences at all give an empty array (Keras raised from NumPy).
"""
from __future__ import annotations

import numpy as np

_SIDES = ("pre", "post")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.) -> np.ndarray:
    """The sequences as one array [len(sequences), maxlen, *item shape], each cut to `maxlen`
    items and padded with `value` to that length.

    Args:
        sequences: a list (or array) of sequences: lists of numbers, or arrays whose items
            share one shape (the first non-empty sequence's).
        maxlen: the length of every row; None means the longest sequence's.
        dtype: the result's dtype (`object` or a string dtype to pad strings).
        padding: "pre" pads in front, "post" after.
        truncating: "pre" drops items from the front of a longer sequence (keeping its last
            `maxlen`), "post" from its end.
        value: the padding value.

    Raises ValueError for a `padding` or `truncating` other than "pre" and "post", an item
    that is not a sequence, an item shape unlike the first sequence's, or a string `value`
    with a numeric `dtype`.

    Example:
        pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post")
        # [[1, 2], [4, 0]]
    """
    for name, side in (("padding", padding), ("truncating", truncating)):
        if side not in _SIDES:
            raise ValueError(f'{name.capitalize()} type "{side}" not understood: '
                             f'use "pre" or "post"')
    lengths = _lengths(sequences)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif maxlen < 0:
        raise ValueError(f"maxlen must be 0 or more (or None), not {maxlen}")
    item_shape = _item_shape(sequences)
    _check_value(value, dtype)
    x = np.full((len(sequences), maxlen) + item_shape, value, dtype=dtype)
    for index, seq in enumerate(sequences):
        if len(seq) and maxlen:  # Keras's seq[-0:] would keep the whole of it
            _place(x, index, seq, maxlen, padding, truncating)
    return x


def _lengths(sequences) -> list:
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths = []
    for seq in sequences:
        if not hasattr(seq, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: "
                             f"{seq}")
        lengths.append(len(seq))
    return lengths


def _item_shape(sequences) -> tuple:
    """The shape of one item: the first non-empty sequence's, as Keras takes it."""
    for seq in sequences:
        if len(seq):
            return np.asarray(seq).shape[1:]
    return ()


def _check_value(value, dtype) -> None:
    if isinstance(value, str) and np.dtype(dtype).kind not in "OUS":
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         f"strings.")


def _place(x: np.ndarray, index: int, seq, maxlen: int, padding: str, truncating: str) -> None:
    """Write sequence `index`, cut to `maxlen`, into its row of `x`."""
    kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=x.dtype)
    if kept.shape[1:] != x.shape[2:]:
        raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {index} "
                         f"is different from expected shape {x.shape[2:]}")
    if padding == "post":
        x[index, :len(kept)] = kept
    else:
        x[index, -len(kept):] = kept


def remove_long_seq(maxlen: int, seq, label) -> tuple:
    """The sequences shorter than `maxlen` (strictly) and their labels, as two lists.

    Example:
        remove_long_seq(3, [[1, 2], [1, 2, 3]], [0, 1])    # ([[1, 2]], [0])
    """
    kept_seq, kept_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            kept_seq.append(x)
            kept_label.append(y)
    return kept_seq, kept_label
