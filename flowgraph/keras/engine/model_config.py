"""A model's configuration as Keras 2.2.4 writes it, and models rebuilt from one.

`model_config(model)` is the `{"class_name", "config"}` dict that `save` puts in a file and
`to_json` prints: a Sequential's `{"name", "layers"}` (Keras 2.2.3 and later; 2.2.2 and
earlier wrote a bare list, which is read too), a functional model's layers with the calls
that connect them (`inbound_nodes`: `[[["dense_1", 0, 0, {}]]]`), `input_layers` and
`output_layers`. `model_from_config` builds the model again, finding each layer class by its
name among flowgraph.keras.layers' classes and `custom_objects`; nothing in a config is
ever run as code, so a `Lambda` layer is refused. Configs written by other Keras versions are
made to fit first (saving_compat.py).

Example:
    config = model_config(model)            # {"class_name": "Sequential", "config": {...}}
    same = model_from_config(config)        # new layers, new (initial) weights
"""
from __future__ import annotations

import json

import numpy as np

from .. import layers as layers_module
from . import saving_compat
from .base_layer import Layer, node_of, unpack
from .network import Network
from .sequential import Sequential
from .training import Model


# -- writing --------------------------------------------------------------------------------
def model_config(model) -> dict:
    """{"class_name": type name, "config": ...}, as Keras 2.2.4's save and to_json write it."""
    return {"class_name": type(model).__name__, "config": layer_config(model)}


def layer_config(layer):
    """The layer's get_config, with a Sequential's given in Keras 2.2.4's dict form."""
    if _is_sequential(layer):
        return sequential_config(layer)
    return layer.get_config()


def sequential_config(model) -> dict:
    """{"name", "layers"} as Keras 2.2.4 writes a Sequential, plus "build_input_shape" when
    the layers' own configs do not give the input shape the model was built for (a model
    built from its data, or begun with an InputLayer), so that loading builds it again."""
    layers = [{"class_name": type(layer).__name__, "config": layer_config(layer)}
              for layer in model.layers]
    config = {"name": model.name, "layers": layers}
    if model.inputs and layers:
        built = tuple(model.inputs[0].shape.dims)
        given = layers[0]["config"].get("batch_input_shape")
        if given is None or tuple(given) != built:
            config["build_input_shape"] = built
    return config


def network_config(model) -> dict:
    """A functional model's config in Keras 2.2.4's form: each layer with the calls (nodes)
    that belong to this model, each call's inputs as [layer name, node index, tensor index,
    call arguments], then where the model's inputs and outputs come from."""
    kept = {id(node) for node in model._nodes}
    layers = []
    for layer in model.layers:
        inbound = [[[node_of(t).layer.name, _node_index(node_of(t), kept),
                     _tensor_index(node_of(t), t), {}] for t in node.inputs]
                   for node in layer.inbound_nodes if id(node) in kept and node.inputs]
        layers.append({"name": layer.name, "class_name": type(layer).__name__,
                       "config": layer_config(layer), "inbound_nodes": inbound})

    def ends(tensors):
        return [[node_of(t).layer.name, _node_index(node_of(t), kept),
                 _tensor_index(node_of(t), t)] for t in tensors]
    return {"name": model.name, "layers": layers, "input_layers": ends(model.inputs),
            "output_layers": ends(model.outputs)}


def _node_index(node, kept) -> int:
    """The node's place among its layer's calls that this model keeps. Keras counts a nested
    model's own input-to-output node first, which flowgraph's networks do not have."""
    mine = [n for n in node.layer.inbound_nodes if id(n) in kept]
    position = next(i for i, n in enumerate(mine) if n is node)
    return position + (1 if isinstance(node.layer, Network) else 0)


def _tensor_index(node, tensor) -> int:
    return next(i for i, t in enumerate(node.outputs) if t is tensor)


def to_json(model, **kwargs) -> str:
    """The model's config as JSON, with Keras 2.2.4's `keras_version` and `backend` keys."""
    config = {**model_config(model), "keras_version": "2.2.4", "backend": "tensorflow"}
    return json.dumps(config, default=json_default, **kwargs)


def json_default(obj):
    """What json.dumps cannot write itself, written as Keras 2.2.4 did: objects with a
    config as {"class_name", "config"}, NumPy values as lists or numbers, functions and
    classes by name."""
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if callable(obj):
        return obj.__name__
    raise TypeError(f"Not JSON Serializable: {obj!r}")


