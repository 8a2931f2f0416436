"""`variable_scope` and `get_variable`: variables shared by name, TF1's way.

Each graph has a variable store (full name -> Variable made by get_variable) and a current
variable scope. `get_variable("W")` inside `variable_scope("layer")` makes or finds
"layer/W"; whether it may make or must find is the scope's `reuse` (None/False: make, and a
name in use is an error; True: find, and a missing name is an error; AUTO_REUSE: either).
Name scopes (`tf.name_scope`) do not affect variable names; `variable_scope` also opens a name
scope for the ops made inside it, as TF1 does.

Example:
    with tf.variable_scope("layer"):
        W = tf.get_variable("W", [3, 2])
    with tf.variable_scope("layer", reuse=True):
        assert tf.get_variable("W") is W
"""
from __future__ import annotations

import contextlib
import enum
import inspect
import weakref

from . import dtypes
from .graph import GraphKeys, _VALID_NAME, get_default_graph, user_location
from .initializers import glorot_uniform_initializer, zeros_initializer
from .ops.state_ops import Variable
from .shapes import TensorShape, fmt


class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


#: reuse=AUTO_REUSE: get_variable makes a variable when missing and returns it when present.
AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    """A variable scope: its name, reuse mode, default initializer and dtype."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None, dtype=dtypes.float32,
                 name_scope=""):
        self._reuse = reuse
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._dtype = dtypes.as_dtype(dtype)
        self._name_scope = name_scope

    @property
    def name(self):
        return self._name

    @property
    def original_name_scope(self):
        """The name scope ("layer/") opened when this scope was first entered."""
        return self._name_scope

    @property
    def reuse(self):
        return self._reuse

    @property
    def initializer(self):
        return self._initializer

    @property
    def regularizer(self):
        return self._regularizer

    @property
    def dtype(self):
        return self._dtype

    def reuse_variables(self):
        """From now on, get_variable in this scope finds variables instead of making them."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_dtype(self, dtype):
        self._dtype = dtypes.as_dtype(dtype)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     validate_shape=True, **unused):
        full = self._name + "/" + name if self._name else name
        if reuse is None or reuse is False:
            reuse = self._reuse
        g = get_default_graph()
        with g.name_scope(""):  # variable names ignore name scopes
            return var_store.get_variable(
                full, shape=shape, dtype=dtype if dtype is not None else self._dtype,
                dtype_given=dtype is not None,
                initializer=initializer if initializer is not None else self._initializer,
                regularizer=regularizer if regularizer is not None else self._regularizer,
                reuse=reuse,
                trainable=True if trainable is None else trainable, collections=collections,
                validate_shape=validate_shape)

    def __repr__(self):
        return f"<VariableScope '{self._name}' reuse={self._reuse}>"


class _VariableStore:
    """One graph's variables made by get_variable, its current scope, and scope-name counts."""

    def __init__(self):
        self.vars: dict = {}
        self.current = VariableScope(False)
        self.scope_counts: dict = {}

    def open_scope(self, name):
        self.scope_counts[name] = self.scope_counts.get(name, 0) + 1

    def close_subscopes(self, name):
        # Leaving a scope restarts default-name numbering inside it, so re-entering it with
        # reuse=True finds "dense", "dense_1", ... again.
        for k in self.scope_counts:
            if k.startswith(name + "/"):
                self.scope_counts[k] = 0

    def unique_scope(self, prefix):
        base = self.current.name + "/" + prefix if self.current.name else prefix
        if not self.scope_counts.get(base):
            return prefix
        i = 1
        while self.scope_counts.get(f"{base}_{i}"):
            i += 1
        return f"{prefix}_{i}"

    def get_variable(self, name, shape, dtype, dtype_given, initializer, regularizer, reuse,
                     trainable, collections, validate_shape):
        dtype = dtypes.as_dtype(dtype)
        shape = TensorShape(shape) if shape is not None else None
        from_value = initializer is not None and not callable(initializer)
        if from_value and shape is not None:
            raise ValueError(f"If initializer is a constant, do not specify shape (variable "
                             f"{name}, {user_location()}).")
        found = self.vars.get(name)
        if found is not None:
            if reuse is not True and reuse is not AUTO_REUSE:
                raise ValueError(
                    f"Variable {name} already exists, disallowed. Did you mean to set reuse=True "
                    f"or reuse=tf.AUTO_REUSE in VarScope? Originally defined at:\n\n  "
                    f"{found.op.location}\n\nand requested again at {user_location()}")
            if shape is not None and not shape.is_compatible_with(found.shape):
                raise ValueError(f"Trying to share variable {name}, but specified shape "
                                 f"{fmt(shape)} and found shape {fmt(found.shape)}.")
            if dtype_given and dtype is not found.dtype:
                raise ValueError(f"Trying to share variable {name}, but specified dtype "
                                 f"{dtype.name} and found dtype {found.dtype.name}.")
            return found
        if reuse is True:
            raise ValueError(f"Variable {name} does not exist, or was not created with "
                             f"tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             f"VarScope? ({user_location()})")
        if from_value:
            init_val, var_dtype = initializer, dtype if dtype_given else None
        else:
            if shape is None or not shape.is_fully_defined():
                raise ValueError(f"Shape of a new variable ({name}) must be fully defined, but "
                                 f"instead was {fmt(shape) if shape else shape}.")
            init = _default_initializer(name, dtype) if initializer is None else initializer
            if inspect.isclass(init):
                init = init()
            init_val, var_dtype = _initial_value(init, shape.as_list(), dtype), dtype
        v = Variable(initial_value=init_val, name=name, trainable=trainable,
                     collections=collections, validate_shape=validate_shape, dtype=var_dtype)
        self.vars[name] = v
        if regularizer is not None:
            with get_default_graph().name_scope(name + "/Regularizer/"):
                loss = regularizer(v)
            if loss is not None:
                get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v


def _default_initializer(name, dtype):
    if dtype.is_floating:
        return glorot_uniform_initializer()
    if dtype.is_integer or dtype is dtypes.bool_:
        return zeros_initializer()
    raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")


def _initial_value(init, dims, dtype):
    try:
        params = inspect.signature(init).parameters
        takes_partition = "partition_info" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):
        takes_partition = True
    if takes_partition:
        return lambda: init(dims, dtype=dtype, partition_info=None)
    return lambda: init(dims, dtype=dtype)


