"""MNIST as TF1 programs load it (`tensorflow.examples.tutorials.mnist.input_data`).

    from tensorflow.examples.tutorials.mnist import input_data   # under `flowgraph run`
    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    batch_xs, batch_ys = mnist.train.next_batch(100)
    mnist.test.images.shape, mnist.train.num_examples             # (10000, 784), 55000

This behaves as TensorFlow 1.x's `contrib/learn/python/learn/datasets/mnist.py`: the four
idx files are fetched once into the folder given (from `DEFAULT_SOURCE_URL`, TF's mirror of
LeCun's site), the first `validation_size` training images become `validation`, images are
float32 in [0, 1] and flattened to 784 values (or raw uint8, or 28x28x1), labels are digits
(uint8) or one-hot rows (float64), and `next_batch` walks a reshuffled order each epoch. As in
TF, the shuffles use NumPy's global generator, which each DataSet seeds when it is made (from
`seed`, or from the graph-level seed of `tf.set_random_seed`, or afresh).
"""
from __future__ import annotations

import collections
import gzip

import numpy as np

from .. import dtypes
from ..ops.random_ops import get_seed
from .download import maybe_download_all

#: TF's mirror (the CVDF's) of http://yann.lecun.com/exdb/mnist/.
DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # the idx headers' first words: ubyte, 3 or 1 dims

_MAXINT32 = 2**31 - 1

#: The three splits `read_data_sets` returns.
Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def extract_images(f) -> np.ndarray:
    """The images of a gzipped idx3 file as a uint8 array [count, rows, cols, 1].

    Args:
        f: a binary file object (opened with `open(path, "rb")`); its `name` is used in
            messages.

    Raises ValueError when the file is not gzip, its magic number is not 2051, or it ends
    before its header's count of pixels.

    Example:
        with open("MNIST_data/t10k-images-idx3-ubyte.gz", "rb") as f:
            images = extract_images(f)          # (10000, 28, 28, 1) uint8
    """
    name = getattr(f, "name", repr(f))
    print("Extracting", name)
    data = _gunzip(f, name)
    count, rows, cols = _header(data, name, IMAGES_MAGIC, "image", 3)
    pixels = _payload(data, name, 16, count * rows * cols, f"{count} images of {rows}x{cols}")
    return pixels.reshape(count, rows, cols, 1)


def extract_labels(f, one_hot: bool = False, num_classes: int = 10) -> np.ndarray:
    """The labels of a gzipped idx1 file: uint8 digits [count], or with `one_hot` float64 rows
    [count, num_classes] (see `dense_to_one_hot`).

    Raises ValueError when the file is not gzip, its magic number is not 2049, or it ends
    before its header's count of labels.

    Example:
        with open("MNIST_data/t10k-labels-idx1-ubyte.gz", "rb") as f:
            labels = extract_labels(f, one_hot=True)    # (10000, 10) float64
    """
    name = getattr(f, "name", repr(f))
    print("Extracting", name)
    data = _gunzip(f, name)
    (count,) = _header(data, name, LABELS_MAGIC, "label", 1)
    labels = _payload(data, name, 8, count, f"{count} labels")
    return dense_to_one_hot(labels, num_classes) if one_hot else labels


def dense_to_one_hot(labels_dense, num_classes: int) -> np.ndarray:
    """Class numbers [n] as one-hot rows [n, num_classes] of float64 (TF's dtype for them).

    Example:
        dense_to_one_hot(np.array([2, 0]), 3)   # [[0, 0, 1], [1, 0, 0]]
    """
    labels = np.asarray(labels_dense).ravel()
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if bad.size:
        raise ValueError(f"label {labels[bad[0]]} (at index {bad[0]}) is not a class number "
                         f"from 0 to {num_classes - 1} (num_classes={num_classes})")
    one_hot = np.zeros((labels.shape[0], num_classes))
    one_hot[np.arange(labels.shape[0]), labels] = 1
    return one_hot


