"""flowgraph.keras's data side behaves as Keras 2.2.4's: `to_categorical`, `pad_sequences`, and
the mnist, reuters, imdb and boston_housing loaders, read from small files of Keras's layout
made here in a temporary Keras folder. Downloads go to a loopback HTTP server, never the
network; the shuffles are checked against NumPy's RandomState drawn independently."""
import functools
import hashlib
import http.server
import io
import json
import os
import pickle
import socket
import struct
import threading
import zipfile

import numpy as np
import pytest

from flowgraph import keras
from flowgraph.datasets.download import DownloadError
from flowgraph.keras.datasets import boston_housing, files, imdb, mnist, reuters
from flowgraph.keras.preprocessing import sequence
from flowgraph.keras.utils import data_utils, np_utils

# RandomState(113).permutation(10), written out: NumPy's legacy streams are frozen (NEP 19),
# so this is what Keras 2.2.4 got too.
PERMUTATION_113_OF_10 = [9, 3, 6, 1, 0, 7, 4, 8, 2, 5]


@pytest.fixture(autouse=True)
def _numpy_global_state_kept():
    """The loaders seed NumPy's global generator, as Keras 2.2.4 did; other tests keep theirs."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: connections are refused


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The Keras data set folder under a temporary $KERAS_HOME; downloads go straight to the
    address asked (no proxy), which is a closed loopback port unless a test says otherwise."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    for var in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setattr(files, "ORIGIN_FOLDER", f"http://127.0.0.1:{_closed_port()}/")
    folder = tmp_path / "keras_home" / "datasets"
    folder.mkdir(parents=True)
    return folder


def _ragged(seqs) -> np.ndarray:
    out = np.empty(len(seqs), dtype=object)
    for i, seq in enumerate(seqs):
        out[i] = list(seq)
    return out


def _as_lists(array) -> list:
    assert array.dtype == object and array.ndim == 1
    assert all(type(seq) is list for seq in array)
    return [list(seq) for seq in array]


# --- to_categorical, normalize ---------------------------------------------------------------

def test_to_categorical_gives_float32_one_hot_rows():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1]),
                                  [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert keras.utils.to_categorical([0, 2, 1]).dtype == np.float32
    y = keras.utils.np_utils.to_categorical(np.array([[1], [0]]), 4, dtype="int64")
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [[0, 1, 0, 0], [1, 0, 0, 0]])  # the column's 1 dropped


def test_to_categorical_keeps_other_axes_and_casts_to_int():
    y = np_utils.to_categorical([[0, 1, 2], [2, 2, 0]])
    assert y.shape == (2, 3, 3)
    np.testing.assert_array_equal(y[1, 0], [0, 0, 1])
    np.testing.assert_array_equal(np_utils.to_categorical([1.7, 0.2]), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(np_utils.to_categorical(2, 3), [0, 0, 1])
    assert np_utils.to_categorical([], 5).shape == (0, 5)
    assert keras.utils.to_categorical is np_utils.to_categorical


@pytest.mark.parametrize("labels, num_classes, message", [
    ([0, 1, -1], None, r"label -1 \(at index 2\) is not a class number from 0 to 1 "
                       r"\(num_classes=2\)"),
    ([0, 3, 1], 3, r"label 3 \(at index 1\) is not a class number from 0 to 2"),
    ([[0, 1], [1, 5]], 4, r"label 5 \(at index \(1, 1\)\)"),
    ([], None, "no labels.*pass num_classes"),
])
def test_to_categorical_refuses_labels_outside_the_classes(labels, num_classes, message):
    with pytest.raises(ValueError, match=message):
        np_utils.to_categorical(labels, num_classes)


def test_normalize_divides_by_the_norm_and_leaves_zero_rows():
    np.testing.assert_allclose(keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]])),
                               [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(np_utils.normalize(np.array([[1.0, 3.0], [1.0, 1.0]]), axis=0,
                                                  order=1), [[0.5, 0.75], [0.5, 0.25]])


# --- pad_sequences ---------------------------------------------------------------------------

def test_pad_sequences_pads_and_truncates_in_front_by_default():
    x = sequence.pad_sequences([[1, 2, 3], [4], []], maxlen=2)
    assert x.dtype == np.int32
    np.testing.assert_array_equal(x, [[2, 3], [0, 4], [0, 0]])
    np.testing.assert_array_equal(sequence.pad_sequences([[1, 2, 3], [4], []]),
                                  [[1, 2, 3], [0, 0, 4], [0, 0, 0]])  # maxlen: the longest


def test_pad_sequences_post_value_and_dtype():
    x = sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post",
                               value=-1)
    np.testing.assert_array_equal(x, [[1, 2], [4, -1]])
    x = sequence.pad_sequences([[0.5, 1.5, 2.5], [4.25]], maxlen=2, dtype="float32",
                               padding="post", value=9.5)
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, [[1.5, 2.5], [4.25, 9.5]])
    np.testing.assert_array_equal(sequence.pad_sequences([[1.9, -1.9]]), [[1, -1]])
    words = sequence.pad_sequences([["a", "b"], ["c"]], dtype=object, value="_")
    assert words.tolist() == [["a", "b"], ["_", "c"]]


def test_pad_sequences_of_arrays_keeps_their_item_shape():
    seqs = [np.arange(6).reshape(3, 2), np.array([[7, 8]]), np.zeros((0, 2))]
    x = sequence.pad_sequences(seqs, maxlen=2)
    assert x.shape == (3, 2, 2)
    np.testing.assert_array_equal(x, [[[2, 3], [4, 5]], [[0, 0], [7, 8]], [[0, 0], [0, 0]]])
    with pytest.raises(ValueError, match=r"Shape of sample \(3,\) of sequence at position 1 "
                                         r"is different from expected shape \(2,\)"):
        sequence.pad_sequences([np.ones((2, 2)), np.ones((1, 3))])


def test_pad_sequences_edge_sizes():
    assert sequence.pad_sequences([]).shape == (0, 0)
    assert sequence.pad_sequences([[], []]).shape == (2, 0)
    assert sequence.pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)
    with pytest.raises(ValueError, match="maxlen must be 0 or more"):
        sequence.pad_sequences([[1]], maxlen=-1)


@pytest.mark.parametrize("kwargs, message", [
    ({"padding": "left"}, 'Padding type "left" not understood'),
    ({"truncating": "middle"}, 'Truncating type "middle" not understood'),
    ({"value": "x"}, "`dtype` int32 is not compatible with `value`'s type"),
])
def test_pad_sequences_refuses_bad_arguments_even_for_empty_sequences(kwargs, message):
    for seqs in ([[1, 2]], [[]]):
        with pytest.raises(ValueError, match=message):
            sequence.pad_sequences(seqs, **kwargs)


def test_pad_sequences_refuses_what_is_not_a_list_of_sequences():
    with pytest.raises(ValueError, match="`sequences` must be iterable"):
        sequence.pad_sequences(x for x in [[1]])
    with pytest.raises(ValueError, match="must be a list of iterables. Found non-iterable: 3"):
        sequence.pad_sequences([[1], 3])


def test_remove_long_seq_keeps_the_strictly_shorter():
    assert sequence.remove_long_seq(3, [[1, 2], [1, 2, 3], []], [7, 8, 9]) == ([[1, 2], []],
                                                                               [7, 9])


# --- where files are kept --------------------------------------------------------------------

def test_the_cache_is_keras_home_or_dot_keras_in_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data_utils.cache_path("a.npz") == str(tmp_path / "kh" / "datasets" / "a.npz")
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_utils.cache_path("a.npz") == str(tmp_path / "home" / ".keras" / "datasets" /
                                                 "a.npz")
    assert data_utils.cache_path("a.npz", "text", str(tmp_path / "c")) == str(
        tmp_path / "c" / "text" / "a.npz")
    assert data_utils.cache_path(str(tmp_path / "x" / "a.npz")) == str(tmp_path / "x" / "a.npz")
    assert data_utils.cache_path("a.npz", str(tmp_path / "sub")) == str(tmp_path / "sub" / "a.npz")


def test_a_cache_that_cannot_be_written_falls_back_to_the_temporary_folder(tmp_path,
                                                                           monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "file" / "keras"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    assert data_utils.cache_path("a.npz") == str(tmp_path / "tmp" / ".keras" / "datasets" /
                                                 "a.npz")


def test_a_file_in_the_cache_is_used_as_it_is(cache, capsys):
    np.savez(cache / "mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8),
             y_train=np.array([3, 4], np.uint8), x_test=np.ones((1, 28, 28), np.uint8),
             y_test=np.array([5], np.uint8))
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (2, 28, 28) and x_train.dtype == np.uint8
    assert y_train.tolist() == [3, 4] and y_train.dtype == np.uint8
    assert x_test.shape == (1, 28, 28) and x_test.max() == 1 and y_test.tolist() == [5]
    assert capsys.readouterr().out == ""  # nothing downloaded, nothing said


def test_load_data_path_names_the_cached_file(cache, tmp_path):
    arrays = dict(x_train=np.full((1, 28, 28), 7, np.uint8), y_train=np.array([1], np.uint8),
                  x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros(0, np.uint8))
    np.savez(cache / "my_mnist.npz", **arrays)
    np.savez(tmp_path / "elsewhere.npz", **arrays)
    assert mnist.load_data("my_mnist.npz")[0][0][0, 0, 0] == 7
    assert mnist.load_data(str(tmp_path / "elsewhere.npz"))[1][0].shape == (0, 28, 28)


# --- reuters ---------------------------------------------------------------------------------

def _write_reuters(folder, xs, ys, name="reuters.npz"):
    np.savez(folder / name, x=_ragged(xs), y=np.asarray(ys, np.int64))


SMALL_X, SMALL_Y = [[1, 5, 2], [7], [3, 3]], [0, 1, 2]  # shuffled by seed 113 to 2, 0, 1


@pytest.mark.parametrize("kwargs, train, test", [
    ({}, [[1, 6, 6], [1, 4, 8, 5]], [[1, 2]]),  # 10, the largest, is out of num_words=10
    ({"num_words": 8}, [[1, 6, 6], [1, 4, 2, 5]], [[1, 2]]),
    ({"num_words": 8, "skip_top": 5}, [[2, 6, 6], [2, 2, 2, 5]], [[2, 2]]),
    ({"num_words": 8, "oov_char": None}, [[1, 6, 6], [1, 4, 5]], [[1]]),
    ({"start_char": None, "index_from": 0}, [[3, 3], [1, 5, 2]], [[2]]),
    ({"start_char": 9, "index_from": 1, "num_words": 100}, [[9, 4, 4], [9, 2, 6, 3]], [[9, 8]]),
    ({"test_split": 0}, [[1, 6, 6], [1, 4, 8, 5], [1, 2]], []),
    ({"test_split": 0.5}, [[1, 6, 6]], [[1, 4, 8, 5], [1, 2]]),
])
def test_reuters_by_hand(cache, kwargs, train, test):
    _write_reuters(cache, SMALL_X, SMALL_Y)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(**kwargs)
    assert _as_lists(x_train) == train and _as_lists(x_test) == test
    assert y_train.tolist() + y_test.tolist() == [2, 0, 1]
    assert y_train.dtype == y_test.dtype == np.int64


def test_reuters_maxlen_keeps_sequences_shorter_than_it_with_their_labels(cache):
    _write_reuters(cache, SMALL_X, SMALL_Y)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(maxlen=3)
    assert _as_lists(x_train) == [] and y_train.dtype == np.int64 and y_train.shape == (0,)
    assert _as_lists(x_test) == [[1, 2]] and y_test.tolist() == [1]
    with pytest.raises(ValueError, match="maxlen=2, no sequence was kept"):
        reuters.load_data(maxlen=2)


def _reference_reuters(xs, ys, seed=113, num_words=None, test_split=0.2):
    """Keras 2.2.4's steps for the default arguments, written out on a RandomState."""
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    seqs = [[1] + [w + 3 for w in xs[i]] for i in order]
    top = num_words or max(max(s) for s in seqs)
    seqs = [[w if w < top else 2 for w in s] for s in seqs]
    cut = int(len(seqs) * (1 - test_split))
    labels = [ys[i] for i in order]
    return (seqs[:cut], labels[:cut]), (seqs[cut:], labels[cut:])


