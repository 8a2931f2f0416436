"""`Model`: a Network that can `compile`, `fit`, `evaluate` and `predict`, as Keras 2.2.4.

`compile` builds, once, the graph of the loss and metrics (targets are placeholders) and the
optimizer's updates; three prepared runs of the backend session (`Session.make_callable`)
then do the work: a training step (learning phase True), a test step and a prediction. The
loops over batches and epochs are in training_arrays.py.

Example:
    model = Model(inputs, outputs)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=32)
"""
from __future__ import annotations

import warnings

import numpy as np

from ...ops.control_flow_ops import group
from ...ops.math_ops import add_n
from ...ops.reduction_ops import reduce_mean
from ...ops.source_ops import placeholder
from .. import backend as K, losses as losses_mod, metrics as metrics_mod, optimizers
from . import training_arrays
from .base_layer import to_list, unpack
from .network import Network


class Model(Network):
    """Layers from inputs to outputs with a training configuration (`compile`)."""

    optimizer = None
    _train_function = _test_function = _predict_function = None
    _deferred_compile = None

    # -- compile ------------------------------------------------------------------------------
    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None, **kwargs):
        """Configure training: `loss` (a name, a function, or one per output), `optimizer`
        (a name or an optimizer object), `metrics` (e.g. ["accuracy"])."""
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) to compile: {sorted(kwargs)}")
        if not self.outputs:  # a Sequential without an input shape: compiled once it is built
            self._deferred_compile = dict(optimizer=optimizer, loss=loss, metrics=metrics,
                                          loss_weights=loss_weights)
            self.optimizer = optimizers.get(optimizer)
            return
        self._deferred_compile = None
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.loss_functions = [losses_mod.get(f) for f in self._per_output(loss, "loss")]
        self.loss_weights = [1.0] * len(self.outputs) if loss_weights is None else \
            list(self._per_output(loss_weights, "loss_weights"))
        self._compile_metrics = metrics or []
        graph = self.outputs[0].graph
        with graph.as_default():
            self.targets = [placeholder(out.dtype, [None] * out.shape.ndims,
                                        name=f"{name}_target")
                            for out, name in zip(self.outputs, self.output_names)]
            self.total_loss = self._total_loss()
            self.metrics_names, self.metrics_tensors = self._metric_tensors(metrics)
            self._train_function = self._test_function = self._predict_function = None

    def _per_output(self, value, what):
        if isinstance(value, dict):
            missing = [n for n in self.output_names if n not in value]
            if missing:
                raise ValueError(f"Output {missing[0]} missing from {what} dictionary.")
            return [value[n] for n in self.output_names]
        if isinstance(value, (list, tuple)):
            if len(value) != len(self.outputs):
                raise ValueError(f"When passing a list as {what}, it should have one entry per "
                                 f"model output. The model has {len(self.outputs)} outputs, "
                                 f"but you passed {what}={value}")
            return list(value)
        return [value] * len(self.outputs)

    def _total_loss(self):
        with self.outputs[0].graph.name_scope("loss"):
            terms = []
            for fn, y_true, y_pred, weight in zip(self.loss_functions, self.targets,
                                                  self.outputs, self.loss_weights):
                term = reduce_mean(fn(y_true, y_pred))
                terms.append(term if weight == 1.0 else term * float(weight))
            terms += self.losses  # regularization
            return terms[0] if len(terms) == 1 else add_n(terms)

    def _metric_tensors(self, metrics):
        names, tensors = ["loss"], [self.total_loss]
        per_output = self._per_output(metrics, "metrics") if isinstance(metrics, dict) else \
            [metrics or []] * len(self.outputs)
        for i, wanted in enumerate(per_output):
            prefix = f"{self.output_names[i]}_" if len(self.outputs) > 1 else ""
            for metric in to_list(wanted):
                fn, name = _resolve_metric(metric, self.loss_functions[i], self.outputs[i])
                with self.outputs[0].graph.name_scope("metrics"):
                    tensors.append(reduce_mean(fn(self.targets[i], self.outputs[i])))
                names.append(prefix + name)
        return names, tensors

    # -- the three prepared runs --------------------------------------------------------------
    def _make_train_function(self):
        if self._train_function is None:
            self._check_compiled()
            graph = self.outputs[0].graph
            with graph.as_default(), graph.name_scope("training"):
                updates = self.optimizer.get_updates(loss=self.total_loss,
                                                     params=self._collected_trainable_weights())
                step = group(*(list(updates) + self.updates))
            run = K.get_session().make_callable(
                self.metrics_tensors + [step],
                self.inputs + self.targets + [K.learning_phase()])

            training = np.array(True)  # fed as it is; a Python bool is converted per batch

            def train(arrays):
                return run(*arrays, training)[:-1]
            self._train_function = train
        return self._train_function

    def _collected_trainable_weights(self):
        return self.trainable_weights

    def _make_test_function(self):
        if self._test_function is None:
            self._check_compiled()
            run = K.get_session().make_callable(self.metrics_tensors, self.inputs + self.targets)
            self._test_function = lambda arrays: run(*arrays)
        return self._test_function

    def _make_predict_function(self):
        if self._predict_function is None:
            run = K.get_session().make_callable(self.outputs, self.inputs)
            self._predict_function = lambda arrays: run(*arrays)
        return self._predict_function

    def _check_compiled(self):
        if self.optimizer is None:
            raise RuntimeError("You must compile your model before using it.")

    # -- data -----------------------------------------------------------------------------------
    def _standardize_x(self, x):
        xs = _as_arrays(x, self.input_names, "input")
        if len(xs) != len(self.inputs):
            raise ValueError(f"Error when checking model input: the list of Numpy arrays that "
                             f"you are passing to your model is not the size the model expected. "
                             f"Expected to see {len(self.inputs)} array(s), but instead got "
                             f"{len(xs)} array(s).")
        return [_conform(a, t, name, "input")
                for a, t, name in zip(xs, self.inputs, self.input_names)]

    def _standardize_y(self, y):
        ys = _as_arrays(y, self.output_names, "target")
        if len(ys) != len(self.outputs):
            raise ValueError(f"Error when checking model target: expected {len(self.outputs)} "
                             f"array(s), but instead got {len(ys)} array(s).")
        return [_conform(a, t, name, "target")
                for a, t, name in zip(ys, self.targets, self.output_names)]

    def _standardize(self, x, y):
        self._check_compiled()
        xs, ys = self._standardize_x(x), self._standardize_y(y)
        counts = {len(a) for a in xs + ys}
        if len(counts) > 1:
            raise ValueError(f"Input arrays should have the same number of samples as target "
                             f"arrays. Found {[len(a) for a in xs]} input samples and "
                             f"{[len(a) for a in ys]} target samples.")
        return xs, ys

    # -- the public training API ----------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            **kwargs):
        """Train for `epochs` epochs of batches of `batch_size` (default 32); returns the
        History (`history.history["loss"]`, ...)."""
        if "nb_epoch" in kwargs:
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                          stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        if class_weight is not None or sample_weight is not None:
            raise NotImplementedError("fit: class_weight and sample_weight are not supported yet")
        batch_size = 32 if batch_size is None else int(batch_size)
        self._build_from_data(x)
        xs, ys = self._standardize(x, y)
        val = None
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data should be a tuple (val_x, val_y); sample "
                                 "weights are not supported yet")
            val = self._standardize(*validation_data)
        elif validation_split and 0.0 < validation_split < 1.0:
            split_at = int(len(xs[0]) * (1.0 - validation_split))
            val = ([a[split_at:] for a in xs], [a[split_at:] for a in ys])
            xs, ys = [a[:split_at] for a in xs], [a[:split_at] for a in ys]
        return training_arrays.fit_loop(
            self, self._make_train_function(), xs + ys, batch_size=batch_size, epochs=epochs,
            verbose=verbose, callbacks=callbacks,
            val_function=self._make_test_function() if val else None,
            val_arrays=val[0] + val[1] if val else None, shuffle=shuffle,
            initial_epoch=initial_epoch)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None):
        """The loss (and metrics) over (x, y): a float, or [loss, metric, ...]."""
        self._build_from_data(x)
        xs, ys = self._standardize(x, y)
        return training_arrays.test_loop(self._make_test_function(), xs + ys,
                                         batch_size=batch_size or 32, verbose=verbose)

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        """The model's outputs for `x`, computed in batches (default 32)."""
        self._build_from_data(x)
        xs = self._standardize_x(x)
        return training_arrays.predict_loop(self._make_predict_function(), xs,
                                            batch_size=batch_size or 32, verbose=verbose)

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One optimizer step on (x, y); returns the loss (and metrics) before the step."""
        self._build_from_data(x)
        xs, ys = self._standardize(x, y)
        return _scalars(self._make_train_function()(xs + ys))

    def test_on_batch(self, x, y, sample_weight=None):
        self._build_from_data(x)
        xs, ys = self._standardize(x, y)
        return _scalars(self._make_test_function()(xs + ys))

    def predict_on_batch(self, x):
        self._build_from_data(x)
        return unpack([np.asarray(o) for o in self._make_predict_function()(
            self._standardize_x(x))])

    # -- saving (engine/saving.py) -------------------------------------------------------------
    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Write the whole model to an HDF5 file: architecture, weights, training
        configuration and optimizer state, in Keras 2's layout (`load_model` reads it)."""
        from . import saving  # a real cycle: saving rebuilds models of these classes
        saving.save_model(self, filepath, overwrite=overwrite,
                          include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """Write the layers' weights to an HDF5 file, in Keras 2's layout."""
        from . import saving  # a real cycle: saving rebuilds models of these classes
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, reshape=False):
        """Load weights saved by `save_weights` (or `save`, or Keras 2 itself)."""
        from . import saving  # a real cycle: saving rebuilds models of these classes
        saving.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def get_config(self):
        """The layers and the calls that connect them, as Keras 2.2.4's functional config."""
        from . import saving  # a real cycle: saving rebuilds models of these classes
        return saving.network_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model of this class from `get_config()`'s dict (a Sequential's too)."""
        from . import saving  # a real cycle: saving rebuilds models of these classes
        return saving.model_from_class(cls, config, custom_objects)

    def to_json(self, **kwargs):
        """The model's config as JSON (`keras.models.model_from_json` reads it back)."""
        from . import saving  # a real cycle: saving rebuilds models of these classes
        return saving.model_to_json(self, **kwargs)

    def _build_from_data(self, x):
        """Sequential builds here when its first layer had no input shape."""

    def _get_callback_model(self):
        return self