def _gunzip(f, name: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as stream:
            return stream.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"{name} is not a complete gzipped MNIST file ({e}); delete it to have "
                         f"it downloaded again, or replace it by hand") from e


def _header(data: bytes, name: str, magic: int, kind: str, dims: int) -> tuple:
    """The `dims` sizes after the magic number of an idx header, which must be `magic`."""
    if len(data) < 4 * (1 + dims):
        raise ValueError(f"{name} is too short ({len(data)} bytes unzipped) to be an MNIST "
                         f"{kind} file: its header alone has {4 * (1 + dims)}")
    words = np.frombuffer(data, ">u4", count=1 + dims)
    if words[0] != magic:
        raise ValueError(f"Invalid magic number {words[0]} in MNIST {kind} file {name}: "
                         f"expected {magic} (is it the {'label' if kind == 'image' else 'image'} "
                         f"file, or not an idx file at all?)")
    return tuple(int(w) for w in words[1:])


def _payload(data: bytes, name: str, offset: int, size: int, what: str) -> np.ndarray:
    if len(data) - offset < size:
        raise ValueError(f"{name} is cut short: its header promises {what} ({size} bytes), "
                         f"but only {len(data) - offset} follow; delete it to have it "
                         f"downloaded again, or replace it by hand")
    return np.frombuffer(bytearray(data[offset:offset + size]), np.uint8)


class DataSet:
    """Images and labels, with `next_batch` stepping through them in shuffled epochs.

    Args:
        images: uint8 [n, rows, cols, 1] (as `extract_images` gives).
        labels: [n] or [n, classes].
        fake_data: make a stand-in of 10000 examples whose `next_batch(k, fake_data=True)`
            gives constant images (and `one_hot` labels or zeros).
        dtype: float32 (pixels scaled to [0, 1]) or uint8 (pixels as stored, 0..255).
        reshape: flatten each image to rows * cols values.
        seed: seeds NumPy's global generator for the shuffles, as TF does.

    Example:
        ds = DataSet(images, labels, seed=1)
        xs, ys = ds.next_batch(100)
    """

    def __init__(self, images, labels, fake_data=False, one_hot=False,
                 dtype=dtypes.float32, reshape=True, seed=None):
        _seed_numpy(seed)
        dtype = dtypes.as_dtype(dtype)
        if dtype not in (dtypes.uint8, dtypes.float32):
            raise TypeError(f"Invalid image dtype {dtype.name!r}: expected uint8 (pixels "
                            f"0..255) or float32 (pixels scaled to [0, 1])")
        self.one_hot = one_hot
        if fake_data:
            self._num_examples = 10000
        else:
            images, labels = np.asarray(images), np.asarray(labels)
            if images.shape[0] != labels.shape[0]:
                raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} labels "
                                 f"(images.shape: {images.shape}, labels.shape: {labels.shape})")
            self._num_examples = images.shape[0]
            if reshape:
                if images.ndim != 4 or images.shape[3] != 1:
                    raise ValueError(f"reshape=True needs images of shape [n, rows, cols, 1]; "
                                     f"got {images.shape}")
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            if dtype == dtypes.float32:
                images = images.astype(np.float32) * np.float32(1.0 / 255.0)
        self._images, self._labels = images, labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self) -> np.ndarray:
        return self._images

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def next_batch(self, batch_size: int, fake_data: bool = False, shuffle: bool = True):
        """The next (images, labels) of `batch_size` examples.

        With `shuffle`, the examples are put in a random order before the first batch and again
        at the end of every epoch. A batch that crosses the end of an epoch is the epoch's rest
        followed by the first examples of the next, reshuffled, epoch; `epochs_completed` then
        counts one more. Each epoch gives every example exactly once.

        Example:
            batch_xs, batch_ys = mnist.train.next_batch(100)   # (100, 784), (100, 10)
        """
        if fake_data:
            image = [1] * 784
            label = [1] + [0] * 9 if self.one_hot else 0
            return [image] * batch_size, [label] * batch_size
        start = self._index_in_epoch
        if shuffle and self._epochs_completed == 0 and start == 0:
            self._reorder()
        if start + batch_size <= self._num_examples:
            self._index_in_epoch = start + batch_size
            return self._images[start:start + batch_size], self._labels[start:start + batch_size]
        self._epochs_completed += 1
        rest_images, rest_labels = self._images[start:], self._labels[start:]
        if shuffle:
            self._reorder()
        self._index_in_epoch = end = batch_size - (self._num_examples - start)
        return (np.concatenate((rest_images, self._images[:end]), axis=0),
                np.concatenate((rest_labels, self._labels[:end]), axis=0))

    def _reorder(self) -> None:
        order = np.arange(self._num_examples)
        np.random.shuffle(order)
        self._images, self._labels = self._images[order], self._labels[order]


