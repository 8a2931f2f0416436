"""Keras's data set files: where each is downloaded from, its hash, and reading an `.npz`
without ever running code from it.

The Reuters and IMDB files hold their word-index lists as NumPy object arrays, which an
`.npz` can only store as pickles, and `np.load(allow_pickle=True)` would run whatever a
tampered pickle asks. `load_npz` reads plain arrays with pickles refused, and object arrays
with an unpickler that knows exactly three names (the array type, the dtype type and the
array rebuilder, under NumPy 1's and 2's module names) and nothing else: lists and ints
need no names at all. Even those three are stand-ins that only record what the pickle
asks, and the array is then built here from a checked list of lists: NumPy's own
`ndarray(shape, object, buffer)` or `__setstate__` with a crafted dtype would take object
pointers from the file's bytes.
"""
from __future__ import annotations

import json
import pickle
import zipfile
from typing import Sequence

import numpy as np

from ..utils.data_utils import get_file

#: Where Keras (tf.keras and Keras 2.2.5 on) downloads its data sets from.
ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

#: The hash of each file at ORIGIN_FOLDER (sha256, or md5 for the word indexes), as Keras
#: lists them; checked after a download only.
FILE_HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    "reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
}

# What a bad file makes NumPy or pickle raise, turned into one ValueError that says what to do.
_BAD_FILE = (ValueError, TypeError, EOFError, OverflowError, IndexError, KeyError,
             AttributeError, zipfile.BadZipFile, pickle.UnpicklingError)


def fetch(name: str, path: str) -> str:
    """The local path of Keras's file `name`, cached as `path` (relative to the Keras cache
    folder, `~/.keras/datasets/`), downloaded from ORIGIN_FOLDER when missing."""
    return get_file(path, origin=ORIGIN_FOLDER + name, file_hash=FILE_HASHES[name])


def word_index(name: str, path: str) -> dict:
    """The word index file `name` (JSON), cached as `path`: {word: frequency rank}."""
    with open(fetch(name, path), encoding="utf-8") as f:
        return json.load(f)


def load_npz(path: str, keys: Sequence[str]) -> list:
    """The arrays `keys` of the `.npz` file `path`, in that order; object arrays are
    unpickled with only NumPy's array rebuilding allowed.

    Raises ValueError, saying to delete or replace the file, when it is not an `.npz`, lacks
    one of `keys`, is damaged, or asks its unpickler for anything else.

    Example:
        x, y = load_npz(os.path.expanduser("~/.keras/datasets/reuters.npz"), ["x", "y"])
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise _unreadable(path, str(e)) from e
    with archive:
        names = [n[:-len(".npy")] for n in archive.namelist() if n.endswith(".npy")]
        missing = [key for key in keys if key not in names]
        if missing:
            raise _unreadable(path, f"it has no array {missing[0]!r}, only: "
                                    f"{', '.join(sorted(names)) or 'none'}")
        try:
            return [_read_npy(archive, key + ".npy") for key in keys]
        except _BAD_FILE as e:
            raise _unreadable(path, f"{type(e).__name__}: {e}") from e


def _unreadable(path: str, reason: str) -> ValueError:
    return ValueError(f"{path} is not a usable Keras data file ({reason}); delete it to have "
                      f"it downloaded again, or replace it by hand")


def _read_npy(archive: zipfile.ZipFile, member: str) -> np.ndarray:
    with archive.open(member) as f:
        version = np.lib.format.read_magic(f)
        # NumPy has no reader for the 3.0 header; it differs from 2.0 only in its text's encoding
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(f)
        if dtype.hasobject:
            return _object_array(_ArrayUnpickler(f, encoding="latin1").load(), shape, member)
    with archive.open(member) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


class _Ndarray:
    """What the pickle gets for `numpy.ndarray`: a name to pass to `_reconstruct`, which
    cannot be called (`numpy.ndarray(shape, object, buffer)` takes pointers from bytes)."""

    def __init__(self, *args):
        raise pickle.UnpicklingError("numpy.ndarray called directly: not an array's pickle")


class _Record:
    """What the pickle gets for an array (from `_reconstruct`) or a dtype (`numpy.dtype`):
    it keeps the arguments and the state as plain data, for `_object_array` to check."""

    def __init__(self, *args):
        self.args, self.state = args, None

    def __setstate__(self, state):
        self.state = state


def _reconstruct(subtype, shape, dtype) -> _Record:
    if subtype is not _Ndarray:
        raise pickle.UnpicklingError("an array rebuilt from something other than numpy.ndarray")
    return _Record(subtype, shape, dtype)


_ALLOWED = {
    ("numpy", "ndarray"): _Ndarray,
    ("numpy", "dtype"): _Record,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,   # files written by NumPy 1
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,  # ... and by NumPy 2
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles an object array of lists as `_Record`s, and refuses every other name."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused to load {module}.{name}: a Keras data file holds only arrays of "
                f"numbers and lists, so this file is damaged or was made to run code") from None


def _object_array(record, shape: tuple, member: str) -> np.ndarray:
    """The object array of lists that `record` (an array's pickle, unpickled) describes, made
    here: NumPy never sees the pickle's state (`ndarray.__setstate__` trusts its dtype)."""
    state = record.state if isinstance(record, _Record) else None
    if isinstance(state, tuple) and len(state) == 5:
        state = state[1:]  # a version number first, since NumPy 1.0
    if not (isinstance(state, tuple) and len(state) == 4):
        raise ValueError(f"{member} does not hold a pickled array")
    stored_shape, dtype, fortran, items = state
    if not (isinstance(dtype, _Record) and dtype.args[:1] in (("O",), ("O4",), ("O8",))):
        raise ValueError(f"{member} does not hold an array of Python objects")
    if tuple(stored_shape) != shape or not isinstance(items, list) or len(items) != np.prod(shape):
        raise ValueError(f"{member} does not hold the {shape} items its header announces")
    if not all(type(item) is list for item in items):
        raise ValueError(f"{member} holds other things than lists")
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out.reshape(shape, order="F" if fortran else "C")
