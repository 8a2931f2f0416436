"""Variables and the ops that read and write them."""
from __future__ import annotations

from .. import dtypes, registry
from ..default_session import session_for
from ..errors import InvalidArgumentError
from ..graph import GraphKeys, get_default_graph, user_location
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from ..tensor import Tensor, dtype_text
from .control_flow_ops import group
from .core import convert_to_tensor, make, make_op
from .math_ops import install_operators


# --- ops ------------------------------------------------------------------------------------
def _variable_kernel(op, runtime):
    return runtime.variable_reader(op)


register(OpDef("VariableV2", infer=lambda inputs, attrs: [(attrs["dtype"], attrs["shape"])],
               kernel=_variable_kernel, grad=NOT_DIFFERENTIABLE, stateful=True,
               role="variable",
               tf_attrs=lambda op: {"container": "", "dtype": op.attrs["dtype"],
                                    "shape": op.attrs["shape"], "shared_name": ""}))


def _assign_infer(inputs, attrs):
    ref, value = inputs
    if ref.op.type != "VariableV2":
        raise TypeError(f"the first input of an assign must be a variable, got {ref.describe()}")
    if value.dtype is not ref.dtype:
        raise TypeError(f"cannot assign a {value.dtype.name} value {value.describe()} to "
                        f"{ref.dtype.name} variable '{ref.op.name}'")
    if attrs.get("validate_shape", True) and not ref.shape.is_compatible_with(value.shape):
        raise ValueError(f"Shapes {fmt(ref.shape)} (variable '{ref.op.name}') and "
                         f"{fmt(value.shape)} (value) are incompatible")
    return [(ref.dtype, value.shape if attrs.get("validate_shape", True) is False else
             ref.shape.merge_with(value.shape))]


def _shape_checker(op):
    expected = op.inputs[0].shape
    if not op.attrs.get("validate_shape", True) or not expected.is_fully_defined():
        return lambda v: None
    want = tuple(expected.dims)

    def check(value):
        if value.shape != want:
            raise InvalidArgumentError(
                None, op, f"Assign requires shapes of both tensors to match: variable "
                          f"'{op.inputs[0].op.name}' has shape {fmt(want)}, value has shape "
                          f"{fmt(value.shape)}")
    return check


def _assign_kernel(op, runtime):
    write, xp = runtime.variable_writer(op.inputs[0].op), runtime.xp
    lock = runtime.update_lock([op.inputs[0].op])  # never lands inside another update
    check = _shape_checker(op)
    # A value that may be someone else's array (a feed, a view of one) is copied; a fill's or
    # a random draw's new array is kept as it is, so a large variable is never held twice.
    # (Values are replaced, never changed in place, so even a shared folded constant is safe.)
    copy = not registry.get(op.inputs[1].op.type).fresh_output

    def assign(value):
        check(value)
        if copy:
            value = xp.array(value, copy=True)
        with lock:
            return write(value)
    return assign


def _update_kernel(fn):
    def kernel(op, runtime):
        read = runtime.variable_reader(op.inputs[0].op)
        write = runtime.variable_writer(op.inputs[0].op)
        lock = runtime.update_lock([op.inputs[0].op])  # read-modify-write as one step
        check = _shape_checker(op)

        def update(*args):
            with lock:
                new = fn(read(), *args)
                check(new)
                return write(new)
        return update
    return kernel


register(OpDef("Assign", infer=_assign_infer, kernel=_assign_kernel, grad=NOT_DIFFERENTIABLE,
               stateful=True, ref_inputs=(0,)))
register(OpDef("AssignAdd", infer=_assign_infer, kernel=_update_kernel(lambda v, d: v + d),
               grad=NOT_DIFFERENTIABLE, stateful=True, ref_inputs=(0,)))
register(OpDef("AssignSub", infer=_assign_infer, kernel=_update_kernel(lambda v, d: v - d),
               grad=NOT_DIFFERENTIABLE, stateful=True, ref_inputs=(0,)))


def _is_initialized_kernel(op, runtime):
    store, var, xp = runtime.variables, op.inputs[0].op, runtime.xp
    return lambda: xp.asarray(var in store)


register(OpDef("IsVariableInitialized", infer=lambda inputs, attrs: [(dtypes.bool_, TensorShape([]))],
               kernel=_is_initialized_kernel, grad=NOT_DIFFERENTIABLE, stateful=True,
               ref_inputs=(0,)))