def _random_corpus(n, seed, vocab=30, longest=9):
    rs = np.random.RandomState(seed)
    return ([[int(w) for w in rs.randint(1, vocab, size=rs.randint(1, longest))]
             for _ in range(n)], [int(c) for c in rs.randint(0, 46, size=n)])


@pytest.mark.parametrize("seed, num_words", [(113, None), (113, 12), (7, 20)])
def test_reuters_shuffles_as_keras_with_numpys_global_generator(cache, seed, num_words):
    xs, ys = _random_corpus(10, seed=1)
    _write_reuters(cache, xs, ys)
    np.random.seed(0)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(seed=seed, num_words=num_words)
    after = np.random.get_state()
    (ref_x, ref_y), (ref_xt, ref_yt) = _reference_reuters(xs, ys, seed, num_words)
    assert _as_lists(x_train) == ref_x and y_train.tolist() == ref_y
    assert _as_lists(x_test) == ref_xt and y_test.tolist() == ref_yt
    assert len(x_train) == 8 and len(x_test) == 2
    if seed == 113:
        assert y_train.tolist() + y_test.tolist() == [ys[i] for i in PERMUTATION_113_OF_10]
    expected = np.random.RandomState(seed)
    expected.shuffle(np.arange(10))
    assert all(np.array_equal(a, b) for a, b in zip(after, expected.get_state()))


