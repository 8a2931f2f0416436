"""The callbacks that write the epoch logs to files (Keras 2.2.4): CSVLogger and TensorBoard
(scalars through flowgraph's own `summary.FileWriter`). Import them from
`flowgraph.keras.callbacks`.
"""
from __future__ import annotations

import collections
import collections.abc
import csv
import os
import warnings

import numpy as np

from ..protos import proto
from ..summary import FileWriter
from .callbacks_base import Callback


class CSVLogger(Callback):
    """Writes one row per epoch to a CSV file: `epoch` (0-based) and the logged names in
    sorted order, as Keras 2.2.4 wrote it (rows end in `\\r\\n`, the csv module's default).

    Args: filename, separator, append (add rows to an existing file, with a header only if
    it is empty; otherwise the file is started anew).
    On the epoch that stops training, names missing from the logs are written `NA`.

    Example:
        >>> model.fit(x, y, callbacks=[CSVLogger("training.log")])      # doctest: +SKIP
        training.log: "epoch,acc,loss\\r\\n0,0.5,0.69\\r\\n1,0.75,0.61\\r\\n"
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = filename
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        mode = "w"
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        # newline="\n": the csv module's own "\r\n" line ends are written as they are
        self.csv_file = open(self.filename, mode, newline="\n")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.model.stop_training:
            # the stopping epoch may lack names: NA keeps the rows parseable
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if not self.writer:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, _csv_value(logs[key])) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self.csv_file.close()
        self.writer = None


def _csv_value(value):
    """Strings and numbers as they are; a 1-D iterable as "[1, 2, 3]" in quotes (Keras's)."""
    if isinstance(value, str):
        return value
    is_0d_array = isinstance(value, np.ndarray) and value.ndim == 0
    if isinstance(value, collections.abc.Iterable) and not is_0d_array:
        return '"[%s]"' % ", ".join(map(str, value))
    return value


class TensorBoard(Callback):
    """Writes each epoch's logs as TensorBoard scalars (step = the 0-based epoch) and, with
    write_graph, the model's graph, into an event file in `log_dir`.

    Args: log_dir; write_graph; update_freq ('epoch', 'batch', or a number of samples: then
    the batch logs are written each time that many samples have passed, at step = samples
    seen); histogram_freq, batch_size, write_grads, write_images, embeddings_*: accepted
    for Keras 2.2.4's signature, but histograms, images and embeddings are not written
    (a warning says so when they are asked for).

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[TensorBoard(log_dir="./logs/run1")])
        then `tensorboard --logdir ./logs` shows loss, acc, val_loss, val_acc per epoch.
    """

    def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=32, write_graph=True,
                 write_grads=False, write_images=False, embeddings_freq=0,
                 embeddings_layer_names=None, embeddings_metadata=None,
                 embeddings_data=None, update_freq="epoch"):
        super().__init__()
        unsupported = [name for name, asked in (
            ("histogram_freq", histogram_freq), ("write_grads", write_grads),
            ("write_images", write_images), ("embeddings_freq", embeddings_freq)) if asked]
        if unsupported:
            warnings.warn("flowgraph's TensorBoard callback writes scalars and the graph only: "
                          "%s ignored" % ", ".join(unsupported))
        self.log_dir = log_dir
        self.histogram_freq = histogram_freq
        self.batch_size = batch_size
        self.write_graph = write_graph
        self.write_grads = write_grads
        self.write_images = write_images
        self.embeddings_freq = embeddings_freq
        self.embeddings_layer_names = embeddings_layer_names
        self.embeddings_metadata = embeddings_metadata or {}
        self.embeddings_data = embeddings_data
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.samples_seen = 0
        self.samples_seen_at_last_write = 0
        self.writer = None

    def set_model(self, model):
        self.model = model
        graph = getattr(model, "graph", None) if self.write_graph else None
        self.writer = FileWriter(self.log_dir, graph=graph)

    def on_epoch_end(self, epoch, logs=None):
        index = epoch if self.update_freq == "epoch" else self.samples_seen
        self._write_logs(logs or {}, index)

    def on_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        logs = logs or {}
        self.samples_seen += logs.get("size", 0)
        if self.samples_seen - self.samples_seen_at_last_write >= self.update_freq:
            self._write_logs(logs, self.samples_seen)
            self.samples_seen_at_last_write = self.samples_seen

    def on_train_end(self, logs=None):
        self.writer.close()

    def _write_logs(self, logs, index):
        summary_pb2 = proto("summary_pb2")
        for name, value in logs.items():
            if name in ("batch", "size"):  # bookkeeping, not measurements
                continue
            value = value.item() if isinstance(value, np.ndarray) else value
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(
                tag=name, simple_value=float(value))])
            self.writer.add_summary(summary, index)
        self.writer.flush()
