"""`Callback`, the base class of everything `fit` calls back, and `CallbackList`, which calls
a list of them in order (Keras 2.2.4's `keras/callbacks.py`). The callbacks themselves are in
`callbacks.py`, `callbacks_monitors.py` and `callbacks_writers.py`; import them all from
`flowgraph.keras.callbacks`.

How `fit` drives them (Keras 2.2.4's `fit_loop`): `set_model(model)`, `set_params({...})`,
`on_train_begin()`, then per epoch `on_epoch_begin(epoch)`, per batch
`on_batch_begin(batch, {'batch', 'size'})` and `on_batch_end(batch, {..., 'loss', 'acc'})`,
`on_epoch_end(epoch, logs)` with the epoch's means and `val_` values (epoch is 0-based), and
`on_train_end()`. Setting `model.stop_training = True` ends training after that batch/epoch.
"""
from __future__ import annotations

import collections
import statistics
import time
import warnings


class Callback:
    """Base class of training callbacks: override the `on_*` methods you need.

    Attributes: `model` (the model being trained), `params` (fit's settings: batch_size,
    epochs, steps, samples, verbose, do_validation, metrics), `validation_data` (set by fit).

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch + 1, logs["loss"])
    """

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class CallbackList:
    """Calls each callback of a list in order, with one logs dict shared along the list (so a
    callback sees what earlier ones wrote, as History sees BaseLogger's epoch means).
    It warns when the callbacks of a batch take longer than the batch itself (over 0.1 s).

    Example:
        >>> callbacks = CallbackList([BaseLogger(), History()])
        >>> callbacks.set_model(model); callbacks.on_train_begin()   # doctest: +SKIP
    """

    def __init__(self, callbacks=None, queue_length=10):
        self.callbacks = list(callbacks or [])
        self.queue_length = queue_length
        self._reset_timing()

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        for callback in self.callbacks:
            callback.set_model(model)

    def on_epoch_begin(self, epoch, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)
        self._reset_timing()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        logs = logs or {}
        started = time.time()
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs)
        self._check_speed("on_batch_begin", self._begin_times, time.time() - started)
        self._t_enter_batch = time.time()

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        if self._t_enter_batch is None:
            self._t_enter_batch = time.time()
        self._delta_t_batch = time.time() - self._t_enter_batch
        started = time.time()
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs)
        self._check_speed("on_batch_end", self._end_times, time.time() - started)

    def on_train_begin(self, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def __iter__(self):
        return iter(self.callbacks)

    def _reset_timing(self):
        self._delta_t_batch = 0.0
        self._t_enter_batch = None
        self._begin_times = collections.deque([], maxlen=self.queue_length)
        self._end_times = collections.deque([], maxlen=self.queue_length)

    def _check_speed(self, method, times, took):
        times.append(took)
        if max(times) <= 0.1:  # then the median is too: a tenth of the cost of computing it
            return
        median = statistics.median(times)  # of <= 10 floats: 20x cheaper than np.median
        if self._delta_t_batch > 0.0 and median > 0.95 * self._delta_t_batch and median > 0.1:
            warnings.warn("Method %s() is slow compared to the batch update (%f). "
                          "Check your callbacks." % (method, median))
