"""What a session's values are: where variables and random generators live (`Runtime`), how
fed values become checked arrays, and how fetched values go back to the user."""
from __future__ import annotations

import collections
import functools
import threading

import numpy as np

from .errors import FailedPreconditionError, op_error
from .graph import Graph, user_location
from .ops.core import as_array
from .shapes import fmt
from .tensor import Operation, Tensor


class FetchedArray(np.ndarray):
    """A fetched array: a real ndarray whose one-element parts also convert to Python numbers.

    TF1-era code formats such values with "%.4f" % b, "%.4f" % a[0] or "%d" % x[:, 0], and
    calls float() on them; NumPy >= 2 refuses float() of any array with ndim > 0. Indexing and
    slicing a FetchedArray give FetchedArray views (NumPy keeps the subclass), so whatever has
    one element converts, wherever it came from; anything larger refuses as NumPy does. The
    results of arithmetic are plain ndarrays (or NumPy scalars) again, at NumPy's full speed,
    except one-element results, which stay convertible ("%6.2f" % (p * 100)).
    """

    def __float__(self):
        return float(self.reshape(-1)[0]) if self.size == 1 else super().__float__()

    def __int__(self):
        return int(self.reshape(-1)[0]) if self.size == 1 else super().__int__()

    def __complex__(self):
        return complex(self.reshape(-1)[0]) if self.size == 1 else super().__complex__()

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # Results of arithmetic on a fetched value are plain arrays (or NumPy scalars) again,
        # except results of one element, which stay convertible: "%.2f" % (prob * 100).
        out = array.view(np.ndarray) if isinstance(array, np.ndarray) else np.asarray(array)
        if return_scalar and out.ndim == 0:
            return out[()]
        return out.view(FetchedArray) if out.size == 1 and out.ndim else out

    def __repr__(self):
        return repr(self.view(np.ndarray))  # prints as array([...]), like any fetched value

    def __str__(self):
        return str(self.view(np.ndarray))

    def __reduce__(self):
        return self.view(np.ndarray).__reduce__()  # pickles as a plain ndarray


def _as_fetch_value(value):
    """A run's value as the user gets it: a NumPy scalar for a 0-d array, else a FetchedArray
    (a private copy where the session's own array is read-only)."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value[()]
        if not value.flags.writeable:
            value = value.copy()  # constants and variable values are never handed out
        return value.view(FetchedArray)
    return value


class Runtime:
    """A session's state: the backend, variable values and random generators."""

    def __init__(self, backend):
        self.backend = backend
        self.xp = backend.xp
        self.to_device = backend.to_device
        self.variables: dict = {}
        self._rngs: dict = {}
        self._locks: dict = {}
        self._locks_guard = threading.Lock()

    def update_lock(self, ops):
        """The lock an op updating the variables `ops` holds from reading their values to
        writing the new ones, so concurrent runs (TF1 programs run input and evaluation
        threads beside training) never lose an update: a `threading.Lock` for one variable,
        for several their locks taken in one fixed order (by name), so two updates of
        overlapping variables cannot deadlock."""
        locks = [self._lock(op) for op in sorted(ops, key=lambda op: op.name)]
        return locks[0] if len(locks) == 1 else _Locks(locks)

    def _lock(self, op):
        with self._locks_guard:
            return self._locks.setdefault(op, threading.Lock())

    def variable_reader(self, op):
        store = self.variables

        def read():
            try:
                return store[op]
            except KeyError:
                raise op_error(FailedPreconditionError, op,
                               f"Attempting to use uninitialized value {op.name}: run its "
                               f"initializer first, e.g. sess.run(tf.global_variables_initializer())"
                               ) from None
        return read

    def variable_writer(self, op):
        store = self.variables

        def write(value):
            if isinstance(value, np.ndarray):
                value.flags.writeable = False  # values are replaced, never changed in place
            store[op] = value
            return value
        return write

    def rng(self, op):
        """The random generator of a random op in this session (seeded per TF1's rules)."""
        if op not in self._rngs:
            s1, s2 = op.attrs.get("seed"), op.attrs.get("seed2")
            seq = np.random.SeedSequence(None if s1 is None else [s1 & 0xFFFFFFFF, s2 & 0xFFFFFFFF])
            self._rngs[op] = np.random.Generator(np.random.PCG64(seq))
        return self._rngs[op]


