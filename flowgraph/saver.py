"""`train.Saver`: checkpoints of variable values, and the `checkpoint` index file.

A checkpoint "<prefix>" is one file "<prefix>.npz": a zip of `.npy` arrays, one per variable,
keyed by the variable's name ("dense/kernel"). A save_path that already ends in ".npz" names
that file, so its prefix is the path without the suffix; every prefix `save` returns is
therefore free of it, and both the prefix and the file's name restore. Arrays are written with
pickling turned off; restore reads each `.npy` header first and checks its dtype, shape and
size against the variable and the zip before any data is read, so a forged header cannot make
it allocate, and no checkpoint ever runs code. Every file is written to a temporary name in
the same directory, flushed to disk, given the mode the umask gives a new file, then renamed
over the old one (`os.replace`), so an interrupted save leaves the previous checkpoint and
index intact.

Beside the checkpoints, a text file `checkpoint` (TF's format) names the latest one and the
ones kept:
    model_checkpoint_path: "model.ckpt-200"
    all_model_checkpoint_paths: "model.ckpt-100"
    all_model_checkpoint_paths: "model.ckpt-200"
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
import time
import zipfile
import zlib
from typing import List, NamedTuple, Optional

import numpy as np

from .errors import DataLossError, InvalidArgumentError, NotFoundError
from .fileio import new_file_mode
from .ops.state_ops import Variable, global_variables
from .shapes import fmt

CHECKPOINT_FILENAME = "checkpoint"
DATA_SUFFIX = ".npz"


class CheckpointState(NamedTuple):
    model_checkpoint_path: str
    all_model_checkpoint_paths: List[str]


class Saver:
    """Saves variables to checkpoints and restores them.

    var_list: None (all global variables), a list of Variables (saved under their names), or a
    dict {name in the checkpoint: Variable}. Only the newest max_to_keep checkpoints written by
    this Saver are kept (None or 0: keep all).

    Example:
        saver = tf.train.Saver()
        path = saver.save(sess, "ckpt/model", global_step=step)   # "ckpt/model-100"
        saver.restore(sess, tf.train.latest_checkpoint("ckpt"))
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=None, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        self._vars = _var_map(var_list)
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self._max_to_keep = max_to_keep
        self._pad_step_number = pad_step_number
        self._last: list = []  # [(prefix, time saved)], oldest first

    @property
    def last_checkpoints(self) -> List[str]:
        """Prefixes of the checkpoints this Saver keeps, oldest first."""
        return [p for p, _ in self._last]

    def recover_last_checkpoints(self, checkpoint_paths):
        """Adopt existing checkpoints (e.g. from get_checkpoint_state) as this Saver's own, so
        that max_to_keep counts and deletes them too. A path may name the data file
        ("m-1.npz"): it is kept as its prefix, so that the right file is deleted."""
        self._last = [(_prefix_on_disk(p), time.time()) for p in checkpoint_paths]

    def set_last_checkpoints(self, last_checkpoints):
        self.recover_last_checkpoints(last_checkpoints)

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False) -> str:
        """Write the variables' values in `sess`; returns the checkpoint's prefix.

        save_path is a prefix such as "ckpt/model"; one ending in ".npz" names the data file,
        and the prefix is save_path without it. With global_step (an int, or a
        tensor/variable read in sess) the prefix is "<prefix>-<step>". The `checkpoint`
        index in the same directory is updated.
        """
        latest_filename = latest_filename or CHECKPOINT_FILENAME
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        prefix = _save_prefix(save_path)
        if global_step is not None:
            prefix = f"{prefix}-{self._step_text(sess, global_step)}"
        save_dir = os.path.dirname(prefix) or "."
        if not os.path.isdir(save_dir):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        if write_state and latest_filename == os.path.basename(prefix) + DATA_SUFFIX:
            raise ValueError(f"latest_filename {latest_filename!r} is the name of the "
                             f"checkpoint's data file {prefix + DATA_SUFFIX}: the index would "
                             f"overwrite it")
        names = list(self._vars)
        values = sess.run([self._vars[n] for n in names])
        arrays = {n: np.asarray(v) for n, v in zip(names, values)}
        _atomic_write(prefix + DATA_SUFFIX, lambda f: _write_arrays(f, arrays))
        if write_state:
            self._record(prefix, save_dir, latest_filename)
        return prefix

    def _step_text(self, sess, global_step) -> str:
        if not isinstance(global_step, (int, np.integer)):
            global_step = int(sess.run(global_step))
        return f"{int(global_step):08d}" if self._pad_step_number else str(int(global_step))

    def _record(self, prefix, save_dir, latest_filename):
        """Name `prefix` in the index as the newest checkpoint; past max_to_keep, delete the
        oldest, only once the index no longer names them. Paths compare as absolute paths:
        one checkpoint spelled two ways ("m-1", "/abs/m-1") is listed once, and a file that
        is kept under one spelling is never deleted under the other."""
        key = _path_key(prefix)
        last = [(p, t) for p, t in self._last if _path_key(p) != key] + [(prefix, time.time())]
        keep = len(last) if not self._max_to_keep else self._max_to_keep
        dropped, last = last[:-keep], last[-keep:]
        update_checkpoint_state(save_dir, prefix,
                                [p for p, _ in last] if self._max_to_keep else [prefix],
                                latest_filename)
        if self._max_to_keep:
            self._last = last
        kept = {_path_key(p) for p, _ in last}
        for old, _ in dropped:
            if _path_key(old) not in kept:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(old + DATA_SUFFIX)

    def restore(self, sess, save_path):
        """Load every variable of this Saver from checkpoint `save_path` (a prefix, or the
        prefix's ".npz" file).

        Checks all variables first, from the arrays' headers alone, and changes nothing on an
        error: NotFoundError for a variable missing from the checkpoint, InvalidArgumentError
        for a dtype or shape that differs, DataLossError for a file that contradicts itself
        (a forged or damaged header, a truncated array); each names the variable.
        """
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        path = _data_file(save_path)
        if path is None:
            hint = (f" (a directory: tf.train.latest_checkpoint({os.fspath(save_path)!r}) "
                    f"names its newest checkpoint)" if os.path.isdir(save_path) else "")
            raise ValueError(f"The passed save_path is not a valid checkpoint: {save_path}{hint}")
        try:
            with zipfile.ZipFile(path) as zf:
                members = self._checked_members(zf, path)
                arrays = {name: _read_member(zf, info, _where(name, path))
                          for name, info in members.items()}
        except _READ_ERRORS as e:
            raise DataLossError(None, None, f"Unable to read checkpoint {path}: "
                                            f"{type(e).__name__}: {e}") from None
        for name, var in self._vars.items():
            var.load(arrays[name], sess)

    def _checked_members(self, zf, path) -> dict:
        """{name: zip member} for every variable, each checked before any data is read."""
        members = {info.filename[:-len(".npy")]: info for info in zf.infolist()
                   if info.filename.endswith(".npy")}
        for name, var in self._vars.items():
            if name not in members:
                raise NotFoundError(None, None, f"Key {name} not found in checkpoint {path} "
                                                f"(restoring variable '{var.op.name}'); the "
                                                f"checkpoint holds {_listing(members)}")
            _check_member(name, var, zf, members[name], path)
        return {name: members[name] for name in self._vars}


