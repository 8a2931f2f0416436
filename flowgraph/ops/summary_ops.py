"""Summary ops: each returns a serialized Summary protobuf (bytes) for a FileWriter, as TF1's
`tf.summary.scalar`, `histogram`, `text` and `merge` do. One block per op."""
from __future__ import annotations

import re
import struct
import warnings
import zlib

import numpy as np

from .. import dtypes
from ..dtypes import DType
from ..graph import GraphKeys, get_default_graph
from ..protos import proto
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from ..tensor import Tensor
from .core import FLOATS, NUMBERS, check_dtype, convert_to_tensor

#: TF's tf.string, the dtype of a summary op's output; fetched values are `bytes`.
_STRING = DType("string", object)

_HISTOGRAM_BINS = 30


def _host(x) -> np.ndarray:
    get = getattr(x, "get", None)  # a CuPy array: copy it to the host first
    return np.asarray(get() if get is not None else x)


def _summary_bytes(*values) -> bytes:
    return proto("summary_pb2").Summary(value=list(values)).SerializeToString()


def _scalar_infer(inputs, attrs):
    (t,) = inputs
    check_dtype(t, NUMBERS, "tensor")
    n = t.shape.num_elements()
    if n is not None and n != 1:
        raise ValueError(f"a scalar summary takes one value, but {t.describe()} has "
                         f"{n}; reduce it first, e.g. tf.reduce_mean")
    return [(_STRING, TensorShape([]))]


def _scalar_forward(xp, value, tag):
    v = _host(value)
    if v.size != 1:
        raise ValueError(f"scalar summary '{tag}' got a value of shape {fmt(v.shape)}, "
                         f"expected one value")
    pb = proto("summary_pb2")
    return _summary_bytes(pb.Summary.Value(tag=tag, simple_value=float(v.reshape(()))))


register(OpDef("ScalarSummary", infer=_scalar_infer, forward=_scalar_forward,
               grad=NOT_DIFFERENTIABLE))


def _histogram_infer(inputs, attrs):
    check_dtype(inputs[0], NUMBERS, "values")
    return [(_STRING, TensorShape([]))]


def _histogram_forward(xp, values, tag):
    v = _host(values).astype(np.float64).ravel()
    if not np.all(np.isfinite(v)):
        raise ValueError(f"NaN or Inf in summary histogram for: {tag}")
    pb = proto("summary_pb2")
    hist = pb.HistogramProto(num=v.size)
    if v.size:
        counts, edges = np.histogram(v, bins=_HISTOGRAM_BINS)
        hist.min, hist.max = float(v.min()), float(v.max())
        hist.sum, hist.sum_squares = float(v.sum()), float(np.dot(v, v))
        hist.bucket_limit.extend(edges[1:].tolist())
        hist.bucket.extend(counts.astype(np.float64).tolist())
    return _summary_bytes(pb.Summary.Value(tag=tag, histo=hist))


register(OpDef("HistogramSummary", infer=_histogram_infer, forward=_histogram_forward,
               grad=NOT_DIFFERENTIABLE))


def _text_forward(xp, tag, text):
    pb, tpb, spb = proto("summary_pb2"), proto("tensor_pb2"), proto("tensor_shape_pb2")
    arr = np.asarray(text)
    shape = spb.TensorShapeProto(dim=[spb.TensorShapeProto.Dim(size=d) for d in arr.shape])
    tensor = tpb.TensorProto(dtype=proto("types_pb2").DT_STRING, tensor_shape=shape,
                             string_val=[str(s).encode("utf-8") for s in arr.ravel()])
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(plugin_name="text"))
    return _summary_bytes(pb.Summary.Value(tag=tag, metadata=meta, tensor=tensor))


register(OpDef("TextSummary", infer=lambda inputs, attrs: [(_STRING, TensorShape([]))],
               forward=_text_forward, grad=NOT_DIFFERENTIABLE, tf_type="TensorSummaryV2"))


def _image_infer(inputs, attrs):
    (t,) = inputs
    check_dtype(t, FLOATS + (dtypes.uint8,), "tensor")
    dims = t.shape.dims
    if dims is not None and (len(dims) != 4 or dims[3] not in (1, 3, 4, None)):
        raise ValueError(f"an image summary takes [batch, height, width, channels] with 1, 3 "
                         f"or 4 channels, got {t.describe()}")
    return [(_STRING, TensorShape([]))]


def png(image: np.ndarray) -> bytes:
    """A PNG file of a uint8 [height, width, channels] image (1: gray, 3: RGB, 4: RGBA)."""
    h, w, c = image.shape
    color = {1: 0, 3: 2, 4: 6}[c]
    rows = np.concatenate([np.zeros((h, 1), np.uint8), image.reshape(h, w * c)], axis=1)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """TF's rule for float images: all values >= 0: scaled so the largest is 255; else
    shifted so 0.0 is 127, then scaled so the smallest is 0 or the largest 255."""
    if image.dtype == np.uint8:
        return image
    v = image.astype(np.float64)
    if not np.all(np.isfinite(v)):
        raise ValueError("NaN or Inf in an image summary")
    if v.min() >= 0:
        top = v.max()
        scale = 255.0 / top if top > 0 else 0.0
        return np.floor(v * scale + 0.5).clip(0, 255).astype(np.uint8)
    low, high = v.min(), v.max()
    scale = min(127.0 / -low, 127.0 / high if high > 0 else np.inf)
    return np.floor(v * scale + 127.5).clip(0, 255).astype(np.uint8)