_STORES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _store(graph=None) -> _VariableStore:
    g = graph if graph is not None else get_default_graph()
    store = _STORES.get(g)
    if store is None:
        store = _STORES[g] = _VariableStore()
    return store


def get_variable_scope() -> VariableScope:
    """The current variable scope (the root scope has name "")."""
    return _store().current


def _check_reuse(reuse):
    if reuse is False:
        return None  # TF1: False means "inherit", like None
    if reuse not in (None, True, AUTO_REUSE):
        raise ValueError("The reuse parameter must be True or False or None.")
    return reuse


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Open a variable scope (and a name scope of the same name); yields the VariableScope.

    name_or_scope: a name (relative to the current scope) or a VariableScope (re-entered as
    it was). default_name: used, made unique ("dense", "dense_1", ...), when name_or_scope is
    None. reuse: None (inherit), True, or tf.AUTO_REUSE; reuse is inherited by sub-scopes.
    initializer, regularizer, dtype: defaults for get_variable inside.
    """
    if name_or_scope is None and default_name is None:
        raise TypeError("If default_name is None then name_or_scope is required")
    reuse = _check_reuse(reuse)
    g = get_default_graph()
    if values:
        for v in values:
            graph = getattr(v, "graph", None)
            if graph is not None:
                g = graph
                break
    with g.as_default():
        store = _store(g)
        old = store.current
        if isinstance(name_or_scope, VariableScope):
            name = name_or_scope.name
            new_reuse = reuse if reuse else name_or_scope.reuse
            parent = name_or_scope
            ns = name_or_scope.original_name_scope or (name + "/" if name else "")
        else:
            if name_or_scope is not None:
                if not isinstance(name_or_scope, str):
                    raise TypeError(f"VariableScope: name_or_scope must be a string or "
                                    f"VariableScope, got {name_or_scope!r}")
                if name_or_scope and not _VALID_NAME.match(name_or_scope):
                    raise ValueError(f"'{name_or_scope}' is not a valid scope name")
                relative = ns = name_or_scope
            else:
                if reuse is True:
                    raise ValueError("reuse=True cannot be used without a name_or_scope")
                ns = default_name
                relative = store.unique_scope(default_name)
            name = old.name + "/" + relative if old.name else relative
            new_reuse = reuse or old.reuse
            parent = old
        name_ctx = g.name_scope(ns) if auxiliary_name_scope else contextlib.nullcontext(
            g.get_name_scope() + "/" if g.get_name_scope() else "")
        with name_ctx as opened:
            scope = VariableScope(
                new_reuse, name, initializer if initializer is not None else parent.initializer,
                regularizer if regularizer is not None else parent.regularizer,
                dtype if dtype is not None else parent.dtype,
                opened if not isinstance(name_or_scope, VariableScope) else ns)
            store.open_scope(name)
            store.current = scope
            try:
                yield scope
            finally:
                store.current = old
                store.close_subscopes(name)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Make, or with reuse find, the variable `<current variable scope>/name`.

    shape and dtype (default: the scope's, float32) are needed to make one unless initializer
    is a value or tensor. initializer: a callable (shape, dtype, partition_info) -> Tensor; the
    default is the scope's, else glorot_uniform for floats and zeros for ints.

    Example:
        with tf.variable_scope("dense"):
            W = tf.get_variable("kernel", [4, 3], initializer=tf.zeros_initializer())
    """
    return get_variable_scope().get_variable(
        _store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections,
        validate_shape=validate_shape)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, validate_shape=True, **unused):
    """get_variable for a local (not saved, not trained) variable."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape, dtype, initializer, regularizer, trainable=False,
                        collections=collections, validate_shape=validate_shape)
