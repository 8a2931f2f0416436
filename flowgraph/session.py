"""`Session`: `run`, and its caches of plans and prepared runs (a session's values live in
runtime.py, the default session in default_session.py)."""
from __future__ import annotations

import collections
import warnings

import numpy as np

from . import default_session
from .backend import get_backend
from .default_session import get_default_session  # noqa: F401
from .executor import executable
from .graph import Graph, get_default_graph, user_location
from .plan import compile_plan
from .runtime import Runtime, _as_fetch_value, _feed_converter, _Fetches
from .tensor import Tensor


def _on_device(run_plan, backend):
    """`run_plan` for a device backend: feeds copied over once, kernels run with the session's
    device current, and the stream synchronised before the run returns (as TF1's run blocks
    until its ops are done, so timings and errors belong to the run that caused them)."""
    scope, to_device, synchronize = backend.scope, backend.to_device, backend.synchronize

    def run(arrays):
        with scope():
            results = run_plan([to_device(a) for a in arrays])
            synchronize()
        return results
    return run


def _structure_key(fetches):
    """A hashable key for a fetch structure that keeps the type of every list and tuple in
    it: equal tuples of tensors in two namedtuple types (or a list and a tuple) are different
    structures and must not share a prepared run. Dicts make it unhashable (not cached)."""
    if isinstance(fetches, (list, tuple)):
        return (type(fetches),) + tuple(
            _structure_key(f) if isinstance(f, (list, tuple)) else f for f in fetches)
    return fetches


#: Callables `hook(session, event)` told of each session's "created" and "closed" events
#: (the command line uses them to log graphs without changes to the user's script).
SESSION_HOOKS: list = []


def _notify(session, event):
    for hook in list(SESSION_HOOKS):
        hook(session, event)


