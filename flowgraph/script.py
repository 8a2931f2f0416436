"""Run a user's Python script as `python SCRIPT ARGS` would, with flowgraph standing in for
TensorFlow 1.x (`flowgraph run` on the command line), and draw the graph a script builds
(`flowgraph graph`).

While the script runs, `import tensorflow`, `import tensorflow.compat.v1` and
`tf.compat.v1` give flowgraph, `tensorflow.contrib.layers`, `.rnn` and `.seq2seq` give
`flowgraph.contrib`'s, and `from tensorflow.examples.tutorials.mnist import input_data` gives
`flowgraph.datasets.mnist`, so an unmodified TF1 script runs; NumPy prints its scalars as
TF1-era NumPy did (`[1.0, 2.0]`, not `[np.float32(1.0), np.float32(2.0)]`). Python processes
the script starts (multiprocessing's spawn and forkserver workers, `subprocess` running
`python`) get the same aliases, through a `sitecustomize` module on $PYTHONPATH (see
`aliases.child_aliases`). An uncaught exception is reported in a few lines: the traceback cut
down to the user's own frames, then `ErrorType: message` (flowgraph's own messages already name
the op and where it was made), after the exceptions it was raised from or while handling,
as Python shows them.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import importlib.util
import io
import os
import runpy
import site
import sys
import sysconfig
import traceback
import zipfile
from types import ModuleType
from typing import Iterator, Sequence

import numpy as np

from . import viz
from .aliases import (ALIASES, KERAS_FINDER, NUMPY_2, alias_modules, child_aliases,
                      keras_target, pandas_compat)
from .backend import ENV_DEVICE
from .export import autolog
from .graph import Graph, get_default_graph
from .session import SESSION_HOOKS


@contextlib.contextmanager
def _patched(path: str, args: Sequence[str], alias: bool) -> Iterator[None]:
    """sys.argv, sys.path[0], (with alias) sys.modules and NumPy's print options set for the
    script; restored after."""
    saved_argv, saved_path = sys.argv, list(sys.path)
    saved_modules = {name: sys.modules.get(name) for name in ALIASES}
    saved_printing = np.get_printoptions()
    if NUMPY_2:  # (NumPy 1.x prints scalars as 1.0 already, and has no "1.25" mode)
        np.set_printoptions(legacy="1.25")  # scalars print as 1.0, not np.float32(1.0)
    sys.argv = [path, *args]
    folder = os.path.dirname(os.path.abspath(path))
    if sys.path:
        sys.path[0] = folder
    else:
        sys.path.append(folder)
    saved_keras = {n: m for n, m in sys.modules.items() if keras_target(n) is not None}
    if alias:
        sys.modules.update(alias_modules())
        sys.meta_path.insert(0, KERAS_FINDER)
        pandas_compat.install()
    else:
        for name in ALIASES:
            sys.modules.pop(name, None)
    try:
        yield
    finally:
        if KERAS_FINDER in sys.meta_path:
            sys.meta_path.remove(KERAS_FINDER)
        pandas_compat.uninstall()
        for name in [n for n in sys.modules if keras_target(n) is not None]:
            if name not in saved_keras:
                del sys.modules[name]
        np.set_printoptions(**saved_printing)
        sys.argv = saved_argv
        sys.path[:] = saved_path
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def run_script(path: str, args: Sequence[str] = (), alias: bool = True,
               logdir: str | None = None, device: str | None = None) -> int:
    """Run the Python file at `path` as `__main__` with `sys.argv = [path, *args]`.

    The working directory is left as it is; sys.path[0] is the script's folder. With
    `alias`, flowgraph is importable as `tensorflow` and `tensorflow.compat.v1`, also in the
    Python processes the script starts (`aliases.child_aliases`). With `logdir`, each graph the
    script's sessions run is logged for TensorBoard, as it is at the end, in a run folder
    under `logdir` (see `flowgraph.export.autolog`), and one line on stderr says so.
    With `device` ("cpu", "gpu", "gpu:1"), sessions the script makes without naming a device
    run there: $FLOWGRAPH_DEVICE is set while the script runs, and restored after.

    Returns the exit status `python path args` would give: 0 when the script ends, the code
    of a `SystemExit` it raises, 1 after an uncaught exception (reported on stderr by
    `format_user_error`).

    Example:
        status = run_script("examples/bmi.py")
    """
    if not os.path.isfile(path):
        print(f"flowgraph run: can't open file {path!r}: no such file", file=sys.stderr)
        return 2
    if logdir is not None:
        autolog.enable(logdir, path)
    try:
        with _device_env(device), child_aliases(alias):
            return _run(path, args, alias)
    finally:
        if logdir is not None:
            folders = autolog.disable()
            if folders:
                print(f"flowgraph: {len(folders)} graph(s) logged for TensorBoard in {logdir} "
                      f"(view with: flowgraph board --logdir {logdir})", file=sys.stderr)


@contextlib.contextmanager
def _device_env(device: str | None) -> Iterator[None]:
    """$FLOWGRAPH_DEVICE set to `device` (when given) for the block; restored after."""
    if device is None:
        yield
        return
    saved = os.environ.get(ENV_DEVICE)
    os.environ[ENV_DEVICE] = device
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(ENV_DEVICE, None)
        else:
            os.environ[ENV_DEVICE] = saved


def _run(path: str, args: Sequence[str], alias: bool) -> int:
    try:
        with _patched(path, args, alias):
            _run_as_main(path)
    except SystemExit as e:
        return _exit_status(e.code)
    except KeyboardInterrupt:
        _flush()
        print("KeyboardInterrupt", file=sys.stderr)
        return 130
    except BaseException as e:  # noqa: BLE001 - every uncaught error is the script's
        _flush()
        sys.stderr.write(format_user_error(e))
        sys.stderr.flush()
        return 1
    _flush()
    return 0


def _run_as_main(path: str) -> None:
    """Run the file at `path` as `python path` does: as a fresh module `__main__`, which is
    sys.modules["__main__"] while it runs, whose __file__ is absolute (as since Python 3.9)
    while sys.argv[0] stays as given.

    multiprocessing's spawn and forkserver children import the script again from
    `__main__.__file__`; a relative one would be taken from the folder multiprocessing was
    first imported in (runpy.run_path gives the path as given, and sets sys.argv[0] to
    whatever path it gets). The code keeps the path as given for its file name, so error
    reports and "defined at" locations stay as short as the command line was. A zip
    application or a compiled file is left to runpy, as before.
    """
    filename = os.path.abspath(path)
    with io.open_code(filename) as f:
        source = f.read()
    if source[:4] == importlib.util.MAGIC_NUMBER or zipfile.is_zipfile(filename):
        runpy.run_path(path, run_name="__main__")  # a compiled file or a zip application
        return
    code = compile(source, path, "exec", dont_inherit=True)
    main = ModuleType("__main__")
    main.__file__ = filename
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", filename)
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    finally:
        sys.modules["__main__"] = saved


def _exit_status(code) -> int:
    """The process status for `sys.exit(code)`, as the Python interpreter computes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    _flush()
    print(code, file=sys.stderr)
    return 1


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


