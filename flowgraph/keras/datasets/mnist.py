"""`keras.datasets.mnist`: the 70000 MNIST digits as Keras's `mnist.npz` holds them.

    from keras.datasets import mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train.shape, x_train.dtype, y_test[:3]      # (60000, 28, 28) uint8 [7 2 1]
"""
from __future__ import annotations

from . import files


def load_data(path: str = "mnist.npz") -> tuple:
    """`(x_train, y_train), (x_test, y_test)`: uint8 images [n, 28, 28] (0..255) and uint8
    digit labels [n], 60000 for training and 10000 for testing, in the file's order.

    Args:
        path: the file's name in the Keras cache folder, `~/.keras/datasets/` (or an
            absolute path); downloaded there from Keras's mirror when missing.

    Raises DownloadError when the file is missing and cannot be downloaded; it names the
    folder to put `mnist.npz` in by hand.
    """
    path = files.fetch("mnist.npz", path)
    x_train, y_train, x_test, y_test = files.load_npz(
        path, ["x_train", "y_train", "x_test", "y_test"])
    return (x_train, y_train), (x_test, y_test)