def _seed_numpy(seed) -> None:
    """Seed NumPy's global generator by TF1's rule: the op-level `seed` when given, else the
    graph-level seed, else afresh (both reduced modulo 2**31 - 1 as TF does)."""
    graph_seed, op_seed = get_seed(seed)
    if graph_seed == 0 and op_seed == 0:  # TF avoids the pair (0, 0)
        op_seed = _MAXINT32
    chosen = graph_seed if seed is None else op_seed
    np.random.seed(None if chosen is None else int(chosen) % _MAXINT32)


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=dtypes.float32,
                   reshape=True, validation_size=5000, seed=None,
                   source_url=DEFAULT_SOURCE_URL) -> Datasets:
    """MNIST's train, validation and test DataSets, read from `train_dir` (the four files are
    downloaded there from `source_url` first when missing).

    Args:
        train_dir: the folder of the four idx .gz files (made when missing).
        fake_data: three stand-in DataSets instead (nothing is read).
        one_hot: labels as one-hot float64 rows [n, 10] instead of uint8 digits [n].
        dtype: float32 (pixels scaled to [0, 1]) or uint8 (0..255).
        reshape: images as [n, 784] (else [n, 28, 28, 1]).
        validation_size: how many of the first training images form `validation`.
        seed: seeds the shuffles of `next_batch` (see DataSet).
        source_url: the folder URL the files are downloaded from ("" for the default).

    Returns Datasets(train, validation, test). Raises DownloadError (an OSError) when files are
    missing and cannot be downloaded, ValueError for a damaged file or a `validation_size`
    outside 0..number of training images.

    Example:
        mnist = read_data_sets("MNIST_data/", one_hot=True)
        mnist.train.num_examples, mnist.validation.num_examples   # 55000, 5000
    """
    if fake_data:
        return Datasets(*(DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype,
                                  seed=seed) for _ in range(3)))
    paths = maybe_download_all(FILES, train_dir, source_url or DEFAULT_SOURCE_URL, what="MNIST")
    arrays = []
    for path, extract in zip(paths, (extract_images, extract_labels) * 2):
        with open(path, "rb") as f:
            arrays.append(extract(f) if extract is extract_images else extract(f, one_hot=one_hot))
    train_images, train_labels, test_images, test_labels = arrays
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(f"validation_size must be between 0 and {len(train_images)} (the "
                         f"number of training images); got {validation_size}")
    options = dict(dtype=dtype, reshape=reshape, seed=seed)
    return Datasets(
        train=DataSet(train_images[validation_size:], train_labels[validation_size:], **options),
        validation=DataSet(train_images[:validation_size], train_labels[:validation_size],
                           **options),
        test=DataSet(test_images, test_labels, **options))


def load_mnist(train_dir="MNIST-data") -> Datasets:
    """`read_data_sets(train_dir)` with TF's defaults, as TF's `load_mnist` is."""
    return read_data_sets(train_dir)
