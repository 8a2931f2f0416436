"""`Operation` and `Tensor`: the records a graph is made of, and Tensor's operators."""
from __future__ import annotations

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

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self.dtype.name}>"

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