class Session:
    """Runs a graph. Variables live in the session: two sessions do not share values.

    device: where the whole graph runs: "cpu" (NumPy), "gpu" or "gpu:N" (CuPy on CUDA
    device N); None means $FLOWGRAPH_DEVICE, else "cpu". On a GPU, variables stay on the
    device for the session's life, feeds are copied there once per run, each run waits for
    its kernels to finish, fetched values come back as NumPy arrays exactly as on the CPU,
    and close() gives the device memory pool's free blocks back. `tf.device` scopes in the
    graph are accepted and place nothing.

    Example:
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(y, feed_dict={x: [[1.0, 2.0]]}))
    """

    def __init__(self, target="", graph=None, config=None, device=None):
        self._graph = graph if graph is not None else get_default_graph()
        self._runtime = Runtime(get_backend(device))
        self._plans: dict = {}      # (fetched elements, fed tensors) -> Plan
        self._programs: dict = {}   # the same keys -> the plan's executable
        self._prepared: dict = {}   # (fetches, feed keys) -> a run with lookups done
        self._seen_version = -1
        self._growth_sites: collections.Counter = collections.Counter()
        self._warned_growth = False
        self._converters: dict = {}
        self._closed = False
        self._default_ctx = None
        _notify(self, "created")

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def graph_def(self):
        return self._graph

    @property
    def sess_str(self):
        return ""

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Run the ops needed for `fetches` and return their values in the same structure.

        fetches: a Tensor, Operation, Variable, tensor name ("x:0") or any nesting of lists,
        tuples and dicts of those; ops give None. feed_dict maps tensors (or their names) to
        values: Python scalars and lists, NumPy arrays, pandas objects.
        """
        if self._closed:
            raise RuntimeError(f"Attempted to use a closed Session (run called at "
                               f"{user_location()}).")
        if len(self._graph._ops) != self._seen_version:
            self._note_growth()
        feed_keys = tuple(feed_dict) if feed_dict else ()
        key = (_structure_key(fetches), feed_keys)
        try:
            prepared = self._prepared.get(key)
        except TypeError:  # an unhashable fetch structure: nested lists, dicts
            key, prepared = None, None
        if prepared is None:
            prepared = self._prepare(fetches, feed_keys)
            if key is not None:
                self._prepared[key] = prepared
        return prepared(feed_dict.values() if feed_dict else ())

    GROWTH_RUNS = 10  # runs after which one line of code had added new ops, before the warning

    def _note_growth(self):
        """Warn once when ops keep being added between runs: the TF1 slowdown trap.

        Counted per line of the user's code that created the new ops, over all runs: a loop
        adding ops every step, every other step or every 100th step (a print that builds an
        op) is caught however its runs interleave, while a program that builds more of its
        graph a few times, from different lines, is not."""
        ops, seen = self._graph._ops, self._seen_version
        self._seen_version = len(ops)
        if seen < 0 or self._warned_growth:
            return
        for site in {op.location for op in ops[seen:]}:
            self._growth_sites[site] += 1
            if self._growth_sites[site] == self.GROWTH_RUNS:
                self._warned_growth = True
                warnings.warn(
                    f"The graph has grown between runs of this session {self.GROWTH_RUNS} times "
                    f"with new ops created at {site} (it now has {len(ops)} ops; the newest, "
                    f"{ops[-1].describe()}). Creating ops inside a training loop makes every "
                    f"step slower and memory grow: build the graph once before the loop, and "
                    f"call graph.finalize() to make any later op creation an error.",
                    RuntimeWarning, stacklevel=3)
                return

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function `f(*feed_values)` equal to `run(fetches, dict(zip(feed_list, values)))`,
        with the lookups done once: the fastest way to run one step many times."""
        prepared = self._prepare(fetches, tuple(feed_list or ()))

        def call(*feed_values, **unused):
            if self._closed:
                raise RuntimeError(f"Attempted to use a closed Session (call at "
                                   f"{user_location()}).")
            return prepared(feed_values)
        return call

    def _compiled(self, elements, fed):
        """(plan, executable) for (fetched elements, fed tensors), compiled once."""
        key = (tuple(elements), fed)
        plan = self._plans.get(key)
        if plan is None:
            with self._runtime.backend.scope():  # constants fold and copy on the session's device
                plan = compile_plan(elements, fed, self._runtime)
                self._programs[key] = executable(plan, self._runtime)
                self._plans[key] = plan
        return plan, self._programs[key]

    def _prepare(self, fetches, feed_keys):
        """Resolve fetches and feed keys once; the result runs with just the feed values."""
        spec = _Fetches(self._graph, fetches)
        tensors = [self._feed_tensor(k) for k in feed_keys]
        fed = frozenset(tensors)
        plan, run_plan = self._compiled(spec.elements, fed)
        backend = self._runtime.backend
        # Kernels never write into their inputs, so fed arrays need guarding only from fetches.
        protect = any(isinstance(e, Tensor) for e in spec.elements)
        convs = [self._converter(t, protect) for t in tensors]
        last = {t: i for i, t in enumerate(tensors)}  # a tensor fed twice: the last value wins
        perm = [last[t] for t, _ in plan.feed_slots]
        structure = spec.structure
        to_host = None if backend.is_host else backend.to_host
        if not backend.is_host:
            run_plan = _on_device(run_plan, backend)

        def finish(value):
            if value is None:
                return None
            if to_host is not None:
                value = to_host(value)
            return _as_fetch_value(value)

        def prepared(values):
            if convs:
                arrays = [c(v) for c, v in zip(convs, values)]
                results = run_plan([arrays[i] for i in perm])
            else:
                results = run_plan(())
            if type(structure) is int:
                return finish(results[structure])
            return spec.rebuild([finish(r) for r in results])
        return prepared

    def _feed_tensor(self, key):
        try:
            return self._graph.as_graph_element(key, allow_operation=False)
        except (KeyError, ValueError) as e:
            raise ValueError(f"Cannot interpret feed_dict key as Tensor: {e}") from None
        except TypeError:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {key!r} is a "
                            f"{type(key).__name__}") from None

    def _converter(self, t, protect=True):
        conv = self._converters.get((t, protect))
        if conv is None:
            conv = self._converters[(t, protect)] = _feed_converter(t, protect)
        return conv

    def load_variable(self, variable, value):
        op = variable.op
        arr = _feed_converter(variable._as_graph_element())(value)
        with self._runtime.backend.scope():
            self._runtime.variable_writer(op)(self._runtime.to_device(np.array(arr, copy=True)))

    def close(self):
        """Release the session's values; further runs raise RuntimeError."""
        if not self._closed:
            _notify(self, "closed")
            self._closed = True
            self._runtime.variables.clear()
            self._plans.clear()
            self._programs.clear()
            self._prepared.clear()
            self._runtime.backend.release()

    def as_default(self):
        """Make this the default session for Tensor.eval() and Operation.run()."""
        return default_session.controller(self)

    def __enter__(self):
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        ctx, self._default_ctx = self._default_ctx, None
        if ctx is not None:
            ctx.__exit__(exc_type, exc, tb)
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class InteractiveSession(Session):
    """A Session that installs itself as the default session on creation (for shells)."""

    def __init__(self, target="", graph=None, config=None, device=None):
        super().__init__(target, graph, config, device)
        self._interactive_ctx = self.as_default()
        self._interactive_ctx.__enter__()

    def close(self):
        super().close()
        ctx, self._interactive_ctx = getattr(self, "_interactive_ctx", None), None
        if ctx is not None:
            try:
                ctx.__exit__(None, None, None)
            except ValueError:
                pass