class _Locks:
    """Several locks taken as one, in the given order, released in reverse."""

    def __init__(self, locks):
        self.locks = locks

    def __enter__(self):
        for lock in self.locks:
            lock.acquire()

    def __exit__(self, *exc):
        for lock in reversed(self.locks):
            lock.release()


def _feed_converter(t: Tensor, protect: bool = True):
    """A function turning a fed value into an array of t's dtype, checked against t's shape."""
    np_dtype = t.dtype.np_dtype
    static = t.shape.dims
    label = f"Tensor '{t.name}'"

    def where():
        return f"\n  [[node {t.op.describe()}]]"

    rank = None if static is None else len(static)
    known = () if static is None else tuple((i, d) for i, d in enumerate(static) if d is not None)

    def convert(value):
        kind = type(value)
        if (kind is np.ndarray or kind is FetchedArray) and value.dtype == np_dtype:
            # the common cases, a NumPy array or a fetched value fed back: no conversion, no copy
            arr = value if kind is np.ndarray else value.view(np.ndarray)
        # (looked up on the type: pandas objects answer unknown attributes slowly)
        elif hasattr(type(value), "_as_graph_element") or isinstance(value, (Tensor, Operation)):
            raise TypeError(f"The value of a feed cannot be a tf.Tensor object (feeding {label}). "
                            f"Acceptable feed values include Python scalars, strings, lists, "
                            f"numpy ndarrays, or TensorHandles.{where()}")
        else:
            try:
                arr = as_array(value, t.dtype, f"Cannot feed a value to {label}")
            except (TypeError, ValueError) as e:
                raise ValueError(f"{e} (the tensor has dtype {t.dtype.name} and shape "
                                 f"{fmt(t.shape)}){where()}") from None
        if rank is not None:
            shp = arr.shape
            bad = len(shp) != rank
            for i, d in known:
                if bad or shp[i] != d:
                    bad = True
                    break
            if bad:
                raise ValueError(f"Cannot feed value of shape {fmt(shp)} for {label}, which has "
                                 f"shape {fmt(t.shape)}{where()}")
        if protect:
            # A read-only view: no fetched result may alias (and let change) the caller's data.
            arr = arr.view(np.ndarray)
            arr.flags.writeable = False
        return arr
    return convert


class _Fetches:
    """Flattens any nesting of lists, tuples, dicts and namedtuples of fetches, and rebuilds it."""

    def __init__(self, graph: Graph, fetches):
        self.elements: list = []
        self._index: dict = {}
        self.structure = self._flatten(graph, fetches)

    def _flatten(self, graph, f):
        if isinstance(f, (list, tuple)):
            return (type(f), [self._flatten(graph, x) for x in f])
        if isinstance(f, dict):
            kind = type(f)
            if isinstance(f, collections.defaultdict):  # rebuilt with the same default_factory
                kind = functools.partial(kind, f.default_factory)
            return (kind, {k: self._flatten(graph, v) for k, v in f.items()})
        if f is None:
            raise TypeError(f"Fetch argument None has invalid type <class 'NoneType'> (in the "
                            f"run called at {user_location()})")
        try:
            el = graph.as_graph_element(f)
        except TypeError as e:
            raise TypeError(f"Fetch argument {f!r} has invalid type {type(f)}, must be a string "
                            f"or Tensor. ({e}) (in the run called at {user_location()})") from None
        except (KeyError, ValueError) as e:
            reason = e.args[0] if isinstance(e, KeyError) and e.args else e
            raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. ({reason}) "
                             f"(in the run called at {user_location()})") from None
        if el not in self._index:
            self._index[el] = len(self.elements)
            self.elements.append(el)
        return self._index[el]

    def rebuild(self, values, node=None):
        node = self.structure if node is None else node
        if isinstance(node, int):
            return values[node]
        kind, items = node
        if isinstance(items, dict):
            return kind((k, self.rebuild(values, v)) for k, v in items.items())
        out = [self.rebuild(values, x) for x in items]
        if kind is list:
            return out
        if hasattr(kind, "_fields"):
            return kind(*out)
        return kind(out)