def test_sequences_of_one_length_still_come_as_a_1d_object_array(cache):
    _write_reuters(cache, [[1, 2], [3, 4], [5, 6]], [0, 1, 0])
    (x_train, _), (x_test, _) = reuters.load_data()
    assert x_train.shape == (2,) and x_test.shape == (1,)
    _as_lists(x_train)
    padded = sequence.pad_sequences(x_train, maxlen=4)
    assert padded.shape == (2, 4) and (padded[:, :1] == 0).all() and (padded[:, 1] == 1).all()


def test_reuters_argument_checks(cache):
    _write_reuters(cache, SMALL_X, SMALL_Y)
    with pytest.warns(UserWarning, match="`nb_words` argument .* renamed `num_words`"):
        (x_train, _), _ = reuters.load_data(nb_words=8)
    assert _as_lists(x_train)[1] == [1, 4, 2, 5]
    with pytest.raises(TypeError, match="Unrecognized keyword arguments: {'words': 8}"):
        reuters.load_data(words=8)
    with pytest.raises(ValueError, match="test_split must be between 0 and 1, not 1.5"):
        reuters.load_data(test_split=1.5)


def test_get_word_index_reads_the_cached_json(cache):
    (cache / "reuters_word_index.json").write_text(json.dumps({"the": 1, "of": 2}))
    (cache / "imdb_word_index.json").write_text(json.dumps({"film": 19}))
    assert reuters.get_word_index() == {"the": 1, "of": 2}
    assert imdb.get_word_index() == {"film": 19}


