"""Fetch data files once into a folder, as TF1's and Keras's data set loaders do.

A file already in the folder is used as it is; a missing one is downloaded with urllib into a
temporary file in that folder and renamed into place only when complete, so an interrupted
download never leaves a half file behind under the real name. While a file downloads, a text
progress bar (percentage and MB) is drawn on stderr when stderr is a terminal (pass
`progress=True` or `False` to choose). A download that fails (no network, an HTTP error) raises
`DownloadError`, which names the file, the URL tried and the folder to put the file in by hand.

    path = maybe_download("mnist.npz", "~/.keras/datasets",
                          "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Optional, Sequence

from ..fileio import new_file_mode

#: Seconds to wait for the server to answer (or to send more bytes) before giving up.
TIMEOUT_S = 60
_CHUNK = 1 << 16
_BAR_WIDTH = 30


class DownloadError(OSError):
    """Data files were missing and could not be downloaded; the message says what to do.

    Attributes: `filenames` (the files wanted), `url` (the URL whose download failed) and
    `folder` (the absolute folder the files belong in).
    """

    def __init__(self, message: str, *, filenames: Sequence[str], url: str, folder: str):
        super().__init__(message)
        self.filenames, self.url, self.folder = tuple(filenames), url, folder


def maybe_download(filename: str, work_directory: str, source_url: str,
                   progress: Optional[bool] = None) -> str:
    """The path of `filename` in `work_directory`, downloaded from `source_url` if not there.

    Args:
        filename: the file's name in `work_directory`.
        work_directory: the folder (made when missing; `~` is expanded).
        source_url: the file's own URL (any scheme urllib opens: https, http, file).
        progress: draw a progress bar on stderr; None (the default) draws one only when
            stderr is a terminal.

    Returns the path, `work_directory` joined with `filename`. After a download, prints
    `Successfully downloaded FILENAME SIZE bytes.` as TensorFlow does.

    Raises DownloadError (an OSError) when the download fails.

    Example:
        path = maybe_download("t10k-labels-idx1-ubyte.gz", "MNIST_data/",
                              "https://storage.googleapis.com/cvdf-datasets/mnist/"
                              "t10k-labels-idx1-ubyte.gz")
    """
    folder = os.path.expanduser(work_directory)
    path = os.path.join(folder, filename)
    if os.path.exists(path):
        return path
    if progress is None:
        progress = _is_terminal(sys.stderr)
    os.makedirs(folder, exist_ok=True)
    try:
        size = _fetch(source_url, path, filename if progress else None)
    except (OSError, ValueError) as e:
        where = os.path.abspath(folder)
        raise DownloadError(
            f"Could not download {filename} from {source_url}: {_reason(e)}\n"
            f"Download it another way and put it in this folder by hand, then run again:\n"
            f"  {where}", filenames=[filename], url=source_url, folder=where) from e
    print("Successfully downloaded", filename, size, "bytes.")
    return path


def maybe_download_all(filenames: Sequence[str], work_directory: str, base_url: str,
                       what: str = "the data set", progress: Optional[bool] = None) -> list:
    """The paths of `filenames` in `work_directory`, each missing one downloaded from
    `base_url` + its name (a "/" is added to `base_url` when it has none at the end).

    When a download fails, the DownloadError lists every file of the set, says which are
    missing, and names the folder to put them in by hand.

    Example:
        paths = maybe_download_all(["train.csv", "test.csv"], "data/",
                                   "https://example.org/iris/", what="iris")
    """
    base = base_url if base_url.endswith("/") else base_url + "/"
    folder = os.path.expanduser(work_directory)
    paths = []
    for name in filenames:
        try:
            paths.append(maybe_download(name, folder, base + name, progress))
        except DownloadError as e:
            where, width = e.folder, max(len(n) for n in filenames)
            listing = "\n".join(
                f"  {n}" if os.path.exists(os.path.join(where, n)) else f"  {n:<{width}}  (missing)"
                for n in filenames)
            raise DownloadError(
                f"Could not download {what} into {where}: {name} from {e.url} failed: "
                f"{_reason(e.__cause__)}\n"
                f"Download these {len(filenames)} files another way (from {base} or a mirror) "
                f"and put them in {where} by hand, then run again:\n{listing}",
                filenames=filenames, url=e.url, folder=where) from e.__cause__
    return paths


def _fetch(url: str, path: str, label: Optional[str]) -> int:
    """Download `url` to `path` through a temporary file beside it; the number of bytes.
    With `label`, a progress bar so labelled is drawn on stderr. Every failure of the
    transfer is an OSError (or a ValueError for a malformed URL)."""
    import http.client  # only a download needs these (about 40 ms to import)
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return _save(response, path, label)
    except http.client.HTTPException as e:  # a broken reply: IncompleteRead, BadStatusLine
        raise ConnectionError(f"{type(e).__name__}: {e}") from e


def _save(response, path: str, label: Optional[str]) -> int:
    """Copy `response` into a temporary file in `path`'s folder, then rename it to `path`."""
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else None
    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                     dir=os.path.dirname(path) or ".")
    done, bar = 0, _Bar(label, total)
    try:
        os.chmod(temporary, new_file_mode())  # mkstemp's 0600 would ignore the umask
        with os.fdopen(fd, "wb") as out, contextlib.closing(bar):
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                bar.update(done)
        if total is not None and done != total:
            raise ConnectionError(f"the connection closed after {done} of {total} bytes")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return done


class _Bar:
    """`name  42% [############------------]  4.1 / 9.9 MB` redrawn in place on stderr;
    with no known total, `name  4.1 MB`. Draws nothing without a label."""

    def __init__(self, label: Optional[str], total: Optional[int]):
        self.label, self.total, self.shown = label, total, None

    def update(self, done: int) -> None:
        if self.label is None:
            return
        if self.total:
            key = min(100, done * 100 // self.total)
            filled = _BAR_WIDTH * key // 100
            text = (f"{self.label}  {key:3d}% [{'#' * filled}{'-' * (_BAR_WIDTH - filled)}]  "
                    f"{done / 1e6:.1f} / {self.total / 1e6:.1f} MB")
        else:
            key = done // 100_000
            text = f"{self.label}  {done / 1e6:.1f} MB"
        if key != self.shown:
            self.shown = key
            sys.stderr.write("\r" + text)
            sys.stderr.flush()

    def close(self) -> None:
        if self.label is not None and self.shown is not None:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _reason(error: Optional[BaseException]) -> str:
    """What went wrong, in a few words: 'HTTP Error 404: Not Found', '[Errno 111] ...'."""
    if error is None:
        return "unknown error"
    reason = getattr(error, "reason", None)
    if reason is not None and not hasattr(error, "code"):  # URLError: its reason says it all
        error = reason
    text = str(error)
    return text if text else type(error).__name__


def _is_terminal(stream) -> bool:
    with contextlib.suppress(Exception):
        return bool(stream.isatty())
    return False

