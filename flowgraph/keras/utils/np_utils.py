"""Keras's NumPy helpers for labels and features: `to_categorical` and `normalize`.

    from keras.utils import np_utils
    Y = np_utils.to_categorical([0, 2, 1])     # [[1, 0, 0], [0, 0, 1], [0, 1, 0]] float32

As Keras 2.2.4's `keras/utils/np_utils.py`, except that a label outside 0..num_classes-1 is a
ValueError naming it (Keras set the wrong column for a negative label and raised an IndexError
for a label too large).
"""
from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32") -> np.ndarray:
    """Class numbers as one-hot rows: shape `y.shape + (num_classes,)`, where a last axis of
    size 1 is dropped first (a column of labels [n, 1] gives [n, num_classes]).

    Args:
        y: class numbers, anything `np.array(y, dtype=int)` takes (floats are truncated).
        num_classes: the number of classes; None (or 0) means the largest label + 1.
        dtype: the result's dtype.

    Raises ValueError for a label below 0 or not below `num_classes`, and for no labels at
    all without `num_classes`.

    Example:
        to_categorical([[1], [0]], 3)     # [[0, 1, 0], [1, 0, 0]] float32
    """
    y = np.array(y, dtype="int")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = y.ravel()
    if not num_classes:
        if flat.size == 0:
            raise ValueError("to_categorical got no labels, so it cannot tell how many classes "
                             "there are: pass num_classes")
        num_classes = int(flat.max()) + 1
    _check_labels(flat, y.shape, num_classes)
    categorical = np.zeros((flat.shape[0], num_classes), dtype=dtype)
    categorical[np.arange(flat.shape[0]), flat] = 1
    return categorical.reshape(shape + (num_classes,))


def _check_labels(flat: np.ndarray, shape: tuple, num_classes: int) -> None:
    """Keras indexed the columns with the labels as they were, so -1 silently set the last."""
    bad = np.flatnonzero((flat < 0) | (flat >= num_classes))
    if bad.size:
        where = tuple(int(i) for i in np.unravel_index(bad[0], shape))
        at = where[0] if len(where) == 1 else where
        raise ValueError(f"label {flat[bad[0]]} (at index {at}) is not a class number from 0 "
                         f"to {num_classes - 1} (num_classes={num_classes})")


def normalize(x, axis=-1, order=2) -> np.ndarray:
    """`x` divided by its `order`-norm along `axis` (a zero norm divides by 1), as a new array.

    Example:
        normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))   # [[0.6, 0.8], [0, 0]]
    """
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