def _var_map(var_list) -> dict:
    if var_list is None:
        var_list = global_variables()
    if isinstance(var_list, dict):
        items = list(var_list.items())
    else:
        items = [(v.op.name if isinstance(v, Variable) else None, v) for v in var_list]
    out: dict = {}
    for name, v in items:
        if not isinstance(v, Variable):
            raise TypeError(f"Variable to save is not a Variable: {v!r}")
        if name in out:
            raise ValueError(f"At least two variables have the same name: {name}")
        out[name] = v
    return out


# --- checkpoint paths ----------------------------------------------------------------------
def _save_prefix(save_path) -> str:
    """The prefix `save_path` names for saving: without any ".npz" (that names the data
    file, which gets it back, so "m.npz" is not written as "m.npz.npz"), and never a
    directory alone, which would write a hidden ".npz" and an index naming the directory."""
    path = os.fspath(save_path)
    prefix = path
    while prefix.endswith(DATA_SUFFIX):
        prefix = prefix[:-len(DATA_SUFFIX)]
    if os.path.basename(prefix) in ("", ".", "..") or os.path.isdir(path):
        raise ValueError(f"save_path {path!r} names a directory, not a checkpoint prefix: give "
                         f"a directory and a file name prefix, e.g. 'ckpt/model' (which writes "
                         f"ckpt/model.npz and the index ckpt/checkpoint)")
    return prefix