def _resolve_metric(metric, loss_fn, output):
    if metric in ("accuracy", "acc", "crossentropy", "ce"):
        return metrics_mod.resolve_accuracy(metric, loss_fn, tuple(output.shape.dims))
    fn = metrics_mod.get(metric)
    return fn, getattr(fn, "__name__", str(metric))


def _as_arrays(data, names, what) -> list:
    if data is None:
        raise ValueError(f"Error when checking model {what}: no data was passed")
    if isinstance(data, dict):
        return [data[n] for n in names]
    if isinstance(data, (list, tuple)) and len(names) > 1:
        return list(data)
    return [data]


def _conform(array, tensor, name, what):
    """`array` as the float (or integer) array `tensor` takes, a 1-D target against an output
    of rank 2 made a column (never broadcast to N x N), and its shape checked."""
    array = np.asarray(array) if not hasattr(array, "to_numpy") else array.to_numpy()
    array = K.cast_to_floatx(array) if tensor.dtype.is_floating else \
        np.asarray(array, dtype=tensor.dtype.np_dtype)
    want = tensor.shape.dims
    if array.ndim == 1 and want is not None and len(want) == 2:
        array = array.reshape(-1, 1)
    if want is not None:
        if array.ndim != len(want):
            raise ValueError(f"Error when checking {what}: expected {name} to have {len(want)} "
                             f"dimensions, but got array with shape {array.shape}")
        for d, n in zip(want[1:], array.shape[1:]):
            if d is not None and d != n:
                raise ValueError(f"Error when checking {what}: expected {name} to have shape "
                                 f"{tuple(want[1:])} but got array with shape {array.shape}")
    return array


def _scalars(outs):
    values = [float(np.asarray(o)) for o in outs]
    return values[0] if len(values) == 1 else values
