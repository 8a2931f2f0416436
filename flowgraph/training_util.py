"""The global step (`train.get_or_create_global_step`) and learning-rate schedules
(`train.exponential_decay`)."""
from __future__ import annotations

from . import dtypes
from .graph import GraphKeys, get_default_graph, name_scope
from .initializers import zeros_initializer
from .ops.core import convert_to_tensor
from .ops.math_ops import cast, floor, multiply, pow, truediv
from .variable_scopes import get_variable


def get_global_step(graph=None):
    """The global step variable of `graph` (default graph), or None.

    Looks in the GLOBAL_STEP collection, then for a tensor named "global_step:0".
    """
    g = graph if graph is not None else get_default_graph()
    found = g.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise TypeError(f"Multiple tensors in global_step collection: "
                        f"{[getattr(v, 'name', v) for v in found]}")
    try:
        return g.get_tensor_by_name("global_step:0")
    except KeyError:
        return None


def create_global_step(graph=None):
    """Make the int64 scalar variable "global_step" (starting at 0, not trainable).

    Raises ValueError when the graph already has one.
    """
    g = graph if graph is not None else get_default_graph()
    if get_global_step(g) is not None:
        raise ValueError('"global_step" already exists.')
    with g.as_default(), g.name_scope(""):
        return get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64,
                            initializer=zeros_initializer(), trainable=False,
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The graph's global step variable, made first if missing.

    Example:
        step = tf.train.get_or_create_global_step()
        train_op = opt.minimize(loss, global_step=step)   # each run adds 1
    """
    g = graph if graph is not None else get_default_graph()
    found = get_global_step(g)
    return found if found is not None else create_global_step(g)


def global_step(sess, global_step_tensor):
    """The global step's current value in `sess`, as a Python int."""
    return int(sess.run(global_step_tensor))


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps), as a tensor.

    With staircase=True the exponent is floored, so the rate drops every decay_steps steps.
    Example:
        lr = tf.train.exponential_decay(0.1, step, decay_steps=100, decay_rate=0.96)
    """
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    with name_scope(name, "ExponentialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        if not lr.dtype.is_floating:
            lr = cast(lr, dtypes.float32)
        dtype = lr.dtype
        p = truediv(cast(global_step, dtype), cast(decay_steps, dtype))
        if staircase:
            p = floor(p)
        return multiply(lr, pow(cast(decay_rate, dtype), p), name=scope[:-1] + "/")