def _data_file(save_path) -> Optional[str]:
    """The data file of checkpoint `save_path`, or None where there is none: "<prefix>.npz";
    or, for a path ending in ".npz", that file itself, else "<path>.npz" (as earlier
    versions wrote save(sess, "m.npz")). Prefixes that save returns never end in ".npz", so
    each names one file."""
    path = os.fspath(save_path)
    candidates = [path, path + DATA_SUFFIX] if path.endswith(DATA_SUFFIX) else [path + DATA_SUFFIX]
    return next((c for c in candidates if os.path.isfile(c)), None)


def _prefix_on_disk(path) -> str:
    """The prefix whose "<prefix>.npz" is the data file `path` names (`path` if none is)."""
    found = _data_file(path)
    return found[:-len(DATA_SUFFIX)] if found else os.fspath(path)


def _path_key(path) -> str:
    return os.path.normcase(os.path.abspath(path))


def _listing(arrays) -> str:
    names = sorted(arrays)
    return ", ".join(names[:10]) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")


# --- the .npz data file --------------------------------------------------------------------
# What a damaged or forged zip makes zipfile and numpy raise (RuntimeError: an encrypted
# member; NotImplementedError: an unknown compression; zlib.error: broken deflate data).
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
                zlib.error, NotImplementedError, RuntimeError)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}
_DEFLATE_MAX_RATIO = 1032  # deflate expands one byte into at most this many


def _write_arrays(f, arrays):
    """An .npz (a zip of .npy files) that np.load reads; never pickles."""
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(arr), allow_pickle=False)


def _check_member(name, var, zf, info, path):
    """Raise unless zip member `info` holds an array `var` can take, judged from the zip's
    entry and the .npy header alone: DataLossError where the file contradicts itself,
    InvalidArgumentError where it is sound but does not fit the variable."""
    where = _where(name, path)
    try:
        shape, dtype, size = _header(zf, info)
    except _READ_ERRORS as e:
        raise _corrupt(where, e) from None
    problem = _corruption(info, shape, dtype, size, os.path.getsize(path))
    if problem:
        raise DataLossError(None, None, f"{where}: the file is corrupt: its header declares "
                                        f"shape {fmt(shape)} of {dtype}, but {problem} (the "
                                        f"variable's shape is {fmt(var.shape)})")
    if dtype != var.dtype.np_dtype:
        raise InvalidArgumentError(
            None, None, f"{where}: expected dtype {var.dtype.name} does not equal the "
                        f"checkpoint's dtype {dtype}")
    if not var.shape.is_compatible_with(shape):
        raise InvalidArgumentError(
            None, None, f"{where}: Assign requires shapes of both tensors to match. lhs shape= "
                        f"{fmt(var.shape)} rhs shape= {fmt(shape)}")


def _header(zf, info):
    """(shape, dtype, bytes after the header) of a .npy member, reading only its header."""
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version not in _HEADER_READERS:
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
        shape, _, dtype = _HEADER_READERS[version](f)
        return shape, dtype, info.file_size - f.tell()