def _image_forward(xp, images, tag, max_outputs):
    v = _host(images)
    if v.ndim != 4 or v.shape[3] not in (1, 3, 4):
        raise ValueError(f"image summary '{tag}' got a value of shape {fmt(v.shape)}, expected "
                         f"[batch, height, width, 1, 3 or 4]")
    pb = proto("summary_pb2")
    values = []
    for i in range(min(max_outputs, v.shape[0])):
        image = _to_uint8(v[i])
        label = f"{tag}/image/{i}" if max_outputs > 1 else f"{tag}/image"
        values.append(pb.Summary.Value(tag=label, image=pb.Summary.Image(
            height=image.shape[0], width=image.shape[1], colorspace=image.shape[2],
            encoded_image_string=png(image))))
    return _summary_bytes(*values)


register(OpDef("ImageSummary", infer=_image_infer, forward=_image_forward,
               grad=NOT_DIFFERENTIABLE))


def _merge_infer(inputs, attrs):
    if not inputs:
        raise ValueError("merge needs at least one summary")
    for t in inputs:
        if t.dtype is not _STRING:
            raise TypeError(f"merge takes summaries (the outputs of tf.summary.scalar, "
                            f"histogram, ...), but {t.describe()} is a {t.dtype.name} tensor")
    return [(_STRING, TensorShape([]))]


def _merge_forward(xp, *serialized):
    pb = proto("summary_pb2")
    out, seen = pb.Summary(), set()
    for s in serialized:
        for v in pb.Summary.FromString(s).value:
            if v.tag in seen:
                raise ValueError(f"Duplicate tag {v.tag} found in summary inputs")
            seen.add(v.tag)
            out.value.add().CopyFrom(v)
    return out.SerializeToString()


register(OpDef("MergeSummary", infer=_merge_infer, forward=_merge_forward,
               grad=NOT_DIFFERENTIABLE))


# -- the TF1 functions ------------------------------------------------------------------------
def _clean_tag(name: str) -> str:
    """TF's rule: characters outside [A-Za-z0-9_.-/] become '_'; a leading '/' is dropped."""
    clean = re.sub(r"[^-/A-Za-z0-9_.]", "_", str(name)).lstrip("/_-") or "summary"
    if clean != name:
        warnings.warn(f"Summary name {name!r} is illegal; using {clean!r} instead.", stacklevel=4)
    return clean


def _summary_op(op_type, name, inputs, collections, family, **attrs) -> Tensor:
    """Create a summary op named by the name scope; its tag is that name (TF1's summary_scope)."""
    g = inputs[0].graph if inputs else get_default_graph()
    family = _clean_tag(family) if family else None
    full = g.unique_name(f"{family}/{_clean_tag(name)}" if family else _clean_tag(name))
    tag = f"{family}/{full}" if family else full
    out = g.create_op(op_type, inputs, dict(attrs, tag=tag), name=full + "/").outputs[0]
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        g.add_to_collection(key, out)
    return out


def scalar(name, tensor, collections=None, family=None) -> Tensor:
    """A summary of one value, shown in TensorBoard's Scalars tab.

    Args: name (the tag, prefixed by the current name scope), tensor (a number tensor holding
    one value), collections (default ["summaries"], what merge_all gathers), family (a tag
    prefix). Returns a string tensor: running it gives a serialized Summary protobuf (bytes).
    Example: `tf.summary.scalar("loss", loss)` inside `name_scope("train")` -> tag "train/loss".
    """
    return _summary_op("ScalarSummary", name, [convert_to_tensor(tensor)], collections, family)


def histogram(name, values, collections=None, family=None) -> Tensor:
    """A summary of the distribution of `values` (any shape), for the Histograms tab."""
    return _summary_op("HistogramSummary", name, [convert_to_tensor(values)], collections,
                       family)


def image(name, tensor, max_outputs=3, collections=None, family=None) -> Tensor:
    """A summary of up to `max_outputs` images of `tensor` [batch, height, width, channels]
    (channels 1, 3 or 4; uint8, or floats scaled as TF scales them) for the Images tab; tags
    "<name>/image/<i>" ("<name>/image" when max_outputs is 1).

    Example: `tf.summary.image("input", tf.reshape(x, [-1, 28, 28, 1]), 3)`.
    """
    return _summary_op("ImageSummary", name, [convert_to_tensor(tensor)], collections, family,
                       max_outputs=int(max_outputs))


def text(name, tensor, collections=None) -> Tensor:
    """A text summary (markdown) for the Text tab.

    flowgraph has no string tensors, so `tensor` is the text itself: a Python str or a list of
    str, fixed when the graph is built. Example: `tf.summary.text("notes", "lr = 0.01")`.
    """
    if isinstance(tensor, Tensor) or hasattr(tensor, "_as_graph_element"):
        raise TypeError("flowgraph has no string tensors: pass the text to tf.summary.text as "
                        "a Python str (or a list of str)")
    arr = np.asarray(tensor, dtype=object)
    return _summary_op("TextSummary", name, [], collections, None, text=arr)


def merge(inputs, collections=None, name=None) -> Tensor:
    """One summary holding all of `inputs` (summary tensors); a duplicate tag fails at run time."""
    inputs = [convert_to_tensor(t) for t in inputs]
    g = inputs[0].graph if inputs else get_default_graph()
    out = g.create_op("MergeSummary", inputs, {}, name or "Merge/MergeSummary").outputs[0]
    for key in collections or []:
        g.add_to_collection(key, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """`merge` of every summary in collection `key` (None when there is none), as in TF1."""
    found = get_default_graph().get_collection(key, scope=scope)
    return merge(found, name=name) if found else None
