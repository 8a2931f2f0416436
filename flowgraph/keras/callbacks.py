"""`keras.callbacks` (Keras 2.2.4): what `fit` calls back during training.

This module holds the callbacks `fit` always adds (BaseLogger, ProgbarLogger, History) and the
small ones (TerminateOnNaN, LambdaCallback); it re-exports the rest, so every name is here:

    from flowgraph.keras.callbacks import ModelCheckpoint, EarlyStopping
    checkpoint = ModelCheckpoint("./model/{epoch:02d}-{val_loss:.4f}.hdf5", verbose=1,
                                 save_best_only=True)
    model.fit(x, y, validation_split=0.2, callbacks=[EarlyStopping(patience=10), checkpoint])

Metric names in logs are the book era's (`acc`, `val_acc`); `History.history` answers
`accuracy` and `val_accuracy` for the same lists.
"""
from __future__ import annotations

import numbers

import numpy as np

from .callbacks_base import Callback, CallbackList
from .callbacks_monitors import EarlyStopping, LearningRateScheduler, ModelCheckpoint, \
    ReduceLROnPlateau
from .callbacks_writers import CSVLogger, TensorBoard
from .utils.generic_utils import Progbar

__all__ = ["Callback", "CallbackList", "BaseLogger", "TerminateOnNaN", "ProgbarLogger",
           "History", "HistoryDict", "ModelCheckpoint", "EarlyStopping",
           "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "LambdaCallback",
           "TensorBoard"]


class BaseLogger(Callback):
    """Puts the epoch's running means of the batch values into the epoch logs, each batch
    weighted by its size (`sum(value * size) / samples`); `fit` adds it first.

    Args: stateful_metrics: names whose last batch value is logged as it is, not averaged.
    Only the names in `params['metrics']` reach the epoch logs.

    Example: batches of 10 and 5 samples with loss 0.4 and 1.0 give an epoch loss of 0.6.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get("size", 0)
        self.seen += batch_size
        for name, value in logs.items():
            if name in self.stateful_metrics:
                self.totals[name] = value
            elif name in self.totals:
                self.totals[name] += value * batch_size
            else:
                self.totals[name] = value * batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name in self.params["metrics"]:
            if name in self.totals:  # the callbacks after this one read the means from logs
                if name in self.stateful_metrics:
                    logs[name] = self.totals[name]
                else:
                    logs[name] = self.totals[name] / self.seen


class TerminateOnNaN(Callback):
    """Stops training at the first batch whose loss is NaN or infinite, printing
    `Batch 3: Invalid loss, terminating training`.

    Example: `model.fit(x, y, callbacks=[TerminateOnNaN()])`.
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            print("Batch %d: Invalid loss, terminating training" % batch)
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Prints `Epoch 1/30` and a progress bar per epoch; `fit(verbose=1 or 2)` adds it.

    Args: count_mode: "samples" (the bar counts samples, as fit on arrays does) or "steps";
    stateful_metrics: names shown as given, not averaged.
    The bar shows the names in `params['metrics']`: during the epoch the batch values, at
    its end the epoch's means and the `val_` values.

    Example (verbose=1, piped):
        Epoch 1/30
        <empty line>
        470/470 [==============================] - 0s 195us/step - loss: 0.6655 - acc: 0.3085
    """

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError("Unknown `count_mode`: " + str(count_mode))
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self.log_values = []

    def on_train_begin(self, logs=None):
        self.verbose = self.params["verbose"]
        self.epochs = self.params["epochs"]

    def on_epoch_begin(self, epoch, logs=None):
        self.target = self.params["steps"] if self.use_steps else self.params["samples"]
        if self.verbose:
            print("Epoch %d/%d" % (epoch + 1, self.epochs))
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   stateful_metrics=self.stateful_metrics)
        self.seen = 0

    def on_batch_begin(self, batch, logs=None):
        if self.seen < self.target:
            self.log_values = []

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        self._collect(logs)
        # the last batch is drawn by on_epoch_end, together with the epoch's values
        if self.verbose and self.seen < self.target:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        self._collect(logs or {})
        if self.verbose:
            self.progbar.update(self.seen, self.log_values)

    def _collect(self, logs):
        for name in self.params["metrics"]:
            if name in logs:
                self.log_values.append((name, logs[name]))


# -- History -------------------------------------------------------------------------------
def _spelling_twin(key):
    """The other spelling of an accuracy name: acc <-> accuracy, val_acc <-> val_accuracy
    (and any `<prefix>_acc` <-> `<prefix>_accuracy`), or None."""
    if not isinstance(key, str):
        return None
    if key == "acc" or key.endswith("_acc"):
        return key[:-3] + "accuracy"
    if key == "accuracy" or key.endswith("_accuracy"):
        return key[:-8] + "acc"
    return None


class HistoryDict(dict):
    """A dict of metric name -> list that also answers the other spelling of accuracy names:
    with `acc` logged, `d['accuracy']` is the same list (Keras >= 2.3 programs read that
    name), and the other way round. Iteration, keys, len, equality and json show only the
    names actually logged.

    Example:
        >>> h = HistoryDict(acc=[0.5, 0.75])
        >>> h["accuracy"] is h["acc"], "val_accuracy" in h, list(h)
        (True, False, ['acc'])
    """

    def _stored(self, key):
        """The key under which `key` is stored: itself, its twin, or itself if neither is."""
        if dict.__contains__(self, key):
            return key
        twin = _spelling_twin(key)
        return twin if twin is not None and dict.__contains__(self, twin) else key

    def __missing__(self, key):  # dict.__getitem__ calls this for a key it does not hold
        stored = self._stored(key)
        if stored == key:
            raise KeyError(key)
        return dict.__getitem__(self, stored)

    def __contains__(self, key):
        return dict.__contains__(self, self._stored(key))

    def get(self, key, default=None):
        return dict.get(self, self._stored(key), default)

    def __setitem__(self, key, value):
        dict.__setitem__(self, self._stored(key), value)

    def __delitem__(self, key):
        dict.__delitem__(self, self._stored(key))

    def setdefault(self, key, default=None):
        return dict.setdefault(self, self._stored(key), default)

    def pop(self, key, *default):
        return dict.pop(self, self._stored(key), *default)


def _as_python(value):
    """A logged number as a Python float (NumPy scalars and 0-d arrays too); else as given."""
    if isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu":
        return float(value)
    return value


class History(Callback):
    """Records the epoch logs: `history` (a HistoryDict: name -> one Python float per epoch)
    and `epoch` (the 0-based epoch numbers). `fit` adds it last and returns it.

    Example:
        >>> history = model.fit(x, y, epochs=3, validation_split=0.2)   # doctest: +SKIP
        >>> history.history["val_loss"], history.history["acc"] is history.history["accuracy"]
        ([0.69, 0.61, 0.58], True)
    """

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = HistoryDict()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(_as_python(value))


class LambdaCallback(Callback):
    """A callback made of functions: `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch,
    logs)`, `on_batch_begin(batch, logs)`, `on_batch_end(batch, logs)`,
    `on_train_begin(logs)`, `on_train_end(logs)`; the ones not given do nothing. Other keyword
    arguments become attributes.

    Example:
        >>> LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        self.on_epoch_begin = on_epoch_begin or (lambda epoch, logs: None)
        self.on_epoch_end = on_epoch_end or (lambda epoch, logs: None)
        self.on_batch_begin = on_batch_begin or (lambda batch, logs: None)
        self.on_batch_end = on_batch_end or (lambda batch, logs: None)
        self.on_train_begin = on_train_begin or (lambda logs: None)
        self.on_train_end = on_train_end or (lambda logs: None)