# -- reading --------------------------------------------------------------------------------
def model_from_config(config, custom_objects=None):
    """A new, uncompiled model from a {"class_name", "config"} dict (e.g. `model_config`'s).

    Example: `model_from_config({"class_name": "Sequential", "config": {"name": "s",
    "layers": [{"class_name": "Dense", "config": {"units": 1, "batch_input_shape":
    [None, 3]}}]}})`.
    """
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Maybe you "
                        "meant to use `Sequential.from_config(config)`?")
    return deserialize_layer(config, custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A new, uncompiled model from `model.to_json()`'s text."""
    return model_from_config(json.loads(json_string), custom_objects)


def deserialize_layer(data, custom_objects=None):
    """The layer (or model) a {"class_name", "config"} entry describes."""
    class_name, config = saving_compat.layer_entry(data, custom_objects)
    cls = layer_class(class_name, custom_objects)
    if _is_model_class(cls):
        return cls.from_config(config, custom_objects=custom_objects)
    if class_name not in (custom_objects or {}):  # later Keras's extra arguments, ours only
        config = saving_compat.fit_arguments(cls, config,
                                             f"Layer {config.get('name')!r} ({class_name})")
    try:
        return cls.from_config(config)
    except TypeError as e:  # an argument this flowgraph layer does not take
        raise ValueError(f"Cannot rebuild layer {config.get('name')!r} ({class_name}) from "
                         f"its saved config: {e}") from None


def layer_class(class_name, custom_objects=None):
    """The class saved as `class_name`: custom_objects first, then flowgraph.keras.layers'
    classes and the model classes."""
    found = (custom_objects or {}).get(class_name) or _registry().get(class_name)
    if found is not None:
        return found
    if class_name == "Lambda":
        raise ValueError("The file has a Lambda layer: its function is Python code stored in "
                         "the file, and loading never runs code from a file. Build the model "
                         "in code and use `load_weights`, or pass your own class as "
                         "custom_objects={'Lambda': ...}.")
    raise ValueError(f"Unknown layer: {class_name}. flowgraph.keras has no layer of that "
                     f"name; if it is your own class, pass it as "
                     f"custom_objects={{{class_name!r}: {class_name}}} to load_model "
                     f"(or model_from_config / model_from_json).")


def _registry() -> dict:
    """{class name: class}: flowgraph.keras.layers' public layer classes (aliases such as
    MaxPool2D included) and the model classes, under their tf.keras names too."""
    found = {name: obj for name, obj in vars(layers_module).items()
             if isinstance(obj, type) and issubclass(obj, Layer) and not name.startswith("_")}
    found.update(Sequential=Sequential, Model=Model, Functional=Model)
    return found


def _is_model_class(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, Model)


def _is_sequential(obj) -> bool:
    return isinstance(obj, Sequential)


def model_from_class(cls, config, custom_objects=None):
    """`cls.from_config`: a Sequential from its layer list, a functional model from its
    layers and their calls."""
    if issubclass(cls, Sequential):
        return _sequential_from_config(cls, config, custom_objects)
    return _network_from_config(cls, config, custom_objects)


def _sequential_from_config(cls, config, custom_objects):
    if isinstance(config, list):  # Keras 2.2.2 and earlier
        name, build_shape, entries = None, None, config
    else:
        name, build_shape = config.get("name"), config.get("build_input_shape")
        entries = config["layers"]
    model = cls(name=name)
    for entry in entries:
        model.add(deserialize_layer(entry, custom_objects))
    if not model.outputs and build_shape:
        model.build(tuple(build_shape))
    return model


def _network_from_config(cls, config, custom_objects):
    """Make every layer, then make its calls in the order the config lists them, each call
    once the layers it takes its inputs from have made theirs (Keras's queue)."""
    created, queues = {}, {}
    for entry in config["layers"]:
        created[entry["name"]] = deserialize_layer(entry, custom_objects)
        queues[entry["name"]] = list(entry.get("inbound_nodes") or [])
    while any(queues.values()):
        progressed = False
        for name, queue in queues.items():
            while queue and _call(created[name], queue[0], created):
                queue.pop(0)
                progressed = True
        if not progressed:
            stuck = sorted(name for name, queue in queues.items() if queue)
            raise ValueError(f"Improperly formatted model config: the inputs of layer(s) "
                             f"{stuck} are never made by the other layers")
    inputs = [_tensor(created, end) for end in _ends(config["input_layers"])]
    outputs = [_tensor(created, end) for end in _ends(config["output_layers"])]
    return cls(inputs=unpack(inputs), outputs=unpack(outputs), name=config.get("name"))


def _ends(ends) -> list:
    """tf.keras writes a single input or output as one [name, node, tensor] triple."""
    return [ends] if ends and isinstance(ends[0], str) else list(ends)


def _call(layer, node_data, created) -> bool:
    """Call `layer` on the tensors `node_data` names; False while one does not exist yet."""
    if isinstance(node_data, dict):
        raise ValueError("This model config was written by Keras 3 (its calls are "
                         "dictionaries); flowgraph reads Keras 2 and tf.keras files.")
    tensors, kwargs = [], {}
    for item in node_data:
        if len(item) not in (3, 4):
            raise ValueError(f"Improperly formatted model config: inbound node {item!r}")
        tensor = _tensor(created, item[:3], missing_ok=True)
        if tensor is None:
            return False
        tensors.append(tensor)
        kwargs = item[3] if len(item) == 4 and item[3] else kwargs
    layer(unpack(tensors), **kwargs)
    return True


def _tensor(created, end, missing_ok=False):
    """The output `tensor_index` of call `node_index` of layer `name` (Keras's numbering)."""
    name, node_index, tensor_index = end
    layer = created.get(name)
    if layer is None:
        raise ValueError(f"Improperly formatted model config: no layer named {name!r}")
    if isinstance(layer, Network):  # Keras counts a model's own input-to-output node first
        if node_index == 0:
            return layer.outputs[tensor_index]
        node_index -= 1
    if node_index >= len(layer.inbound_nodes):
        if missing_ok:
            return None
        raise ValueError(f"Improperly formatted model config: layer {name!r} has no call "
                         f"number {node_index}")
    return layer.inbound_nodes[node_index].outputs[tensor_index]
