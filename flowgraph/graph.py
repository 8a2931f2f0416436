"""`Graph`: the op list, names in use, the name-scope stack, collections; the default graph."""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from typing import Optional

from . import registry
from .tensor import Operation, Tensor

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")


class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    SUMMARIES = "summaries"
    TRAIN_OP = "train_op"
    GLOBAL_STEP = "global_step"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"


def user_location() -> str:
    """'file:line' of the innermost frame outside the flowgraph package (the user's code)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PKG_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def as_operation(item, what: str) -> Operation:
    """The op behind an Operation, Tensor or Variable (for control inputs and groups)."""
    if hasattr(item, "_as_graph_element"):
        item = item._as_graph_element()
    if isinstance(item, Tensor):
        item = item.op
    if not isinstance(item, Operation):
        raise TypeError(f"{what} must be an Operation or Tensor, got {item!r}")
    return item


class Graph:
    """A TF1 dataflow graph. Append-only: ops are added, never changed or removed."""

    def __init__(self):
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._names_in_use: dict[str, int] = {}
        self._name_stack = ""
        self._control_deps: list[list[Operation]] = []
        self._collections: dict[str, list] = {}
        self._finalized = False
        self.seed: Optional[int] = None

    # -- names ---------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """`scope/name`, with `_1`, `_2`, ... appended when already in use."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        count = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = count + 1
        if count > 0:
            base = name
            while name.lower() in self._names_in_use:
                name = f"{base}_{count}"
                count += 1
            if mark_as_used:
                self._names_in_use[name.lower()] = 1
        return name

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Push a name scope; yields the scope's full prefix, e.g. "outer/inner/"."""
        old = self._name_stack
        if name is None or name == "":
            new = ""
        elif name.endswith("/"):
            new = name[:-1]  # an absolute scope, reused as given
        else:
            if not _VALID_NAME.match(name):
                raise ValueError(f"'{name}' is not a valid scope name")
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            self._name_stack = old

    # -- ops -----------------------------------------------------------------------------
    def create_op(self, op_type: str, inputs, attrs: Optional[dict] = None,
                  name: Optional[str] = None, control_inputs=()) -> Operation:
        """Create an op: check inputs, infer output dtypes and shapes, record the user's line."""
        if self._finalized:
            raise RuntimeError(f"Graph is finalized and cannot be modified (creating a "
                               f"{op_type} op at {user_location()}).")
        opdef = registry.get(op_type)
        attrs = attrs or {}
        inputs = tuple(inputs)
        for t in inputs:
            if t.graph is not self:
                raise ValueError(f"Tensor {t.name} must be from the same graph as the "
                                 f"{op_type} op being created ({user_location()}).")
        base = name if name else op_type
        exact = base.endswith("/")  # a scope name ("a/b/") names the op exactly, as in TF
        if not _VALID_NAME.match(base[:-1] if exact else base):
            raise ValueError(f"'{base}' is not a valid op name ({user_location()})")
        location = user_location()
        try:
            outs = opdef.infer(list(inputs), attrs)
        except (TypeError, ValueError) as e:
            label = base[:-1] if exact else self.unique_name(base, mark_as_used=False)
            raise type(e)(f"{op_type} op '{label}' (created at {location}): {e}") from None
        full = base[:-1] if exact else self.unique_name(base)
        deps = []
        for group in self._control_deps:
            for d in group:
                if d not in deps:
                    deps.append(d)
        for d in control_inputs:
            if d not in deps:
                deps.append(d)
        op = Operation(self, op_type, full, inputs, tuple(deps), attrs, outs, location,
                       len(self._ops))
        self._ops.append(op)
        self._by_name[full] = op
        return op

    def get_operations(self) -> list:
        return list(self._ops)

    @property
    def version(self) -> int:
        return len(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings, not {type(name).__name__}")
        return self.as_graph_element(name, allow_tensor=False)

    def get_tensor_by_name(self, name: str) -> Tensor:
        el = self.as_graph_element(name, allow_operation=False)
        return el

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """A Tensor or Operation of this graph, from itself, a Variable or a name."""
        if isinstance(obj, str):
            if ":" in obj:
                op_name, _, idx = obj.rpartition(":")
                op = self._by_name.get(op_name)
                if op is None or not idx.isdigit():
                    raise KeyError(f"The name '{obj}' refers to a Tensor which does not exist. "
                                   f"The operation, '{op_name}', does not exist in the graph.")
                if int(idx) >= len(op.outputs):
                    raise KeyError(f"The name '{obj}' refers to a Tensor which does not exist: "
                                   f"'{op_name}' has only {len(op.outputs)} outputs.")
                if not allow_tensor:
                    raise ValueError(f"'{obj}' names a Tensor, expected an Operation")
                return op.outputs[int(idx)]
            op = self._by_name.get(obj)
            if op is None:
                raise KeyError(f"The name '{obj}' refers to an Operation not in the graph.")
            if not allow_operation:
                raise ValueError(f"The name '{obj}' refers to an Operation, not a Tensor. "
                                 f"Tensor names must be of the form \"<op_name>:<output_index>\".")
            return op
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                loc = obj.location if isinstance(obj, Operation) else obj.op.location
                raise ValueError(f"{type(obj).__name__} {obj.name} (created at {loc}) is not an "
                                 f"element of this graph: it belongs to another Graph.")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after `control_inputs`. None clears the stack."""
        if control_inputs is None:
            saved = self._control_deps
            self._control_deps = []
            try:
                yield
            finally:
                self._control_deps = saved
            return
        ops = [as_operation(c, "Control input") for c in control_inputs]
        self._control_deps.append(ops)
        try:
            yield
        finally:
            self._control_deps.pop()

    @contextlib.contextmanager
    def device(self, device_name):
        """Accepted for TF1 compatibility: placement is per session, for the whole graph."""
        yield

    # -- collections ---------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for n in ([names] if isinstance(names, str) else names):
            self.add_to_collection(n, value)

    def get_collection(self, name, scope=None):
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        pat = re.compile(scope)
        return [i for i in items if getattr(i, "name", None) and pat.match(i.name)]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return list(self._collections)

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # -- lifecycle -----------------------------------------------------------------------
    def finalize(self):
        """Make the graph read-only: creating an op afterwards is a RuntimeError."""
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    def _unsafe_unfinalize(self):
        self._finalized = False

    def as_default(self):
        return _default_graph_stack.get_controller(self)

    # No __repr__: a Graph prints as TF1's did, `<flowgraph.graph.Graph object at 0x...>`.


class _DefaultGraphStack(threading.local):
    def __init__(self):
        self.stack: list[Graph] = []
        self.global_default: Optional[Graph] = None

    def get_default(self) -> Graph:
        if self.stack:
            return self.stack[-1]
        if self.global_default is None:
            self.global_default = Graph()
        return self.global_default

    @contextlib.contextmanager
    def get_controller(self, g: Graph):
        self.stack.append(g)
        try:
            yield g
        finally:
            self.stack.remove(g)

    def reset(self):
        if self.stack:
            raise AssertionError("Do not use reset_default_graph() inside a `with "
                                 "graph.as_default():` block.")
        self.global_default = None


_default_graph_stack = _DefaultGraphStack()


def get_default_graph() -> Graph:
    """The graph new ops go into: the innermost `as_default()` one, else the global default."""
    return _default_graph_stack.get_default()


def reset_default_graph():
    """Replace the global default graph with a new, empty one."""
    _default_graph_stack.reset()


def name_scope(name, default_name=None, values=None):
    """`with tf.name_scope("layer") as scope:`; scope is the full prefix, e.g. "net/layer/"."""
    g = get_default_graph()
    if values:
        for v in values:
            if isinstance(v, Tensor):
                g = v.graph
                break
    return g.name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name):
    return get_default_graph().device(device_name)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def get_collection(name, scope=None):
    return get_default_graph().get_collection(name, scope)


def get_collection_ref(name):
    return get_default_graph().get_collection_ref(name)


def set_random_seed(seed):
    """Set the graph-level seed: random ops then repeat their values on every program run."""
    get_default_graph().seed = seed
