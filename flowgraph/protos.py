"""tensorboardX's protobuf modules (`summary_pb2`, `event_pb2`, `graph_pb2`, ...), imported on
first use, for summaries and TensorBoard export."""
from __future__ import annotations

import importlib


def proto(module: str):
    """A tensorboardX protobuf module (`summary_pb2`, `event_pb2`, ...), with a hint if missing."""
    try:
        return importlib.import_module("tensorboardX.proto." + module)
    except ImportError as e:
        raise ImportError(f"flowgraph's summaries and TensorBoard export need tensorboardX "
                          f"(pip install tensorboardX): {e}") from None
