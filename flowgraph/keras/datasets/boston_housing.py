"""`keras.datasets.boston_housing`: the 506 Boston house prices (13 features, price in
$1000s), shuffled with a fixed seed and split into training and test sets.

    from keras.datasets import boston_housing
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()   # 404 and 102
"""
from __future__ import annotations

import numpy as np

from . import files
from .common import shuffled_order


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2,
              seed: int = 113) -> tuple:
    """`(x_train, y_train), (x_test, y_test)`: the file's `x` [n, 13] and `y` [n] in an order
    shuffled as Keras 2.2.4 shuffles it (`np.random.seed(seed)`, then `np.random.shuffle` of
    the indices; this leaves NumPy's global generator in that state), the first
    `int(n * (1 - test_split))` rows for training.

    Raises ValueError unless 0 <= test_split < 1; DownloadError when the file is missing and
    cannot be downloaded.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be at least 0 and below 1, not {test_split}")
    x, y = files.load_npz(files.fetch("boston_housing.npz", path), ["x", "y"])
    np.random.seed(seed)
    order = shuffled_order(len(x))
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
