"""TF1's `tf.summary`: the summary ops (ops/summary_ops.py) and `FileWriter`, which writes
TensorBoard event files.

    loss_summary = tf.summary.scalar("loss", loss)       # tag "loss" (scoped like op names)
    merged = tf.summary.merge_all()
    with tf.summary.FileWriter("logs/run1", graph=sess.graph) as writer:
        for step in range(100):
            _, s = sess.run([train, merged], feed_dict=fd)   # s: a serialized Summary (bytes)
            writer.add_summary(s, step)

The protobuf classes and the record writer come from tensorboardX (imported on first use).
"""
from __future__ import annotations

import atexit
import itertools
import os
import threading
import time
import warnings
import weakref

import numpy as np

from .export.graphdef import to_graph_def
from .graph import Graph
from .ops.summary_ops import histogram, image, merge, merge_all, scalar, text  # noqa: F401
from .protos import proto

_PROTO_CLASSES = {"Summary": "summary_pb2", "SummaryMetadata": "summary_pb2",
                  "HistogramProto": "summary_pb2", "Event": "event_pb2",
                  "SessionLog": "event_pb2"}


def __getattr__(name):
    """TF1's protobuf classes, e.g. tf.summary.Summary(value=[tf.summary.Summary.Value(...)])."""
    if name in _PROTO_CLASSES:
        return getattr(proto(_PROTO_CLASSES[name]), name)
    raise AttributeError(f"module 'flowgraph.summary' has no attribute {name!r}")


# -- writing event files ------------------------------------------------------------------------
_OPEN_WRITERS: "weakref.WeakSet[FileWriter]" = weakref.WeakSet()
_FILE_IDS = itertools.count()


#: Graphs a FileWriter has written: `flowgraph run`'s automatic logging leaves them alone.
GRAPHS_WRITTEN: "weakref.WeakSet" = weakref.WeakSet()


class FileWriter:
    """Writes summaries and graphs to an event file in `logdir`, for TensorBoard (TF1 API).

    Args: logdir (created if missing), graph (a Graph, e.g. `sess.graph`, or a GraphDef
    protobuf: written and flushed at once), max_queue (accepted for TF1 compatibility: events
    are written as they come, without a queue), flush_secs (as in TF1, the first event is on
    disk at once and later ones at most this many seconds after they were added: a timer
    thread flushes them even when nothing more is added; so do flush(), close(), dropping
    the writer and interpreter exit), filename_suffix (default ".<pid>.<counter>": two
    writers on one logdir never share a file).
    Example: `tf.summary.FileWriter("log_dir", graph=sess.graph)`.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        self._logdir = os.fspath(logdir)
        self._flush_secs = flush_secs
        self._suffix = filename_suffix
        self._lock = threading.RLock()  # the flush timer's thread flushes too
        self._timer = None
        self._closed = True
        self._warned_closed = False
        self.reopen()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self) -> str:
        return self._logdir

    def reopen(self):
        """Start a new event file after `close()` (does nothing while open)."""
        if not self._closed:
            return
        from tensorboardX.event_file_writer import EventsWriter
        os.makedirs(self._logdir, exist_ok=True)
        suffix = self._suffix
        if suffix is None:  # TensorBoard reads files in name order: pad to keep creation order
            suffix = f".{os.getpid()}.{next(_FILE_IDS):06d}"
        self._events = EventsWriter(os.path.join(self._logdir, "events"), suffix)
        self._events.flush()  # the file's version record: TensorBoard sees the run at once
        self._next_flush = 0.0  # as in TF1: the first event added is flushed at once
        self._closed = False
        _OPEN_WRITERS.add(self)

    def add_event(self, event):
        """Write an `Event` protocol buffer (its wall_time is set to now when unset)."""
        if self._closed:
            if not self._warned_closed:
                warnings.warn(f"FileWriter for {self._logdir} is closed: events added now are "
                              f"dropped (as in TF1); call reopen() first", stacklevel=3)
                self._warned_closed = True
            return
        if not event.wall_time:
            event.wall_time = time.time()
        with self._lock:
            self._events.write_event(event)
            if time.time() >= self._next_flush:
                self.flush()
            else:
                self._flush_later()

    def _flush_later(self):
        """Make sure a timer flushes the file when the flush_secs since the last flush are up,
        so an event reaches the disk even if the program adds nothing more for hours (or is
        killed). The timer holds the writer weakly: a dropped writer still closes at once."""
        if self._timer is not None and self._timer.is_alive():
            return  # (is_alive is also False in a forked child, where the thread is gone)
        self._timer = threading.Timer(max(0.0, self._next_flush - time.time()),
                                      _flush_if_alive, (weakref.ref(self),))
        self._timer.daemon = True  # never keeps the interpreter from exiting
        self._timer.start()

    def add_summary(self, summary, global_step=None):
        """Write a Summary: the bytes a summary op returns, or a Summary protobuf."""
        pb = proto("summary_pb2")
        if isinstance(summary, (bytes, bytearray, np.bytes_)):
            summary = pb.Summary.FromString(bytes(summary))
        elif not isinstance(summary, pb.Summary):
            raise TypeError(f"add_summary takes the value of a summary op (bytes) or a Summary "
                            f"protobuf, not {type(summary).__name__}")
        self._add(proto("event_pb2").Event(summary=summary), global_step)

    def add_session_log(self, session_log, global_step=None):
        self._add(proto("event_pb2").Event(session_log=session_log), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Write a graph (a flowgraph Graph, or a GraphDef protobuf) for the Graphs tab."""
        g = graph if graph is not None else graph_def
        if isinstance(g, Graph):
            GRAPHS_WRITTEN.add(g)
            g = to_graph_def(g)
        elif not isinstance(g, proto("graph_pb2").GraphDef):
            raise TypeError(f"add_graph takes a flowgraph Graph (e.g. sess.graph) or a GraphDef, "
                            f"not {type(g).__name__}")
        self._add(proto("event_pb2").Event(graph_def=g.SerializeToString()), global_step)
        self.flush()  # as TF1 does with a writer's first event: the graph shows at once

    def _add(self, event, global_step):
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def flush(self):
        """Push every event added so far to the disk."""
        with self._lock:
            if not self._closed:
                self._events.flush()
                self._next_flush = time.time() + self._flush_secs

    def close(self):
        """Flush and close the event file; `reopen()` starts a new one."""
        with self._lock:
            if not self._closed:
                self._events.close()
                self._closed = True
                _OPEN_WRITERS.discard(self)
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):  # a writer dropped unclosed (TF1 programs do that) still saves its events
        try:
            self.close()
        except Exception:
            pass


def _flush_if_alive(writer_ref):
    """The flush timer's work: flush the writer unless it has been dropped meanwhile."""
    writer = writer_ref()
    if writer is not None:
        try:
            writer.flush()
        except Exception:  # a log file must never fail the program from a background thread
            pass


@atexit.register
def _close_open_writers():
    for w in list(_OPEN_WRITERS):
        try:
            w.close()
        except Exception:  # never fail the interpreter's exit over a log file
            pass
