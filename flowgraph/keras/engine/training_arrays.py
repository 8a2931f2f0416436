"""The loops of `fit`, `evaluate` and `predict` over NumPy arrays, as Keras 2.2.4's
training_arrays.py runs them: shuffled index arrays (NumPy's global generator, so
`numpy.random.seed` repeats a run), consecutive batches with the remainder last, callbacks
around each batch and epoch, validation after an epoch's last batch, and batch-size-weighted
means for evaluate.
"""
from __future__ import annotations

import numpy as np

from .. import callbacks as cbks
from ..utils.generic_utils import Progbar


def make_batches(size: int, batch_size: int) -> list:
    """[(start, end), ...] covering range(size) in steps of batch_size."""
    return [(i, min(size, i + batch_size)) for i in range(0, size, batch_size)]


def _slices(arrays, ids):
    return [a[ids] for a in arrays]


def _callbacks_for(model, callbacks, verbose, params):
    model.history = cbks.History()
    listed = [cbks.BaseLogger()]
    if verbose:
        listed.append(cbks.ProgbarLogger(count_mode="samples"))
    listed += list(callbacks or []) + [model.history]
    out = cbks.CallbackList(listed)
    out.set_model(model._get_callback_model())
    out.set_params(params)
    return out


def fit_loop(model, train_function, arrays, batch_size=32, epochs=100, verbose=1,
             callbacks=None, val_function=None, val_arrays=None, shuffle=True,
             initial_epoch=0):
    """Train `epochs - initial_epoch` epochs; returns the model's History."""
    samples = len(arrays[0])
    validating = bool(val_function and val_arrays)
    if validating and verbose:
        print(f"Train on {samples} samples, validate on {len(val_arrays[0])} samples")
    labels = list(model.metrics_names)
    params = {"batch_size": batch_size, "epochs": epochs, "steps": None, "samples": samples,
              "verbose": verbose, "do_validation": validating,
              "metrics": labels + (["val_" + n for n in labels] if validating else [])}
    callbacks = _callbacks_for(model, callbacks, verbose, params)
    callbacks.on_train_begin()
    model.stop_training = False
    for cbk in callbacks.callbacks:
        cbk.validation_data = val_arrays
    index = np.arange(samples)
    for epoch in range(initial_epoch, epochs):
        callbacks.on_epoch_begin(epoch)
        epoch_logs: dict = {}
        if shuffle == "batch":
            index = _batch_shuffle(index, batch_size)
        elif shuffle:
            np.random.shuffle(index)
        batches = make_batches(samples, batch_size)
        for batch_index, (start, end) in enumerate(batches):
            ids = index[start:end]
            batch_logs = {"batch": batch_index, "size": len(ids)}
            callbacks.on_batch_begin(batch_index, batch_logs)
            outs = train_function(_slices(arrays, ids))
            for label, value in zip(labels, outs):
                batch_logs[label] = value
            callbacks.on_batch_end(batch_index, batch_logs)
            if model.stop_training:
                break
            if batch_index == len(batches) - 1 and validating:
                val_outs = test_loop(val_function, val_arrays, batch_size=batch_size, verbose=0)
                for label, value in zip(labels, _as_list(val_outs)):
                    epoch_logs["val_" + label] = value
        callbacks.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callbacks.on_train_end()
    return model.history


def _batch_shuffle(index, batch_size):
    """Shuffle whole batches of the index (Keras's shuffle="batch", for HDF5 data)."""
    batches = len(index) // batch_size
    last = index[batches * batch_size:]
    head = index[:batches * batch_size].reshape((batches, batch_size))
    np.random.shuffle(head)
    return np.append(head.flatten(), last)


def test_loop(test_function, arrays, batch_size=32, verbose=0):
    """The batch-size-weighted means of the test function's outputs over `arrays`: a float,
    or a list of floats (loss first)."""
    samples = len(arrays[0])
    progbar = Progbar(target=samples) if verbose == 1 else None
    totals = None
    for start, end in make_batches(samples, batch_size):
        outs = test_function([a[start:end] for a in arrays])
        if totals is None:
            totals = [0.0] * len(outs)
        for i, value in enumerate(outs):
            totals[i] += float(value) * (end - start)
        if progbar is not None:
            progbar.update(end)
    means = [t / samples for t in (totals or [])]
    return means[0] if len(means) == 1 else means


def predict_loop(predict_function, arrays, batch_size=32, verbose=0):
    """The outputs for all samples, computed in batches and put together (an array per
    output; one array for a single-output model)."""
    samples = len(arrays[0])
    progbar = Progbar(target=samples) if verbose == 1 else None
    parts: list = []
    for start, end in make_batches(samples, batch_size):
        outs = predict_function([a[start:end] for a in arrays])
        parts.append([np.asarray(o) for o in outs])
        if progbar is not None:
            progbar.update(end)
    if not parts:
        return []
    outputs = [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
    return outputs[0] if len(outputs) == 1 else outputs


def _as_list(x):
    return x if isinstance(x, list) else [x]
