"""`keras.backend` (K): the few backend functions Keras programs and flowgraph's Keras layers
use, on flowgraph's graph and one session per graph, as Keras 2.2.4's TensorFlow backend has.

The session: `get_session()` makes (once per default graph) a flowgraph Session and, each time
it is asked for, runs the initializers of the graph's variables it has not initialized yet,
so layers made at any time work without an explicit initializer run (Keras 2.2.4's
`_initialize_variables`). `clear_session()` starts a new default graph, session and layer
names (`dense_1` again).

The learning phase is a bool placeholder with default False: training runs feed True, so
Dropout and BatchNormalization behave as in training only there.
"""
from __future__ import annotations

import collections

import numpy as np

from .. import dtypes
from ..graph import get_default_graph, reset_default_graph
from ..ops.core import convert_to_tensor
from ..ops.source_ops import placeholder_with_default
from ..ops.state_ops import Variable, global_variables, is_variable_initialized
from ..session import Session

_EPSILON = 1e-7
_FLOATX = "float32"
_uids: dict = collections.defaultdict(int)   # (graph, prefix) -> last number given
_sessions: dict = {}                          # graph -> (session, set of initialized variables)
_phases: dict = {}                            # graph -> the learning-phase placeholder


def epsilon() -> float:
    """The fuzz factor of losses and optimizers (1e-7, Keras's default)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def floatx() -> str:
    """The float type of weights and inputs ("float32")."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r} (use 'float16', 'float32' or 'float64')")
    _FLOATX = value


def cast_to_floatx(x):
    """A NumPy array of `x` in floatx; object arrays of numbers are accepted (as Keras 2's
    feeds accepted them) and anything non-numeric is a clear error."""
    try:
        return np.asarray(x, dtype=_FLOATX)
    except (TypeError, ValueError) as e:
        raise ValueError(f"expected numbers convertible to {_FLOATX}, got an array of "
                         f"{np.asarray(x).dtype}: {e}") from None


def get_uid(prefix: str = "") -> int:
    """1, 2, ... per prefix and per default graph: layer names dense_1, dense_2, ..."""
    key = (get_default_graph(), prefix)
    _uids[key] += 1
    return _uids[key]


def reset_uids() -> None:
    _uids.clear()


def get_session() -> Session:
    """The session of the default graph, with every variable made so far initialized."""
    graph = get_default_graph()
    entry = _sessions.get(graph)
    if entry is None or entry[0]._closed:
        entry = _sessions[graph] = (Session(graph=graph), set())
    session, done = entry
    new = [v for v in global_variables() if v not in done]
    if new:
        with graph.as_default():
            flags = session.run([is_variable_initialized(v) for v in new])
        todo = [v for v, ready in zip(new, flags) if not ready]
        if todo:
            session.run([v.initializer for v in todo])
        done.update(new)
    return session


def set_session(session: Session) -> None:
    """Use `session` for its graph (a session the program made itself)."""
    _sessions[session.graph] = (session, set())


def clear_session() -> None:
    """Close the default graph's session and start a new default graph and layer names."""
    graph = get_default_graph()
    entry = _sessions.pop(graph, None)
    if entry is not None:
        entry[0].close()
    _phases.pop(graph, None)
    reset_default_graph()
    reset_uids()


def learning_phase():
    """The scalar bool tensor that is True while training (a placeholder, default False)."""
    graph = get_default_graph()
    phase = _phases.get(graph)
    if phase is None:
        with graph.as_default(), graph.name_scope(""), graph.control_dependencies(None):
            phase = placeholder_with_default(False, [], name="keras_learning_phase")
        _phases[graph] = phase
    return phase


def variable(value, dtype=None, name=None):
    """A variable holding `value` (in floatx unless `dtype` says otherwise)."""
    value = np.asarray(value, dtype=dtype or _FLOATX)
    return Variable(value, name=name)


def get_value(x):
    """The value of variable (or tensor) `x` in the backend session, as a NumPy array."""
    return np.asarray(get_session().run(x))


def batch_get_value(xs) -> list:
    return [np.asarray(v) for v in get_session().run(list(xs))] if xs else []


def set_value(x, value) -> None:
    """Write `value` into variable `x` (shapes must match)."""
    x.load(np.asarray(value, dtype=x.dtype.np_dtype), get_session())


def batch_set_value(pairs) -> None:
    session = get_session()
    for x, value in pairs:
        x.load(np.asarray(value, dtype=x.dtype.np_dtype), session)


def int_shape(x) -> tuple:
    """The static shape of `x` as a tuple with None for unknown lengths."""
    dims = convert_to_tensor(x).shape.dims
    return None if dims is None else tuple(dims)


def dtype(x) -> str:
    return convert_to_tensor(x).dtype.name


def count_params(x) -> int:
    return int(np.prod(int_shape(x)))


def is_float(name: str) -> bool:
    return dtypes.as_dtype(name).is_floating