def _corruption(info, shape, dtype, size, archive_size) -> Optional[str]:
    """Why a member's header and zip entry cannot both be true, or None. Both are easy to
    forge, and numpy allocates what they declare before it finds the data missing."""
    if dtype.hasobject:
        return "Python objects need pickle, which a checkpoint never holds"
    if any(d < 0 for d in shape):
        return "a dimension is negative"
    declared = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if declared != size:
        return f"that is {declared} bytes and the file holds {size}"
    # the most bytes the stored ones can stand for (1024: deflate's fixed overhead, with
    # room to spare); other compressions have no such bound
    most = {zipfile.ZIP_STORED: info.compress_size,
            zipfile.ZIP_DEFLATED: info.compress_size * _DEFLATE_MAX_RATIO + 1024}
    most = most.get(info.compress_type, info.file_size)
    if info.compress_size > archive_size or info.file_size > most:
        return (f"its zip entry claims {info.file_size} bytes made of {info.compress_size} "
                f"in a file of {archive_size}")
    return None


def _read_member(zf, info, where):
    """The array of a member that _check_member accepted."""
    try:
        with zf.open(info) as f:
            array = np.lib.format.read_array(f, allow_pickle=False)
            f.read()  # reaching the member's end is when zipfile checks its CRC
    except _READ_ERRORS as e:
        raise _corrupt(where, e) from None
    return array


def _where(name, path) -> str:
    return f"Restoring variable '{name}' from checkpoint {path}"


def _corrupt(where, e) -> DataLossError:
    return DataLossError(None, None, f"{where}: the file is corrupt: {type(e).__name__}: {e}")


def _atomic_write(path, write):
    """Write `path` through a temporary file in the same directory and a rename. mkstemp
    makes the file 0600 whatever the umask; it gets the mode a new file would (0644 under
    umask 022), as TF's checkpoints have."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        os.chmod(tmp, new_file_mode())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


# --- the `checkpoint` index file --------------------------------------------------------
def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


_LINE = re.compile(r'^\s*(\w+)\s*:\s*"((?:[^"\\]|\\.)*)"\s*$')


def _relative(path, directory):
    if os.path.dirname(os.path.abspath(path)) == os.path.abspath(directory):
        return os.path.basename(path)
    return os.path.abspath(path)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None):
    """Rewrite the index file of `save_dir` (atomically)."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths = [p for p in paths if p != model_checkpoint_path] + [model_checkpoint_path]
    lines = [f"model_checkpoint_path: {_quote(_relative(model_checkpoint_path, save_dir))}"]
    lines += [f"all_model_checkpoint_paths: {_quote(_relative(p, save_dir))}" for p in paths]
    text = "\n".join(lines) + "\n"
    _atomic_write(os.path.join(save_dir, latest_filename or CHECKPOINT_FILENAME),
                  lambda f: f.write(text.encode("utf-8")))


def get_checkpoint_state(checkpoint_dir, latest_filename=None) -> Optional[CheckpointState]:
    """The index of `checkpoint_dir` (paths made absolute), or None when there is none."""
    path = os.path.join(checkpoint_dir, latest_filename or CHECKPOINT_FILENAME)
    if not os.path.isfile(path):
        return None
    latest, every = None, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            m = _LINE.match(line)
            if m is None:
                raise ValueError(f"Invalid checkpoint state in {path}, line {n}: {line.strip()!r}")
            value = re.sub(r"\\(.)", r"\1", m.group(2))
            if not os.path.isabs(value):
                value = os.path.join(checkpoint_dir, value)
            if m.group(1) == "model_checkpoint_path":
                latest = value
            elif m.group(1) == "all_model_checkpoint_paths":
                every.append(value)
    if latest is None:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}: no "
                         f"model_checkpoint_path in {path}")
    return CheckpointState(latest, every)


def checkpoint_exists(checkpoint_prefix) -> bool:
    """Whether a checkpoint with this prefix (or this ".npz" file) is on disk."""
    return _data_file(checkpoint_prefix) is not None


def latest_checkpoint(checkpoint_dir, latest_filename=None) -> Optional[str]:
    """The prefix of the newest checkpoint in `checkpoint_dir`, or None.

    Example: saver.restore(sess, tf.train.latest_checkpoint("ckpt"))
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is not None and checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None
