"""Keras 2.2.4's HDF5 model files: `save_model`/`load_model` (architecture, weights, training
configuration, optimizer state) and `save_weights`/`load_weights` (weights only).

The layout, byte for byte in Keras 2.2.4's terms (h5py): root attributes `keras_version`
(b"2.2.4"), `backend` (b"tensorflow"), `model_config` and `training_config` (JSON, as
fixed-length byte strings); group `model_weights` with attributes `layer_names`, `backend`,
`keras_version` and one group per layer, whose attribute `weight_names` (e.g.
b"dense_1/kernel:0") names its datasets (so "dense_1/kernel:0" is dataset "kernel:0" in
group "dense_1" inside the layer's group); group `optimizer_weights`, the same way, once the
optimizer has state. `save_weights` writes `model_weights`' layout at the root. Files are
written through a temporary file and a rename, so an interrupted save never leaves a broken
model file, and get the mode a new file gets under the umask.

Reading accepts files of Keras 2.x and tf.keras 1.x/2.x (saving_compat.py says what differs)
and never runs code from a file (no pickle; a Lambda layer is refused).

Example:
    model.save("my_model.h5")
    model = load_model("my_model.h5")     # compiled; evaluate gives the same numbers
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings

import h5py
import numpy as np

from ...fileio import new_file_mode
from .. import backend as K, optimizers
from . import saving_compat
from .model_config import (json_default, model_config, model_from_class,  # noqa: F401
                           model_from_config, model_from_json, network_config,
                           to_json as model_to_json)

KERAS_VERSION = "2.2.4"
BACKEND = "tensorflow"
#: the most bytes one HDF5 attribute holds; longer name lists are split as Keras splits them
HDF5_OBJECT_HEADER_LIMIT = 64512


# -- writing --------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write `model` to the HDF5 file `filepath` (or into an open h5py group): its config,
    weights, and, with include_optimizer, its compile configuration and optimizer state.

    overwrite=False on an existing file raises FileExistsError (Keras 2.2.4 asked on the
    terminal instead). Example: `save_model(model, "model.h5")`.
    """
    _write(filepath, overwrite, lambda f: _write_model(f, model, include_optimizer))


def save_weights(model, filepath, overwrite=True):
    """Write the weights of `model`'s layers to the HDF5 file `filepath`."""
    _write(filepath, overwrite, lambda f: _write_weights(f, model.layers))


def _write(filepath, overwrite, write):
    if isinstance(filepath, h5py.Group):
        write(filepath)
        return
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False (Keras 2.2.4 asked on the "
                              f"terminal whether to overwrite it; flowgraph does not ask): "
                              f"pass overwrite=True or choose another name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to {path}: the directory {directory} does not "
                                f"exist (create it first, e.g. os.makedirs)")
    _write_atomically(path, write)


def _write_atomically(path, write):
    """Write through a temporary file beside `path`, then rename it over `path`: readers see
    the old file or the whole new one. mkstemp makes the file 0600; it gets the mode a new
    file would have under the umask before the rename."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix=os.path.basename(path) + ".", suffix=".tmp")
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            write(f)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _bytes(text: str):
    """A fixed-length byte string attribute, as h5py 2 wrote Keras 2.2.4's bytes."""
    return np.bytes_(text.encode("utf-8"))


def _write_model(f, model, include_optimizer):
    f.attrs["keras_version"] = _bytes(KERAS_VERSION)
    f.attrs["backend"] = _bytes(BACKEND)
    f.attrs["model_config"] = _bytes(json.dumps(model_config(model), default=json_default))
    _write_weights(f.create_group("model_weights"), model.layers)
    if include_optimizer and model.optimizer is not None:
        _write_training(f, model)


def _write_weights(group, layers):
    _write_names(group, "layer_names", [layer.name.encode("utf-8") for layer in layers])
    group.attrs["backend"] = _bytes(BACKEND)
    group.attrs["keras_version"] = _bytes(KERAS_VERSION)
    per_layer = [_weights_of(layer) for layer in layers]
    values = iter(K.batch_get_value([w for ws in per_layer for w in ws]))  # one session run
    for layer, weights in zip(layers, per_layer):
        _write_arrays(group.create_group(layer.name), weights,
                      [next(values) for _ in weights])


def _weights_of(layer) -> list:
    """A layer's weights in Keras 2.2.4's order: trainable, then non-trainable (for a
    nested model too, whose flowgraph `weights` go layer by layer)."""
    return layer.trainable_weights + layer.non_trainable_weights


def _write_arrays(group, variables, values):
    """The `weight_names` attribute and one dataset per variable, under its name (made
    unique with _1, _2, ... as Keras does)."""
    names = []
    for i, w in enumerate(variables):
        name = getattr(w, "name", None) or f"param_{i}"
        unique, n = name, 1
        while unique.encode("utf-8") in names:
            unique, n = f"{name}_{n}", n + 1
        names.append(unique.encode("utf-8"))
    _write_names(group, "weight_names", names)
    for name, value in zip(names, values):
        group.create_dataset(name.decode("utf-8"), data=np.asarray(value))