# --- imdb ------------------------------------------------------------------------------------

def _write_imdb(folder, x_train, y_train, x_test, y_test):
    np.savez(folder / "imdb.npz", x_train=_ragged(x_train), y_train=np.array(y_train),
             x_test=_ragged(x_test), y_test=np.array(y_test))


# seed 113 shuffles the training half to 3, 2, 0, 1 and then the test half to 1, 0
IMDB = ([[1, 2], [3], [4, 5, 6], [7]], [0, 1, 0, 1], [[8], [2, 2, 2]], [1, 0])


def test_imdb_by_hand(cache):
    _write_imdb(cache, *IMDB)
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data()
    assert _as_lists(x_train) == [[1, 10], [1, 7, 8, 9], [1, 4, 5], [1, 6]]
    assert _as_lists(x_test) == [[1, 5, 5, 5], [1, 2]]  # 11, the largest, is out of range
    assert y_train.tolist() == [1, 0, 0, 1] and y_test.tolist() == [0, 1]
    assert y_train.dtype == np.int64
    (x_train, _), (x_test, _) = imdb.load_data(num_words=6, skip_top=2, oov_char=None)
    assert _as_lists(x_train) == [[], [], [4, 5], []] and _as_lists(x_test) == [[5, 5, 5], []]


def test_imdb_maxlen_cuts_each_half_on_its_own(cache):
    _write_imdb(cache, *IMDB)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(maxlen=3)
    # Keras 2.2.4 split the cut halves at the old training size: all three went to training
    assert _as_lists(x_train) == [[1, 10], [1, 6]] and y_train.tolist() == [1, 1]
    assert _as_lists(x_test) == [[1, 2]] and y_test.tolist() == [1]
    with pytest.raises(ValueError, match="maxlen=2, no sequence of the training set was kept"):
        imdb.load_data(maxlen=2)