@functools.lru_cache(maxsize=None)
def _library_dirs() -> tuple[str, ...]:
    """Folders whose files are not the user's: flowgraph, the standard library, site-packages."""
    dirs = {os.path.dirname(os.path.abspath(__file__))}
    paths = sysconfig.get_paths()
    dirs.update(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths)
    with contextlib.suppress(Exception):
        dirs.update(site.getsitepackages())
    with contextlib.suppress(Exception):
        dirs.add(site.getusersitepackages())
    dirs.add(os.path.dirname(os.path.abspath(runpy.__file__)))
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs if d)


def is_user_file(filename: str) -> bool:
    """True for a file of the user's own (not flowgraph, the standard library or a package)."""
    if filename.startswith("<"):
        return False
    real = os.path.realpath(filename)
    return not real.startswith(_library_dirs())


#: What Python prints between an exception and the one raised from it, or while handling it.
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def format_user_error(exc: BaseException) -> str:
    """A concise report of an uncaught exception: the user's frames, then `Type: message`,
    after the exceptions it was raised from (`raise X from e`) or while handling, each so
    reported, as Python chains them.

    Example of the result:
        Traceback (most recent call last; your code only):
          File "train.py", line 12, in <module>
            sess.run(y)
        InvalidArgumentError: You must feed a value for placeholder tensor 'x' ...
    """
    return "".join(_format_one(e) + joiner for e, joiner in _chain(exc))


def _chain(exc: BaseException) -> list:
    """(exception, the line Python prints after it) for `exc` and the exceptions before it,
    oldest first: `__cause__`, else `__context__` unless suppressed (`raise X from None`)."""
    links, seen = [(exc, "")], {id(exc)}
    while True:
        if exc.__cause__ is not None:
            exc, joiner = exc.__cause__, _CAUSE
        elif exc.__context__ is not None and not exc.__suppress_context__:
            exc, joiner = exc.__context__, _CONTEXT
        else:
            break
        if id(exc) in seen:  # a cycle (an exception re-raised while handling itself)
            break
        seen.add(id(exc))
        links.append((exc, joiner))
    return links[::-1]


def _format_one(exc: BaseException) -> str:
    """One exception's report: its user frames, if any, then `Type: message` and notes."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_user_file(f.filename)]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last; your code only):\n")
        lines.extend(traceback.format_list(frames))
    if isinstance(exc, SyntaxError):
        lines.extend(traceback.format_exception_only(type(exc), exc))
    else:
        message = str(exc)
        lines.append(f"{type(exc).__name__}: {message}\n" if message
                     else f"{type(exc).__name__}\n")
        lines.extend(f"{note}\n" for note in getattr(exc, "__notes__", None) or ())
    return "".join(lines)


def script_graph(path: str, args: Sequence[str] = ()) -> tuple[Graph, int]:
    """Run the script at `path` as `flowgraph run` does (flowgraph importable as tensorflow)
    and return (its graph, its exit status).

    The graph is that of the last session the script created, else the default graph; a
    script that fails part-way still gives the graph built until then.
    """
    graphs = []

    def hook(session, event):
        if event == "created":
            graphs.append(session.graph)

    SESSION_HOOKS.append(hook)
    try:
        status = run_script(path, args)
    finally:
        SESSION_HOOKS.remove(hook)
    return (graphs[-1] if graphs else get_default_graph()), status


def render_script(script, path, args=(), **options) -> tuple[str, int]:
    """Run `script` whole, as `flowgraph run` does, and draw the graph it built into `path`.

    Returns (the path written, the script's exit status); see `viz.render` for the options.
    """
    graph, status = script_graph(script, args)
    if not graph.get_operations():
        raise ValueError(f"{script} built no graph to draw (it exited with status {status})")
    return viz.render(graph, path, **options), status
