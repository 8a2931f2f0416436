"""`Operation` and `Tensor`: the records a graph is made of, and Tensor's operators.

They print as TensorFlow 1.x printed its own: `print(t)` gives `Tensor("x:0", shape=(?, 3),
dtype=float32)`, `repr(t)` `<tf.Tensor 'x:0' shape=(?, 3) dtype=float32>`, `print(op)` the
op's NodeDef in protobuf text format, `repr(op)` `<tf.Operation 'x' type=Placeholder>`.
"""
from __future__ import annotations

from . import registry
from .default_session import session_for
from .shapes import TensorShape, fmt


class Operation:
    """One node: its type, full name, input tensors, control inputs, attrs and outputs.

    Records are fixed once made; `location` is the user's `file:line` that created it.
    """

    __slots__ = ("graph", "type", "name", "inputs", "control_inputs", "attrs", "outputs",
                 "location", "_id", "__weakref__")

    def __init__(self, graph, op_type, name, inputs, control_inputs, attrs, outs, location,
                 op_id):
        self.graph = graph
        self.type = op_type
        self.name = name
        self.inputs = inputs
        self.control_inputs = control_inputs
        self.attrs = attrs
        self.location = location
        self._id = op_id
        self.outputs = tuple(Tensor(self, i, dt, TensorShape(sh)) for i, (dt, sh) in enumerate(outs))

    @property
    def node_def(self):
        return self

    @property
    def device(self):
        return ""

    def get_attr(self, name):
        return self.attrs[name]

    def run(self, feed_dict=None, session=None):
        """Run this op in `session` (default: the default session)."""
        session_for(session, self).run(self, feed_dict=feed_dict)

    def describe(self) -> str:
        """"'name' (Type) defined at file:line" for error messages."""
        return f"'{self.name}' ({self.type}) defined at {self.location}"

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"

    def __str__(self):
        """The op's NodeDef in protobuf text format (name, op, input and attr blocks), as
        TF1's `print(op)` shows it."""
        from .export.graphdef import node_def_text  # a real cycle: graphdef -> graph -> tensor
        try:
            return node_def_text(self)
        except ImportError:  # no protobuf classes (tensorboardX is missing): the short form
            return repr(self)


class Tensor:
    """One output of an Operation: `name` is `op_name:index`; `shape` may hold None dims."""

    __slots__ = ("op", "value_index", "dtype", "_shape", "__weakref__")
    # NumPy defers to Tensor's reflected operators: np.array(y) * t builds a graph op.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, op, value_index, dtype, shape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = shape

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self):
        return self.op.graph

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape):
        """Refine the static shape; an incompatible shape is a ValueError."""
        self._shape = self._shape.merge_with(TensorShape(shape))

    @property
    def device(self):
        return ""

    def consumers(self):
        return [op for op in self.graph._ops if self in op.inputs]

    def eval(self, feed_dict=None, session=None):
        """The value of this tensor in `session` (default: the default session)."""
        return session_for(session, self).run(self, feed_dict=feed_dict)

    def __str__(self):
        shape = f", shape={self._shape}" if self._shape.dims is not None else ""
        return f'Tensor("{self.name}"{shape}, dtype={dtype_text(self)})'

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={dtype_text(self)}>"

    def describe(self) -> str:
        return f"'{self.name}' ({fmt(self._shape)} {self.dtype.name})"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __bool__(self):
        raise TypeError("Using a flowgraph Tensor as a Python bool is not allowed: its value "
                        "exists only when the graph runs. Use tf.cond / tf.where, or fetch it "
                        "with sess.run first.")

    def __iter__(self):
        raise TypeError("Tensor objects are only iterable when eager execution is enabled; "
                        "fetch the value with sess.run to iterate over it.")

    def __len__(self):
        raise TypeError(f"len is not well defined for a graph tensor {self.name}; use "
                        f"tf.shape(t) or t.shape")


def dtype_text(t: Tensor) -> str:
    """t's dtype as TF1 printed it: a variable's own output is a reference, "float32_ref"."""
    ref = registry.get(t.op.type).role == "variable"
    return t.dtype.name + "_ref" if ref else t.dtype.name