def test_imdb_shuffles_both_halves_from_one_seeding(cache):
    x_train, y_train = _random_corpus(10, seed=2)
    x_test, y_test = _random_corpus(7, seed=3)
    _write_imdb(cache, x_train, y_train, x_test, y_test)
    (a, b), (c, d) = imdb.load_data(num_words=25)
    rs = np.random.RandomState(113)
    first, second = rs.permutation(10), rs.permutation(7)
    assert list(first) == PERMUTATION_113_OF_10
    assert b.tolist() == [y_train[i] for i in first] and d.tolist() == [y_test[i] for i in second]
    assert _as_lists(a)[0] == [1] + [w + 3 if w + 3 < 25 else 2 for w in x_train[first[0]]]
    assert _as_lists(c)[-1] == [1] + [w + 3 if w + 3 < 25 else 2 for w in x_test[second[-1]]]
    assert all(np.array_equal(u, v) for u, v in zip(np.random.get_state(), rs.get_state()))


# --- boston_housing --------------------------------------------------------------------------

def test_boston_housing_shuffles_and_splits(cache):
    x, y = np.arange(130.0).reshape(10, 13), np.arange(10) * 1.5
    np.savez(cache / "boston_housing.npz", x=x, y=y)
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13) and x_train.dtype == np.float64
    np.testing.assert_array_equal(x_train[:, 0] / 13, PERMUTATION_113_OF_10[:8])
    np.testing.assert_array_equal(y_test, np.array(PERMUTATION_113_OF_10[8:]) * 1.5)
    (x_train, _), _ = boston_housing.load_data(test_split=0.5, seed=1)
    np.testing.assert_array_equal(x_train[:, 0] / 13, np.random.RandomState(1).permutation(10)[:5])
    with pytest.raises(ValueError, match="below 1, not 1"):
        boston_housing.load_data(test_split=1)


# --- reading files safely --------------------------------------------------------------------

