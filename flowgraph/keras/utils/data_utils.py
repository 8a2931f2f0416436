"""Keras's `get_file`: a file downloaded once into the Keras cache, `~/.keras/datasets/`.

    path = get_file("mnist.npz", "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                    "mnist.npz")        # ~/.keras/datasets/mnist.npz

The cache folder is `cache_dir` (default `$KERAS_HOME`, else `~/.keras`) joined with
`cache_subdir` (default `datasets`); an absolute `fname` or `cache_subdir` is used as it is.
Where that folder cannot be written (a read-only home), `<tmp>/.keras/` takes its place, as
in Keras. A file already in the cache is used as it is, never checked or downloaded again
(put files there by hand to work offline). A missing one is downloaded with
`flowgraph.datasets.download.maybe_download` (atomically, with a progress bar on a terminal);
when that fails, its `DownloadError` names the file, the URL and the folder to put it in by
hand. With `file_hash`, a downloaded file whose hash differs is removed and refused.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Optional

from ...datasets.download import DownloadError, maybe_download

#: The environment variable naming the Keras folder (Keras 2.2.5 on; default `~/.keras`).
ENV_HOME = "KERAS_HOME"
_CHUNK = 1 << 16


def keras_home() -> str:
    """The Keras folder: `$KERAS_HOME` when set, else `~/.keras` (not yet expanded)."""
    return os.environ.get(ENV_HOME) or os.path.join("~", ".keras")


def get_file(fname: str, origin: str, untar: bool = False, md5_hash: Optional[str] = None,
             file_hash: Optional[str] = None, cache_subdir: str = "datasets",
             hash_algorithm: str = "auto", extract: bool = False, archive_format="auto",
             cache_dir: Optional[str] = None) -> str:
    """The path of `fname` in the Keras cache, downloaded from `origin` when not there.

    Args:
        fname: the file's name in the cache (or an absolute path).
        origin: the URL to download it from.
        md5_hash, file_hash: the expected hash of a downloaded file (sha256 or md5;
            `hash_algorithm` "auto" tells them apart by length).
        cache_subdir: the folder under the Keras folder (or an absolute path).
        cache_dir: the Keras folder; None means `$KERAS_HOME`, else `~/.keras`.
        untar, extract, archive_format: Keras's archive extraction, which this does not
            do (True is a NotImplementedError).

    Raises DownloadError (an OSError) when the file is missing and the download fails or
    gives a file with another hash.

    Example:
        get_file("words.json", "https://example.org/words.json", cache_subdir="text")
    """
    if untar or extract:
        raise NotImplementedError("get_file does not extract archives (untar=, extract=): "
                                  "download with get_file, then unpack with tarfile/zipfile")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    path = cache_path(fname, cache_subdir, cache_dir)
    if os.path.exists(path):
        return path
    print("Downloading data from", origin)
    folder, name = os.path.split(path)
    maybe_download(name, folder, origin)
    if file_hash is not None:
        _check_hash(path, origin, file_hash, hash_algorithm)
    return path


def cache_path(fname: str, cache_subdir: str = "datasets",
               cache_dir: Optional[str] = None) -> str:
    """Where `get_file` keeps `fname`: in the cache folder, or under `<tmp>/.keras/` when the
    cache folder cannot be written and the file is not already there (Keras's fallback)."""
    base = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    path = os.path.join(base, cache_subdir, fname)
    if os.path.exists(path) or _can_write(os.path.dirname(path)):
        return path
    return os.path.join(tempfile.gettempdir(), ".keras", cache_subdir, fname)


def _can_write(folder: str) -> bool:
    """Whether `folder` could hold a new file: the nearest folder of it that exists (itself,
    or the ancestor it would be made in) is a folder this process may write in."""
    folder = os.path.abspath(folder)
    while not os.path.lexists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
    return os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)


def _check_hash(path: str, origin: str, file_hash: str, algorithm: str) -> None:
    """Remove and refuse a downloaded file whose hash is not `file_hash`."""
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5', not {algorithm!r}")
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() == file_hash.lower():
        return
    os.unlink(path)
    folder, name = os.path.split(os.path.abspath(path))
    raise DownloadError(
        f"{name} downloaded from {origin} is not the expected file: its {algorithm} hash is "
        f"{digest.hexdigest()}, not {file_hash}, so it was removed.\n"
        f"Run again, or download it another way and put it in this folder by hand:\n"
        f"  {folder}", filenames=[name], url=origin, folder=folder)
