"""Import aliases: while a TF1 script runs under `flowgraph run`, `tensorflow` (and its
compat, contrib and tutorial modules) is flowgraph, `keras` and `tensorflow.keras` are
flowgraph.keras, and Python processes the script starts get the same aliases through a
`sitecustomize` module put first on $PYTHONPATH (`child_aliases`).

Also the one compatibility shim of a library the documents' programs call: pandas 3 removed
`read_csv(delim_whitespace=True)`, which the book's Boston program uses; while a script runs,
it means `sep=r"\\s+"` again (`pandas_compat`).
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import shutil
import sys
import tempfile
from types import ModuleType
from typing import Iterator

import numpy as np

import flowgraph

from . import compat, contrib
from .datasets import mnist

#: The module names that are flowgraph while an aliased script runs. ("flowgraph.examples" is
#: where `import tensorflow.examples.tutorials.mnist.input_data as m` looks for its first step,
#: `tensorflow` being flowgraph, whose __name__ is "flowgraph".)
ALIASES = ("tensorflow", "tensorflow.compat", "tensorflow.compat.v1",
           "tensorflow.contrib", "tensorflow.contrib.layers", "tensorflow.contrib.rnn",
           "tensorflow.contrib.seq2seq", "tensorflow.examples", "tensorflow.examples.tutorials",
           "tensorflow.examples.tutorials.mnist", "tensorflow.examples.tutorials.mnist.input_data",
           "flowgraph.examples")

#: NumPy 2 prints scalars as np.float32(1.0) where TF1-era NumPy printed 1.0.
NUMPY_2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def alias_modules() -> dict[str, ModuleType]:
    """The sys.modules entries that make flowgraph importable as TensorFlow 1.x.

    TF's `examples.tutorials.mnist` packages are small stand-in modules, each holding the next
    as an attribute (`from tensorflow.examples.tutorials.mnist import input_data` reads it),
    down to `input_data`, which is `flowgraph.datasets.mnist`.
    """
    mnist_package = _stand_in("tensorflow.examples.tutorials.mnist", input_data=mnist)
    tutorials = _stand_in("tensorflow.examples.tutorials", mnist=mnist_package)
    examples = _stand_in("tensorflow.examples", tutorials=tutorials)
    return {"tensorflow": flowgraph, "tensorflow.compat": compat,
            "tensorflow.compat.v1": flowgraph, "tensorflow.contrib": contrib,
            "tensorflow.contrib.layers": contrib.layers, "tensorflow.contrib.rnn": contrib.rnn,
            "tensorflow.contrib.seq2seq": contrib.seq2seq, "tensorflow.examples": examples,
            "tensorflow.examples.tutorials": tutorials,
            "tensorflow.examples.tutorials.mnist": mnist_package,
            "tensorflow.examples.tutorials.mnist.input_data": mnist,
            "flowgraph.examples": examples}


def _stand_in(name: str, **attributes) -> ModuleType:
    """An empty package module called `name` that holds `attributes`."""
    module = ModuleType(name, f"flowgraph's stand-in for the package {name}.")
    module.__path__ = []  # a package, so Python looks for its submodules (in sys.modules)
    module.__dict__.update(attributes)
    return module


def install_aliases(importing: str | None = None) -> None:
    """Make flowgraph importable as TensorFlow 1.x (and flowgraph.keras as Keras) in this
    process, with TF1-era NumPy printing, for good: what a Python process started by an
    aliased script runs (through the sitecustomize `child_aliases` writes) when it first
    imports `tensorflow` or `keras` (`importing`, which it then finds in sys.modules)."""
    sys.modules.update(alias_modules())
    if KERAS_FINDER not in sys.meta_path:
        sys.meta_path.insert(0, KERAS_FINDER)
    if importing is not None and keras_target(importing) is not None:
        sys.modules[importing] = importlib.import_module(keras_target(importing))
    if NUMPY_2:
        np.set_printoptions(legacy="1.25")


#: Names under which flowgraph.keras and its modules import while a script runs aliased.
KERAS_PREFIXES = ("keras", "tensorflow.keras")


def keras_target(name: str) -> str | None:
    """The flowgraph module that `name` ("keras.layers.core", "tensorflow.keras") stands for
    while a script runs aliased, or None for a name that is not Keras's."""
    for prefix in KERAS_PREFIXES:
        if name == prefix or name.startswith(prefix + "."):
            return "flowgraph.keras" + name[len(prefix):]
    return None


class _KerasAliases:
    """The import hook that makes `import keras...` (and `tensorflow.keras...`) give
    flowgraph.keras's modules, imported only when a script asks for them (Keras's 30 modules
    cost a tenth of a second that TF1 scripts without Keras need not pay). The import system
    makes a throwaway module, and exec_module puts the real one in its place in sys.modules,
    which is what the import then returns; flowgraph's own modules keep their own names."""

    def find_spec(self, name, path=None, target=None):
        real = keras_target(name)
        if real is None or importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        sys.modules[module.__name__] = importlib.import_module(keras_target(module.__name__))


