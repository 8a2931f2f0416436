"""The callbacks that watch one logged quantity epoch by epoch (Keras 2.2.4): ModelCheckpoint,
EarlyStopping, ReduceLROnPlateau, and LearningRateScheduler, which sets the learning rate.
Import them from `flowgraph.keras.callbacks`.

Improvement is always strict (`np.less` / `np.greater`): an epoch that ties the best does not
count. Mode 'auto' maximises names containing 'acc' (so `val_acc` and `val_accuracy`).
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from . import backend as K
from .callbacks_base import Callback


def _mode_or_auto(mode, what):
    if mode not in ("auto", "min", "max"):
        warnings.warn("%s mode %s is unknown, fallback to auto mode." % (what, mode),
                      RuntimeWarning)
        return "auto"
    return mode


def _in_model_graph(model):
    """The model's graph as the default one: K.get_value/set_value run in the session of
    the default graph, and fit may call back from anywhere."""
    graph = getattr(model, "graph", None)
    return graph.as_default() if graph is not None else contextlib.nullcontext()


def _get_lr(model) -> float:
    if not hasattr(model.optimizer, "lr"):
        raise ValueError('Optimizer must have a "lr" attribute.')
    with _in_model_graph(model):
        return K.get_value(model.optimizer.lr)


def _set_lr(model, value) -> None:
    with _in_model_graph(model):
        K.set_value(model.optimizer.lr, value)


class ModelCheckpoint(Callback):
    """Saves the model after every `period` epochs, to `filepath.format(epoch=epoch + 1,
    **logs)` (so `{epoch:02d}` is 1-based and `{val_loss:.4f}` is the epoch's value; a name
    not in the logs is a KeyError). The folder must exist.

    Args: monitor (the logged name save_best_only compares), verbose (1: say what happened),
    save_best_only (save only when `monitor` improved on the best so far), save_weights_only
    (`model.save_weights` instead of `model.save`), mode ('auto', 'min', 'max'; auto
    maximises names containing 'acc' or starting with 'fmeasure'), period.

    Example:
        >>> ModelCheckpoint("./model/{epoch:02d}-{val_loss:.4f}.hdf5", verbose=1,
        ...                 save_best_only=True)
        prints, per epoch:
        Epoch 00001: val_loss improved from inf to 0.27168, saving model to ./model/01-0.2717.hdf5
        Epoch 00002: val_loss did not improve from 0.27168
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = filepath
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.epochs_since_last_save = 0
        mode = _mode_or_auto(mode, "ModelCheckpoint")
        if mode == "max" or (mode == "auto" and ("acc" in monitor
                                                 or monitor.startswith("fmeasure"))):
            self.monitor_op, self.best = np.greater, -np.inf
        else:
            self.monitor_op, self.best = np.less, np.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self.filepath.format(epoch=epoch + 1, **logs)
        if not self.save_best_only:
            self._say("\nEpoch %05d: saving model to %s" % (epoch + 1, filepath))
            self._save(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn("Can save best model only with %s available, skipping."
                          % self.monitor, RuntimeWarning)
        elif self.monitor_op(current, self.best):
            self._say("\nEpoch %05d: %s improved from %0.5f to %0.5f, saving model to %s"
                      % (epoch + 1, self.monitor, self.best, current, filepath))
            self.best = current
            self._save(filepath)
        else:
            self._say("\nEpoch %05d: %s did not improve from %0.5f"
                      % (epoch + 1, self.monitor, self.best))

    def _say(self, message):
        if self.verbose > 0:
            print(message)

    def _save(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class EarlyStopping(Callback):
    """Stops training when `monitor` has not improved for `patience` epochs: an epoch improves
    when `current - min_delta < best` (mode min; `current + min_delta > best` in mode max).
    Training thus ends `patience` epochs after the last improvement.

    Args: monitor, min_delta (the least change that counts), patience, verbose (1: print
    `Epoch 00920: early stopping` at the end of training), mode ('auto', 'min', 'max'; auto
    maximises names containing 'acc'), baseline (the value to beat; `best` starts there),
    restore_best_weights (when it stops, put back the weights of the best epoch).
    Attributes: wait, best, stopped_epoch (0-based), best_weights.

    Example:
        >>> model.fit(x, y, validation_split=0.2, epochs=3500,
        ...           callbacks=[EarlyStopping(monitor="val_loss", patience=100)])
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__()
        self.monitor = monitor
        self.baseline = baseline
        self.patience = patience
        self.verbose = verbose
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        mode = _mode_or_auto(mode, "EarlyStopping")
        if mode == "max" or (mode == "auto" and "acc" in monitor):
            self.monitor_op = np.greater
            self.min_delta = min_delta     # the sign makes `current - min_delta` one test
        else:
            self.monitor_op = np.less
            self.min_delta = -min_delta

    def on_train_begin(self, logs=None):
        # reset, so one instance serves several fits
        self.wait = 0
        self.stopped_epoch = 0
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs or {})
        if current is None:
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print("Restoring model weights from the end of the best epoch")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print("Epoch %05d: early stopping" % (self.stopped_epoch + 1))

    def get_monitor_value(self, logs):
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn("Early stopping conditioned on metric `%s` which is not available. "
                          "Available metrics are: %s" % (self.monitor, ",".join(logs)),
                          RuntimeWarning)
        return value


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at each epoch's start to `schedule(epoch, lr)`
    (epoch 0-based; a one-argument `schedule(epoch)` works too) and logs it as `lr`.

    Args: schedule (returns a float), verbose (1: print
    `Epoch 00003: LearningRateScheduler setting learning rate to 0.005.`).

    Example:
        >>> LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch >= 10 else lr)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(_get_lr(self.model))
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # Keras 1's schedules take the epoch only
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError('The output of the "schedule" function should be float.')
        _set_lr(self.model, lr)
        if self.verbose > 0:
            print("\nEpoch %05d: LearningRateScheduler setting learning rate to %s."
                  % (epoch + 1, lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = _get_lr(self.model)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` has not improved for
    `patience` epochs, never below `min_lr`, then waits `cooldown` epochs before counting
    again. Improvement: `current < best - min_delta` (mode min) or `current > best +
    min_delta` (mode max; auto maximises names containing 'acc'). Logs `lr` every epoch.

    Args: monitor, factor (< 1), patience, verbose (1: print `Epoch 00012: ReduceLROnPlateau
    reducing learning rate to 0.0001.`), mode, min_delta (`epsilon=` is its old name, with
    a warning), cooldown, min_lr.

    Example:
        >>> ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=0.001)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0.")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use "
                          "`min_delta` instead.")
        if kwargs:
            raise TypeError("ReduceLROnPlateau got unexpected keyword arguments: %s"
                            % ", ".join(sorted(kwargs)))
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.mode = mode
        self._reset()

    def _reset(self):
        """Zero the wait and cooldown counters and forget the best value."""
        self.mode = _mode_or_auto(self.mode, "Learning Rate Plateau Reducing")
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = _get_lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn("Reduce LR on plateau conditioned on metric `%s` which is not "
                          "available. Available metrics are: %s"
                          % (self.monitor, ",".join(logs)), RuntimeWarning)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(epoch)

    def _reduce(self, epoch):
        old_lr = float(_get_lr(self.model))
        if old_lr > self.min_lr:
            new_lr = max(old_lr * self.factor, self.min_lr)
            _set_lr(self.model, new_lr)
            if self.verbose > 0:
                print("\nEpoch %05d: ReduceLROnPlateau reducing learning rate to %s."
                      % (epoch + 1, new_lr))
            self.cooldown_counter = self.cooldown
            self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0
