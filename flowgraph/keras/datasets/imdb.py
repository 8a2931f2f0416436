"""`keras.datasets.imdb`: 50000 IMDB movie reviews as word-index lists, labelled 0 (negative)
or 1 (positive), 25000 for training and 25000 for testing, each half shuffled with a fixed
seed.

    from keras.datasets import imdb
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=5000)

The sequences follow Keras's conventions (see `common`): 1 starts each, word rank r is r + 3,
and an index outside [skip_top, num_words) is 2.
"""
from __future__ import annotations

import numpy as np

from ..preprocessing.sequence import remove_long_seq
from . import common, files


def load_data(path: str = "imdb.npz", num_words=None, skip_top: int = 0, maxlen=None,
              seed: int = 113, start_char=1, oov_char=2, index_from=3, **kwargs) -> tuple:
    """`(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of word indices and
    int64 labels (0 or 1), as Keras 2.2.4 makes them.

    The file's training and test halves are each shuffled (`np.random.seed(seed)`, then
    `np.random.shuffle` of the training indices, then of the test indices; this leaves NumPy's
    global generator in that state), marked and shifted (`start_char`, `index_from`), cut to
    sequences shorter than `maxlen` (each half on its own), and limited to
    [skip_top, num_words) over both (others become `oov_char`, or are dropped when it is None).

    Raises ValueError when `maxlen` leaves a half empty; DownloadError when the file is missing
    and cannot be downloaded. `nb_words=` is taken for `num_words` with a warning, as in Keras 2.
    """
    num_words = common.num_words_argument(num_words, kwargs)
    x_train, y_train, x_test, y_test = files.load_npz(
        files.fetch("imdb.npz", path), ["x_train", "y_train", "x_test", "y_test"])
    np.random.seed(seed)
    order = common.shuffled_order(len(x_train))
    x_train, y_train = x_train[order], y_train[order]
    order = common.shuffled_order(len(x_test))  # the same stream, not seeded again
    x_train = common.mark_and_shift(x_train, start_char, index_from)
    x_test, y_test = common.mark_and_shift(x_test[order], start_char, index_from), y_test[order]
    if maxlen:
        x_train, y_train = _shorter_than(maxlen, x_train, y_train, "training")
        x_test, y_test = _shorter_than(maxlen, x_test, y_test, "test")
    xs = common.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    cut = len(x_train)
    return (common.object_array(xs[:cut]), y_train), (common.object_array(xs[cut:]), y_test)


def _shorter_than(maxlen: int, seqs: list, labels: np.ndarray, half: str) -> tuple:
    """Keras 2.2.4 cut both halves together and split them at the old size, so reviews of
    the test half went to training: each half is cut on its own here, as in Keras 3."""
    seqs, kept = remove_long_seq(maxlen, seqs, labels)
    if not seqs:
        raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                         f"sequence of the {half} set was kept. Increase maxlen.")
    return seqs, np.array(kept, dtype=labels.dtype)


def get_word_index(path: str = "imdb_word_index.json") -> dict:
    """{word: frequency rank} (1 the most frequent), as `reuters.get_word_index` gives for
    Reuters: `{i + 3: w for w, i in imdb.get_word_index().items()}` reads a review back."""
    return files.word_index("imdb_word_index.json", path)
