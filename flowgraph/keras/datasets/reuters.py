"""`keras.datasets.reuters`: 11228 Reuters newswires as word-index lists, labelled with one of
46 topics, shuffled with a fixed seed and split into training and test sets.

    from keras.datasets import reuters
    (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=1000, test_split=0.2)
    len(x_train), len(x_test), x_train[0][0]      # 8982 2246 1

The sequences follow Keras's conventions (see `common`): 1 starts each, word rank r is r + 3,
and an index outside [skip_top, num_words) is 2.
"""
from __future__ import annotations

import numpy as np

from ..preprocessing.sequence import remove_long_seq
from . import common, files


def load_data(path: str = "reuters.npz", num_words=None, skip_top: int = 0, maxlen=None,
              test_split: float = 0.2, seed: int = 113, start_char=1, oov_char=2,
              index_from=3, **kwargs) -> tuple:
    """`(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of word indices and
    int64 topic labels (0..45), as Keras 2.2.4 makes them.

    The file's `x` and `y` are shuffled together (`np.random.seed(seed)`, then
    `np.random.shuffle` of the indices, which leaves NumPy's global generator in that state),
    marked and shifted (`start_char`, `index_from`), cut to sequences shorter than `maxlen`,
    limited to [skip_top, num_words) (others become `oov_char`, or are dropped when it is
    None), and split: the first `int(n * (1 - test_split))` for training.

    Raises ValueError for a `test_split` outside 0..1 or a `maxlen` that keeps nothing;
    DownloadError when the file is missing and cannot be downloaded. `nb_words=` is taken
    for `num_words` with a warning, as in Keras 2.
    """
    num_words = common.num_words_argument(num_words, kwargs)
    if not 0 <= test_split <= 1:
        raise ValueError(f"test_split must be between 0 and 1, not {test_split}")
    xs, labels = files.load_npz(files.fetch("reuters.npz", path), ["x", "y"])
    np.random.seed(seed)
    order = common.shuffled_order(len(xs))
    xs, labels = common.mark_and_shift(xs[order], start_char, index_from), labels[order]
    if maxlen:
        xs, kept = remove_long_seq(maxlen, xs, labels)
        if not xs:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             f"sequence was kept. Increase maxlen.")
        labels = np.array(kept, dtype=labels.dtype)
    xs = common.limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((common.object_array(xs[:cut]), np.array(labels[:cut])),
            (common.object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict:
    """{word: frequency rank} (1 the most frequent); in `load_data`'s lists a word of rank r
    is r + index_from (3).

    Example:
        words = {i + 3: w for w, i in reuters.get_word_index().items()}
        " ".join(words.get(i, "?") for i in x_train[0])
    """
    return files.word_index("reuters_word_index.json", path)