def _write_names(group, attr, names):
    """A list of byte strings as one attribute (an empty list as h5py stores [], as Keras
    left it), or in chunks attr0, attr1, ... when it is too long for one."""
    too_long = [n for n in names if len(n) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(f"The following attributes cannot be saved to HDF5 file because "
                           f"they are larger than {HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long}")
    if not names:
        group.attrs[attr] = []
        return
    data = np.asarray(names)
    chunks = 1
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in np.array_split(data, chunks)):
        chunks += 1
    if chunks == 1:
        group.attrs[attr] = data
        return
    for i, chunk in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{attr}{i}"] = chunk


def _write_training(f, model):
    optimizer = model.optimizer
    if isinstance(optimizer, optimizers.TFOptimizer):
        warnings.warn("TensorFlow optimizers do not make it possible to access optimizer "
                      "attributes or optimizer state after instantiation. As a result, we "
                      "cannot save the optimizer as part of the model save file. You will "
                      "have to compile your model again after loading it. Prefer using a "
                      "Keras optimizer instead (see keras.io/optimizers).", stacklevel=4)
        return
    compiled = _compile_arguments(model)
    config = {"optimizer_config": {"class_name": type(optimizer).__name__,
                                   "config": optimizer.get_config()},
              "loss": compiled["loss"], "metrics": compiled["metrics"] or [],
              "sample_weight_mode": None, "loss_weights": compiled["loss_weights"]}
    f.attrs["training_config"] = _bytes(json.dumps(config, default=json_default))
    if optimizer.weights:  # only once a training step was built, as in Keras 2.2.4
        _write_arrays(f.create_group("optimizer_weights"), optimizer.weights,
                      K.batch_get_value(optimizer.weights))


def _compile_arguments(model) -> dict:
    """What compile was given (a Sequential waiting for its data keeps it aside)."""
    deferred = model._deferred_compile
    if deferred is not None:
        return {"loss": deferred["loss"], "metrics": deferred["metrics"],
                "loss_weights": deferred["loss_weights"]}
    weights = model.loss_weights
    # flowgraph keeps one weight per output; all ones is what compile's default None gave
    plain = all(w == 1.0 for w in weights) if isinstance(weights, list) else False
    return {"loss": model.loss, "metrics": model._compile_metrics,
            "loss_weights": None if plain else weights}


# -- reading --------------------------------------------------------------------------------
def load_model(filepath, custom_objects=None, compile=True):
    """The model saved in `filepath` (a path or an open h5py group), compiled as it was when
    the file has a training configuration, with its optimizer state.

    Layer classes are found by name among flowgraph.keras.layers' and `custom_objects`' (a
    dict of name: class or function). Example: `load_model("my_model.h5")`.
    """
    with _open(filepath) as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError("No model found in config file (a file of `save_weights` holds "
                             "weights only: build the model and call `load_weights`).")
        weights = f["model_weights"]
        _check_origin(weights)
        model = model_from_config(json.loads(_text(raw)), custom_objects)
        _load_in_order(weights, model.layers, match_names=True)
        if compile:
            _compile_from(f, model, custom_objects or {})
    return model


@contextlib.contextmanager
def _open(filepath):
    if isinstance(filepath, h5py.Group):
        yield filepath
        return
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise OSError(f"{path} is not an HDF5 file, the format Keras 2 saves .h5 models in "
                      f"(Keras 3's zipped .keras files are not read): {e}") from None
    with f:
        yield f


def _text(value) -> str:
    """An attribute as text: h5py gives Keras 2.2.4's byte strings as bytes, tf_keras's as
    str."""
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else str(value)


def _names(group, attr) -> list:
    if attr in group.attrs:
        chunks = [group.attrs[attr]]
    else:
        chunks, i = [], 0
        while f"{attr}{i}" in group.attrs:
            chunks.append(group.attrs[f"{attr}{i}"])
            i += 1
    return [_text(n) for chunk in chunks for n in np.atleast_1d(chunk)]


def _check_origin(group):
    version = group.attrs.get("keras_version")
    if version is None:
        raise ValueError("This weight file has no keras_version: it was written by Keras 1, "
                         "whose layouts flowgraph does not convert")
    if _text(version).startswith("3"):
        raise ValueError(f"This file was written by Keras {_text(version)}, whose model "
                         f"config flowgraph does not read; it reads Keras 2 and tf.keras files")
    backend = group.attrs.get("backend")
    if backend is not None and _text(backend) == "theano":
        raise ValueError("This file was written with Keras's Theano backend, whose "
                         "convolution kernels are flipped; flowgraph reads TensorFlow ones")


def _saved_layers(group) -> list:
    """(name, weight values) of the saved layers that have weights, in the file's order."""
    out = []
    for name in _names(group, "layer_names"):
        weight_names = _names(group[name], "weight_names")
        if weight_names:
            out.append((name, [np.asarray(group[name][w]) for w in weight_names]))
    return out