def is_variable_initialized(variable, name=None):
    """A scalar bool op: whether `variable` has a value in the session that runs it.
    Example: `sess.run(tf.is_variable_initialized(v))` is False until v's initializer ran."""
    return make("IsVariableInitialized", [_ref(variable, "is_variable_initialized")],
                name=name or "IsVariableInitialized")


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Write `value` into variable `ref`; the op's output is the new value.

    Assigning also initializes: a variable need not be initialized before its first assign.
    """
    var = _ref(ref, "assign")
    value = convert_to_tensor(value, dtype=var.dtype)
    return make("Assign", [var, value], name=name or "Assign",
                validate_shape=validate_shape is not False)


def assign_add(ref, value, use_locking=None, name=None):
    """ref += value; the output is the new value."""
    var = _ref(ref, "assign_add")
    return make("AssignAdd", [var, convert_to_tensor(value, dtype=var.dtype)], name=name or "AssignAdd")


def assign_sub(ref, value, use_locking=None, name=None):
    """ref -= value; the output is the new value."""
    var = _ref(ref, "assign_sub")
    return make("AssignSub", [var, convert_to_tensor(value, dtype=var.dtype)], name=name or "AssignSub")


def _ref(ref, what):
    t = ref._as_graph_element() if isinstance(ref, Variable) else ref
    if not isinstance(t, Tensor) or t.op.type != "VariableV2":
        raise TypeError(f"{what} needs a Variable as its first argument, got {ref!r} "
                        f"({user_location()})")
    return t


# --- the Variable object ----------------------------------------------------------------
class Variable:
    """A TF1 variable: a value that lives in each session and persists across runs.

    Example:
        v = tf.Variable(tf.zeros([2, 3]), name="W")
        sess.run(tf.global_variables_initializer())
    """

    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, initial_value=None, trainable=True, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, shape=None, **unused):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        g = get_default_graph()
        with g.name_scope(name or "Variable") as scope:
            with g.control_dependencies(None), g.name_scope("Initializer"):
                value = initial_value() if callable(initial_value) else initial_value
                init = convert_to_tensor(value, dtype=dtypes.as_dtype(dtype) if dtype else None,
                                         name="initial_value")
            var_shape = init.shape if validate_shape else TensorShape(None)
            if shape is not None:
                var_shape = TensorShape(shape)
            self._variable = make("VariableV2", [], name=scope, dtype=init.dtype, shape=var_shape)
            self._initial_value = init
            self._initializer_op = make_op("Assign", [self._variable, init], name="Assign",
                                           validate_shape=bool(validate_shape))
        self._trainable = trainable
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        g.add_to_collections(collections, self)

    # graph identity
    def _as_graph_element(self):
        return self._variable

    def value(self):
        """The tensor that reads this variable."""
        return self._variable

    def read_value(self):
        """A new op that reads the variable, so it picks up the control dependencies around
        the call (TF1 makes an Identity named "read" here, unlike `value()`)."""
        return make("Identity", [self._variable], name="read")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    @property
    def name(self):
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._variable.graph

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    @property
    def device(self):
        return ""

    @property
    def trainable(self):
        return self._trainable

    @property
    def initializer(self):
        """The op that sets the variable to its initial value."""
        return self._initializer_op

    @property
    def initial_value(self):
        return self._initial_value

    def initialized_value(self):
        return self._initial_value

    def assign(self, value, use_locking=False, name=None, read_value=True):
        return assign(self, value, name=name)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return assign_add(self, delta, name=name)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return assign_sub(self, delta, name=name)

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def load(self, value, session=None):
        """Write `value` into the variable in `session` (default: the default session)."""
        session_for(session, self._variable).load_variable(self, value)

    def set_shape(self, shape):
        self._variable.set_shape(shape)

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={dtype_text(self._variable)}>"

    def __bool__(self):
        return self._variable.__bool__()

    def __iter__(self):
        return self._variable.__iter__()


install_operators(Variable)


def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that initializes every variable in `var_list`."""
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    """One op that initializes every global variable created so far."""
    return variables_initializer(global_variables())


initialize_all_variables = global_variables_initializer
initialize_variables = variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_local")