KERAS_FINDER = _KerasAliases()


#: The sitecustomize module that `flowgraph run` puts on $PYTHONPATH (see `child_aliases`).
#: It imports nothing heavy: only an import of one of ALIASES imports flowgraph, so Python
#: children that never import tensorflow start as fast as before.
_CHILD_SITECUSTOMIZE = """\
# Written by `flowgraph run` (flowgraph/aliases.py): a Python process started by the script
# imports flowgraph as tensorflow, as the script does.
import importlib.machinery, importlib.util, os, sys

class _FlowgraphAliases:
    names = frozenset(%(aliases)r)

    def find_spec(self, name, path=None, target=None):
        wanted = name in self.names or name.split(".")[0] == "keras"
        if wanted and importlib.util.find_spec("flowgraph") is not None:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        # Puts flowgraph in sys.modules under every alias (and the Keras module asked for
        # under its name); the import then returns that.
        from flowgraph.aliases import install_aliases
        install_aliases(module.__name__)

sys.meta_path.insert(0, _FlowgraphAliases())

# Run the sitecustomize this one hides (a distribution's or a virtual environment's), if any.
_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.machinery.PathFinder.find_spec(
    "sitecustomize", [p for p in sys.path if os.path.abspath(p or os.curdir) != _here])
if _spec is not None and _spec.loader is not None:
    _hidden = importlib.util.module_from_spec(_spec)
    sys.modules["sitecustomize"] = _hidden
    _spec.loader.exec_module(_hidden)
"""


@contextlib.contextmanager
def child_aliases(alias: bool) -> Iterator[None]:
    """With `alias`, Python processes started in the block import flowgraph as tensorflow.

    multiprocessing's spawn and forkserver start methods (the default on macOS and Windows,
    and on Linux from Python 3.14) start a fresh interpreter that imports the script again
    as `__mp_main__`, so its `import tensorflow` must work there before any of the script's
    code runs. The one hook every fresh interpreter runs first, whatever starts it, is the
    `sitecustomize` module that `site` imports at start-up: one is written into a temporary
    folder put first on $PYTHONPATH (inherited by children, restored after the block). It
    also covers `subprocess` running `python` and ProcessPoolExecutor, where rewriting
    multiprocessing's preparation data (a `__spec__` that names a flowgraph module for the
    child to import instead of the script) would cover multiprocessing only, through its
    internals.
    """
    folder = _write_child_sitecustomize() if alias else None
    if folder is None:
        yield
        return
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([folder, *filter(None, [saved])])
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
        shutil.rmtree(folder, ignore_errors=True)


def _write_child_sitecustomize() -> str | None:
    """A new temporary folder holding the children's sitecustomize; None where none can be
    written (the script still runs; only its Python children lack the aliases)."""
    try:
        folder = tempfile.mkdtemp(prefix="flowgraph-run-")
        with open(os.path.join(folder, "sitecustomize.py"), "w", encoding="utf-8") as f:
            f.write(_CHILD_SITECUSTOMIZE % {"aliases": tuple(ALIASES)})
    except OSError:
        return None
    return folder


class _PandasCompat:
    """pandas 3 removed `read_csv(..., delim_whitespace=True)`; programs written before it
    (the book's Boston housing program) pass it. While a script runs, read_csv takes it as
    the `sep=r"\\s+"` it always meant. pandas is patched only once the script imports it (an
    import hook wraps its loading), and restored after the script."""

    def __init__(self):
        self.patched = None  # (the pandas module, its own read_csv) while patched

    def install(self):
        if "pandas" in sys.modules:
            self._patch(sys.modules["pandas"])
        elif self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def uninstall(self):
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        if self.patched is not None:
            module, original = self.patched
            module.read_csv = original
            self.patched = None

    def find_spec(self, name, path=None, target=None):
        if name != "pandas":
            return None
        sys.meta_path.remove(self)  # find the real pandas, then patch it once it has loaded
        spec = importlib.util.find_spec("pandas")
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                self._patch(module)
            spec.loader.exec_module = exec_module
        return spec

    def _patch(self, module):
        original = getattr(module, "read_csv", None)
        if original is None or self.patched is not None or not _lacks_delim_whitespace(original):
            return

        def read_csv(*args, delim_whitespace=False, **kwargs):
            if delim_whitespace:
                kwargs.setdefault("sep", r"\s+")
            return original(*args, **kwargs)
        read_csv.__doc__, read_csv.__wrapped__ = original.__doc__, original
        module.read_csv = read_csv
        self.patched = (module, original)


def _lacks_delim_whitespace(read_csv) -> bool:
    try:
        return "delim_whitespace" not in inspect.signature(read_csv).parameters
    except (TypeError, ValueError):
        return False


pandas_compat = _PandasCompat()
