"""What the data set loaders share: Keras 2.2.4's shuffle, and (Reuters, IMDB) its conventions
for word-index sequences.

A word of frequency rank r (1 the most frequent) is stored as r; the loaders shift it to
r + index_from (3), put `start_char` (1) in front of each sequence, and replace every index
outside [skip_top, num_words) by `oov_char` (2), leaving 0 for padding. As in Keras, those
bounds apply to the shifted indices (so `skip_top` also catches `start_char` and the reserved
indices below it), and `num_words=None` means the largest index present, which is itself then
out of range and becomes `oov_char`.
"""
from __future__ import annotations

import warnings

import numpy as np


def num_words_argument(num_words, kwargs: dict):
    """`num_words`, or Keras 1's `nb_words` under its old name (with Keras's warning);
    any other extra keyword is a TypeError."""
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed `num_words`.")
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
    return num_words


def shuffled_order(n: int) -> np.ndarray:
    """0..n-1 shuffled by NumPy's global generator, which the caller has seeded: Keras 2.2.4
    shuffles there, so a program's later NumPy draws continue from the same state as then."""
    order = np.arange(n)
    np.random.shuffle(order)
    return order


def mark_and_shift(seqs, start_char, index_from) -> list:
    """Each sequence as a new list: `start_char` (unless None), then every index + index_from
    (which Keras ignores when false and `start_char` is None)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in seqs]
    if not index_from:
        return [list(x) for x in seqs]
    return [[w + index_from for w in x] for x in seqs]


def limit_vocabulary(seqs: list, num_words, skip_top: int, oov_char) -> list:
    """Indices outside [skip_top, num_words) replaced by `oov_char`, or dropped when it is
    None; `num_words` None (or 0) means the largest index of all (excluded, as in Keras)."""
    if not num_words:
        num_words = max((max(x) for x in seqs if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in seqs]
    return [[w for w in x if skip_top <= w < num_words] for x in seqs]


def object_array(seqs: list) -> np.ndarray:
    """A 1-D object array holding the lists themselves (np.array would make a 2-D array of
    sequences that happen to share one length, and refuses ragged ones in NumPy 2)."""
    out = np.empty(len(seqs), dtype=object)
    for i, seq in enumerate(seqs):
        out[i] = seq
    return out
