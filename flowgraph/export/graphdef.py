"""A flowgraph Graph as TensorFlow's GraphDef protobuf, for TensorBoard's Graphs tab.

Node names are the ops' full scope paths, so TensorBoard groups them by name scope; op types
are TensorFlow's names, so it draws its usual icons; `_output_shapes` puts shapes on edges.
"""
from __future__ import annotations

import numpy as np

from .. import registry
from ..dtypes import DType, as_dtype
from ..graph import Graph, get_default_graph
from ..shapes import TensorShape
from ..protos import proto

#: Constants up to this many elements carry their value (TensorBoard shows it on the node).
MAX_CONST_ELEMENTS = 1024


def _dtype_enum(dtype: DType) -> int:
    types = proto("types_pb2")
    name = {"float16": "HALF", "float32": "FLOAT", "float64": "DOUBLE"}.get(dtype.name,
                                                                           dtype.name.upper())
    return types.DataType.Value("DT_" + name)


def _shape(shape: TensorShape):
    pb = proto("tensor_shape_pb2")
    if shape.dims is None:
        return pb.TensorShapeProto(unknown_rank=True)
    return pb.TensorShapeProto(dim=[pb.TensorShapeProto.Dim(size=-1 if d is None else d)
                                    for d in shape.dims])


#: The typed field of a TensorProto that holds values of each kind, as TF writes one value.
_VALUE_FIELDS = {"float16": "half_val", "float32": "float_val", "float64": "double_val",
                 "int64": "int64_val", "bool": "bool_val"}


def _tensor(value: np.ndarray):
    t = proto("tensor_pb2").TensorProto(dtype=_dtype_enum(as_dtype(value.dtype)),
                                        tensor_shape=_shape(TensorShape(value.shape)))
    if value.size == 1:  # one value goes in its typed field (float_val: 1.0), as TF writes it
        one = value.reshape(-1)[:1]
        name = as_dtype(value.dtype).name
        field = _VALUE_FIELDS.get(name, "int_val")  # the smaller integer types: int_val
        getattr(t, field).append((one.view(np.uint16) if name == "float16" else one)[0].item())
    elif value.size <= MAX_CONST_ELEMENTS:
        t.tensor_content = np.ascontiguousarray(value).tobytes()
    return t


def _attr(value):
    """An AttrValue for a Python attr value, or None for values with no place in a GraphDef."""
    pb = proto("attr_value_pb2")
    if value is None:
        return None
    if isinstance(value, DType):
        return pb.AttrValue(type=_dtype_enum(value))
    if isinstance(value, (bool, np.bool_)):
        return pb.AttrValue(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return pb.AttrValue(i=int(value))
    if isinstance(value, (float, np.floating)):
        return pb.AttrValue(f=float(value))
    if isinstance(value, str):
        return pb.AttrValue(s=value.encode("utf-8"))
    if isinstance(value, TensorShape):
        return pb.AttrValue(shape=_shape(value))
    if isinstance(value, np.ndarray) and value.dtype != object:
        return pb.AttrValue(tensor=_tensor(value))
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, np.integer))
                                                and not isinstance(v, bool) for v in value):
        return pb.AttrValue(list=pb.AttrValue.ListValue(i=[int(v) for v in value]))
    return pb.AttrValue(s=repr(value)[:256].encode("utf-8"))


def _input_name(t) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


def node_def(op, output_shapes: bool = True):
    """The NodeDef of one op: TF type, inputs ("name", "name:k", "^control"), attrs; with
    `output_shapes`, also the `_output_shapes` attr that puts shapes on TensorBoard's edges."""
    pb, attr_pb = proto("node_def_pb2"), proto("attr_value_pb2")
    opdef = registry.get(op.type)
    node = pb.NodeDef(name=op.name, op=opdef.exported_type)
    node.input.extend(_input_name(t) for t in op.inputs)
    node.input.extend("^" + c.name for c in op.control_inputs)
    if opdef.tf_attrs is not None:
        attrs = opdef.tf_attrs(op)
    else:
        attrs = dict(op.attrs)
        if "T" not in attrs and (op.inputs or (op.outputs and "dtype" not in attrs)):
            attrs["T"] = (op.inputs or op.outputs)[0].dtype
    for key, value in attrs.items():
        av = _attr(value)
        if av is not None:
            node.attr[key].CopyFrom(av)
    if output_shapes and op.outputs:
        node.attr["_output_shapes"].CopyFrom(attr_pb.AttrValue(
            list=attr_pb.AttrValue.ListValue(shape=[_shape(t.shape) for t in op.outputs])))
    return node


def node_def_text(op) -> str:
    """The op's NodeDef in protobuf text format, attrs sorted by key: TF1's `print(op)`."""
    from google.protobuf import text_format
    return text_format.MessageToString(node_def(op, output_shapes=False))


def to_graph_def(graph: Graph | None = None):
    """The GraphDef protobuf (tensorboardX's classes) of `graph` (default: the default graph).

    Example: `FileWriter(logdir).add_graph(graph)` writes it; so does `FileWriter(logdir,
    graph=sess.graph)`.
    """
    graph = graph if graph is not None else get_default_graph()
    gd = proto("graph_pb2").GraphDef()
    gd.node.extend(node_def(op) for op in graph.get_operations())
    return gd