def _npz_with_pickle(path, payload: bytes, shape=(1,)):
    """An .npz whose array `x` is an object array with `payload` as its pickle."""
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        member, {"descr": "|O", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", member.getvalue() + payload)
        archive.writestr("y.npy", _npy(np.zeros(shape[0], np.int64)))


def _npy(array) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_asking_for_anything_but_arrays_is_refused(cache, tmp_path):
    marker = tmp_path / "ran"
    _npz_with_pickle(cache / "reuters.npz", pickle.dumps([_RunsCode(str(marker))], protocol=3))
    with pytest.raises(ValueError, match=r"reuters.npz is not a usable Keras data file .*"
                                         r"refused to load (io|builtins).open.*delete it"):
        reuters.load_data()
    assert not marker.exists()


def test_numpy_ndarray_cannot_be_called_on_raw_bytes(cache):
    class Raw:  # np.ndarray((2,), object, buffer) would make objects out of these bytes
        def __reduce__(self):
            return (np.ndarray, ((2,), np.dtype(object), b"A" * 16))
    _npz_with_pickle(cache / "reuters.npz", pickle.dumps(Raw(), protocol=3), shape=(2,))
    with pytest.raises(ValueError, match="numpy.ndarray called directly"):
        reuters.load_data()


@pytest.mark.parametrize("array, message", [
    (np.zeros(2, dtype=[("a", object), ("b", np.int64)]), "not hold an array of Python objects"),
    (_ragged([[1], [2]]), None),
    (np.array([[1], "two"], dtype=object), "other things than lists"),
])
def test_only_object_arrays_of_lists_are_built(cache, array, message):
    """The array is made from the pickle's list, never by NumPy from the pickle's state."""
    _npz_with_pickle(cache / "reuters.npz", pickle.dumps(array, protocol=3), shape=(2,))
    if message is None:
        (x_train, _), _ = reuters.load_data(test_split=0, num_words=9)
        assert _as_lists(x_train) == [[1, 4], [1, 5]]
        return
    with pytest.raises(ValueError, match=message):
        reuters.load_data()


def test_object_arrays_written_by_numpy_1_load(cache):
    data = pickle.dumps(_ragged([[4, 5], [6]]), protocol=3)
    assert b"numpy._core.multiarray" in data
    _npz_with_pickle(cache / "reuters.npz", data.replace(b"numpy._core.multiarray",
                                                         b"numpy.core.multiarray"), shape=(2,))
    (x_train, _), _ = reuters.load_data(test_split=0, seed=1, num_words=100)
    assert _as_lists(x_train) == [[1, 7, 8], [1, 9]]


def _python2_pickle(seqs) -> bytes:
    """An object array of int lists pickled as Python 2 with NumPy 1 did it (protocol 2, str for
    bytes, `numpy.core` names), as Keras's own reuters.npz and imdb.npz (2016) may hold them:
    opcodes PROTO, GLOBAL, BININT(1), SHORT_BINSTRING, TUPLE(1/3), REDUCE, MARK, BUILD, STOP."""
    def text(s):
        return b"U" + bytes([len(s)]) + s.encode("latin1")

    def integer(i):
        return b"J" + struct.pack("<i", i)

    lists = b"".join(b"](" + b"".join(integer(w) for w in seq) + b"e" for seq in seqs)
    return (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
            b"K\x00\x85" + text("b") + b"\x87R"                 # an empty array to fill
            b"(K\x01" + integer(len(seqs)) + b"\x85"             # state: version 1, shape
            b"cnumpy\ndtype\n" + text("O8") + b"K\x00K\x01\x87R"  # dtype object ...
            b"(K\x03" + text("|") + b"NNN" + integer(-1) + integer(-1) + b"K?tb"
            b"\x89](" + lists + b"e" + b"tb.")                  # not Fortran, the lists


def test_object_arrays_pickled_by_python_2_load(cache):
    _npz_with_pickle(cache / "reuters.npz", _python2_pickle([[4, 5], [6], [], [70000]]),
                     shape=(4,))
    (x_train, _), _ = reuters.load_data(test_split=0, seed=None, num_words=10**6)
    assert sorted(map(tuple, _as_lists(x_train))) == [(1,), (1, 7, 8), (1, 9), (1, 70003)]


@pytest.mark.parametrize("content, message", [
    (b"not a zip file", "File is not a zip file"),
    (None, "it has no array 'x_train', only: x, y"),
])
def test_a_bad_cached_file_says_to_delete_it(cache, content, message):
    if content is None:
        _write_reuters(cache, SMALL_X, SMALL_Y, name="mnist.npz")
    else:
        (cache / "mnist.npz").write_bytes(content)
    with pytest.raises(ValueError, match=f"mnist.npz is not a usable Keras data file "
                                         f"\\({message}\\); delete it to have it downloaded"):
        mnist.load_data()


# --- downloads -------------------------------------------------------------------------------

@pytest.fixture
def server(cache, tmp_path):
    """(base URL, list of request paths, folder served) of a loopback HTTP server over a tiny
    mnist.npz."""
    served = tmp_path / "served"
    served.mkdir()
    np.savez(served / "mnist.npz", x_train=np.full((3, 28, 28), 9, np.uint8),
             y_train=np.array([1, 2, 3], np.uint8), x_test=np.zeros((1, 28, 28), np.uint8),
             y_test=np.array([4], np.uint8))
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests, served
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_missing_file_is_downloaded_once_into_the_cache(cache, server, monkeypatch, capsys):
    url, requests, served = server
    monkeypatch.setattr(files, "ORIGIN_FOLDER", url)
    monkeypatch.setitem(files.FILE_HASHES, "mnist.npz", _sha256(served / "mnist.npz"))
    (x_train, y_train), _ = mnist.load_data()
    assert x_train.shape == (3, 28, 28) and y_train.tolist() == [1, 2, 3]
    assert requests == ["/mnist.npz"] and os.listdir(cache) == ["mnist.npz"]
    out = capsys.readouterr().out
    assert out.startswith(f"Downloading data from {url}mnist.npz\n")
    assert "Successfully downloaded mnist.npz" in out
    mnist.load_data()
    mnist.load_data("copy.npz")  # another cache name: Keras's file is fetched again under it
    assert requests == ["/mnist.npz", "/mnist.npz"]
    assert sorted(os.listdir(cache)) == ["copy.npz", "mnist.npz"]


def test_a_download_with_another_hash_is_removed_and_refused(cache, server, monkeypatch):
    url, requests, _ = server
    monkeypatch.setattr(files, "ORIGIN_FOLDER", url)
    with pytest.raises(DownloadError, match=r"mnist.npz downloaded from .* is not the expected "
                                            r"file: its sha256 hash is [0-9a-f]{64}, not 731c"):
        mnist.load_data()
    assert os.listdir(cache) == [] and requests == ["/mnist.npz"]


def test_get_file_checks_an_md5_and_refuses_to_extract(server, tmp_path):
    url, _, served = server
    md5 = hashlib.md5((served / "mnist.npz").read_bytes()).hexdigest()
    path = keras.utils.get_file("m.npz", url + "mnist.npz", md5_hash=md5,
                                cache_dir=str(tmp_path / "c"))
    assert path == str(tmp_path / "c" / "datasets" / "m.npz") and os.path.exists(path)
    with pytest.raises(NotImplementedError, match="does not extract"):
        keras.utils.get_file("m.tar.gz", url + "m.tar.gz", untar=True)


def test_offline_the_error_names_the_file_and_the_folder(cache):
    with pytest.raises(DownloadError) as info:
        imdb.load_data()
    e, message = info.value, str(info.value)
    assert e.filenames == ("imdb.npz",) and e.folder == str(cache)
    assert e.url == files.ORIGIN_FOLDER + "imdb.npz"
    assert message.startswith(f"Could not download imdb.npz from {files.ORIGIN_FOLDER}imdb.npz")
    assert message.endswith(f"put it in this folder by hand, then run again:\n  {cache}")
    assert os.listdir(cache) == []