def _load_in_order(group, layers, match_names=False):
    """Set the weights of the layers that have weights from the saved layers, the k-th from
    the k-th (Keras's topological loading); with match_names, the saved layer of the same
    name where every name matches (a model rebuilt from the file's own config)."""
    layers = [layer for layer in layers if _weights_of(layer)]
    saved = _saved_layers(group)
    if len(saved) != len(layers):
        raise ValueError(f"You are trying to load a weight file containing {len(saved)} "
                         f"layers into a model with {len(layers)} layers.")
    by_name = dict(saved)
    if match_names and sorted(by_name) == sorted(layer.name for layer in layers):
        saved = [(layer.name, by_name[layer.name]) for layer in layers]
    pairs = []
    for k, ((name, values), layer) in enumerate(zip(saved, layers)):
        weights = _weights_of(layer)
        if len(values) != len(weights):
            raise ValueError(f'Layer #{k} (named "{layer.name}" in the current model) was '
                             f'found to correspond to layer {name} in the save file. However '
                             f'the new layer {layer.name} expects {len(weights)} weights, but '
                             f'the saved weights have {len(values)} elements.')
        for w, value in zip(weights, values):
            _check_shape(k, layer, w, value)
            pairs.append((w, value))
    K.batch_set_value(pairs)


def _check_shape(k, layer, weight, value):
    want = tuple(weight.shape.as_list())
    if want != value.shape:
        raise ValueError(f'Layer #{k} (named "{layer.name}"), weight {weight.name} has shape '
                         f'{want}, but the saved weight has shape {value.shape}.')


def _load_by_name(group, layers, skip_mismatch):
    """Set each layer's weights from the saved layer of its name; layers without one keep
    theirs. skip_mismatch: a layer (or weight) whose count (or shape) differs is skipped with
    a warning instead of an error."""
    index = {}
    for layer in layers:
        index.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, (name, values) in enumerate(_saved_layers(group)):
        for layer in index.get(name, []):
            weights = _weights_of(layer)
            if len(values) != len(weights):
                if not skip_mismatch:
                    raise ValueError(f'Layer #{k} (named "{layer.name}") expects '
                                     f'{len(weights)} weight(s), but the saved weights have '
                                     f'{len(values)} element(s).')
                warnings.warn(f"Skipping loading of weights for layer {layer.name} due to "
                              f"mismatch in number of weights ({len(weights)} vs "
                              f"{len(values)}).", stacklevel=4)
                continue
            for w, value in zip(weights, values):
                if tuple(w.shape.as_list()) != value.shape and skip_mismatch:
                    warnings.warn(f"Skipping loading of weights for layer {layer.name} due "
                                  f"to mismatch in shape ({tuple(w.shape.as_list())} vs "
                                  f"{value.shape}).", stacklevel=4)
                    continue
                _check_shape(k, layer, w, value)
                pairs.append((w, value))
    K.batch_set_value(pairs)


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Set `model`'s weights from a file of `save_weights` or `save` (or Keras 2's): layer by
    layer in order, or with by_name=True to the layers of the same names."""
    with _open(filepath) as f:
        group = f
        if not any(a in f.attrs for a in ("layer_names", "layer_names0")) \
                and "model_weights" in f:
            group = f["model_weights"]
        _check_origin(group)
        if by_name:
            _load_by_name(group, model.layers, skip_mismatch)
        else:
            _load_in_order(group, model.layers)


# -- compiling from the file ------------------------------------------------------------------
def _compile_from(f, model, custom_objects):
    raw = f.attrs.get("training_config")
    if raw is None:
        warnings.warn("No training configuration found in save file: the model was *not* "
                      "compiled. Compile it manually.", stacklevel=3)
        return
    config = json.loads(_text(raw))
    outputs = getattr(model, "output_names", [])
    metrics = saving_compat.metrics_entry(config.get("metrics"), outputs)
    if config.get("weighted_metrics"):
        warnings.warn(f"The file's weighted_metrics {config['weighted_metrics']} are left "
                      f"out: flowgraph.keras's compile has no sample weights", stacklevel=3)
    custom = saving_compat.with_custom_objects
    model.compile(optimizer=saving_compat.optimizer(config["optimizer_config"], custom_objects),
                  loss=custom(saving_compat.loss_entry(config["loss"]), custom_objects),
                  metrics=custom(metrics, custom_objects),
                  loss_weights=config.get("loss_weights"),
                  sample_weight_mode=config.get("sample_weight_mode"))
    if "optimizer_weights" in f:
        _restore_optimizer(model, f["optimizer_weights"])


def _restore_optimizer(model, group):
    if not model.outputs:  # a Sequential that waits for its data has no training step yet
        saving_compat.warn_optimizer_state("the model is built only when data comes")
        return
    model._make_train_function()  # makes the optimizer's state variables
    names = _names(group, "weight_names")
    values = [np.asarray(group[n]) for n in names]
    try:
        model.optimizer.set_weights(
            saving_compat.optimizer_values(names, values, model.optimizer))
    except ValueError as e:
        saving_compat.warn_optimizer_state(e)
