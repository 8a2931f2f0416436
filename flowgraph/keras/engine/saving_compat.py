"""What model files written by other Keras versions (tf.keras 1.x and 2.x, tf_keras, Keras
2.0-2.2) say differently from Keras 2.2.4, said in Keras 2.2.4's terms before a model is
rebuilt from them.

- Layer entries: `module`/`registered_name`/`build_config` keys dropped; dtype policies as
  their dtype name; `axis: [3]` as 3; initializers under tf.keras's class names
  (GlorotUniform, HeNormal, ...) as Keras 2.2.4's; later arguments at their harmless values
  (`groups=1`, `time_major=False`, `ragged=False`, ...) dropped, any other value refused.
- Optimizer configs: `Custom>Adam` as Adam, `learning_rate` as `lr`, tf.keras's extra keys
  (`name`, `weight_decay=None`, `use_ema=False`, ...) dropped.
- Training configs: tf.keras's metric objects (`MeanMetricWrapper` named "accuracy") as
  Keras 2.2.4's metric names; loss objects as loss function names.
- Optimizer state: tf.keras's slot variables ("Adam/m/dense/kernel:0", interleaved m and v)
  regrouped into Keras 2.2.4's order (iterations, all m, all v, ...).
Nothing here runs code from a file: classes come from flowgraph or from `custom_objects`.
"""
from __future__ import annotations

import inspect
import re
import warnings

import numpy as np

from .. import backend as K, optimizers

_ANY = object()

#: Arguments later Keras versions added, and the values at which leaving them out changes
#: nothing (_ANY: any value; they only choose a kernel or concern masks flowgraph lacks).
_NEUTRAL = {
    "ragged": (False,), "optional": (False,), "sparse": (False,), "groups": (1,),
    "time_major": (False,), "zero_output_for_mask": _ANY, "renorm": (False,),
    "renorm_clipping": (None,), "renorm_momentum": _ANY, "virtual_batch_size": (None,),
    "adjustment": (None,), "fused": _ANY, "synchronized": (False,), "autocast": _ANY,
    # optimizers
    "name": _ANY, "is_legacy_optimizer": _ANY, "jit_compile": _ANY, "weight_decay": (None, 0.),
    "global_clipnorm": (None,), "use_ema": (False,), "ema_momentum": _ANY,
    "ema_overwrite_frequency": _ANY, "clipnorm": (None,), "clipvalue": (None,),
    "momentum": (0.,), "centered": (False,), "decay": (0.,),
}
#: tf.keras's initializer class names -> Keras 2.2.4's
_INITIALIZERS = {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal",
                 "HeUniform": "he_uniform", "HeNormal": "he_normal",
                 "LecunUniform": "lecun_uniform", "LecunNormal": "lecun_normal"}
_DROPPED_ENTRY_KEYS = ("module", "registered_name", "build_config", "compile_config")


# -- layers ---------------------------------------------------------------------------------
def layer_entry(data, custom_objects=None):
    """(class name, config) of a layer entry, the config in Keras 2.2.4's terms."""
    if not isinstance(data, dict) or "class_name" not in data or "config" not in data:
        raise ValueError(f"Improper config format: {data!r}")
    data = {k: v for k, v in data.items() if k not in _DROPPED_ENTRY_KEYS}
    config = data["config"]
    if isinstance(config, dict):
        config = {key: _value(key, value, config.get("name"), custom_objects or {})
                  for key, value in config.items()}
        if "batch_shape" in config:  # Keras 3's spelling
            config["batch_input_shape"] = config.pop("batch_shape")
    return data["class_name"], config


def _value(key, value, layer, custom_objects):
    if key == "dtype" and isinstance(value, dict):  # a dtype policy
        value = value.get("config", {}).get("name", value)
        if not isinstance(value, str) or value.startswith("mixed"):
            raise ValueError(f"Layer {layer!r}: dtype policy {value!r} is not supported; "
                             f"flowgraph's Keras layers compute in one float type")
        return value
    if key == "axis" and isinstance(value, list) and len(value) == 1:
        return value[0]   # tf.keras's BatchNormalization writes [3]
    if key.endswith("activation"):
        if isinstance(value, dict) and value.get("class_name") == "function":
            value = value.get("config")  # a later Keras's wrapping of a function's name
        return custom_objects.get(value, value) if isinstance(value, str) else value
    if key.endswith("_initializer") and isinstance(value, dict):
        return _initializer(value, custom_objects)
    if key.endswith(("_regularizer", "_constraint")) and value is not None:
        return _custom(value, layer, key, custom_objects)
    return value


def _initializer(config, custom_objects):
    name = config.get("class_name")
    if name in custom_objects:
        return _instantiate(custom_objects[name], config.get("config") or {})
    inner = dict(config.get("config") or {})
    if inner.get("distribution") == "truncated_normal":
        inner["distribution"] = "normal"  # what Keras 2.2.4 called its truncated normal
    return {"class_name": _INITIALIZERS.get(name, name), "config": inner}


def _custom(value, layer, key, custom_objects):
    name = value.get("class_name") if isinstance(value, dict) else value
    if name in custom_objects:
        found = custom_objects[name]
        return _instantiate(found, value.get("config") or {}) if isinstance(value, dict) \
            else found
    raise ValueError(f"Layer {layer!r}: {key} {value!r} cannot be rebuilt: flowgraph.keras "
                     f"has no regularizer or constraint classes; pass yours in "
                     f"custom_objects={{{name!r}: ...}}")


def _instantiate(cls, config):
    return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)


def fit_arguments(cls, config: dict, what: str, extra=()) -> dict:
    """`config` without the later arguments `cls` does not take, when they are at a value
    that changes nothing; any other argument it does not take is a clear error."""
    accepted = _parameters(cls) | set(extra)
    fitted = {}
    for key, value in config.items():
        if key in accepted and not (value is None and key in _NEUTRAL):
            fitted[key] = value
        elif key in _NEUTRAL and (_NEUTRAL[key] is _ANY or value in _NEUTRAL[key]):
            continue
        else:
            raise ValueError(f"{what}: flowgraph's {cls.__name__} does not support "
                             f"{key}={value!r} (saved by a later Keras version)")
    return fitted


def _parameters(cls) -> set:
    """The named arguments of the class's __init__ and of those it passes **kwargs on to."""
    names = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names - {"self"}


# -- compile configuration ------------------------------------------------------------------
def optimizer(entry: dict, custom_objects):
    """The optimizer a saved {"class_name", "config"} describes (custom_objects first)."""
    name = str(entry["class_name"]).split(">")[-1]
    known = None if name in custom_objects else _OPTIMIZERS.get(name.lower())
    return optimizers.deserialize(optimizer_entry(entry, known), custom_objects)


_OPTIMIZERS = {name.lower(): cls for name, cls in vars(optimizers).items()
               if isinstance(cls, type) and issubclass(cls, optimizers.Optimizer)
               and cls is not optimizers.Optimizer}


def with_custom_objects(obj, custom_objects):
    """Names that custom_objects defines replaced by its objects, inside lists and dicts."""
    if isinstance(obj, list):
        return [with_custom_objects(v, custom_objects) for v in obj]
    if isinstance(obj, dict):
        return {k: with_custom_objects(v, custom_objects) for k, v in obj.items()}
    if isinstance(obj, str) and obj in custom_objects:
        return custom_objects[obj]
    return obj


def optimizer_entry(entry: dict, known_class=None) -> dict:
    """An optimizer's {"class_name", "config"} in Keras 2.2.4's terms; `known_class` is
    flowgraph's class of that name (None for a custom one: its config is left as saved)."""
    class_name = str(entry["class_name"]).split(">")[-1]  # tf_keras: "Custom>Adam"
    config = dict(entry.get("config") or {})
    if "learning_rate" in config:
        rate = config.pop("learning_rate")
        if isinstance(rate, dict):
            raise ValueError(f"The optimizer's learning rate is a schedule "
                             f"({rate.get('class_name')}), which flowgraph.keras cannot "
                             f"rebuild; load with compile=False and compile again")
        config.setdefault("lr", rate)
    if known_class is not None:
        config = fit_arguments(known_class, config, f"optimizer {class_name}",
                               extra=("clipnorm", "clipvalue"))
    return {"class_name": class_name, "config": config}


def loss_entry(loss):
    """A loss as compile takes it: tf.keras's loss objects as loss function names."""
    if isinstance(loss, dict) and "class_name" in loss:
        config = loss.get("config") or {}
        if config.get("from_logits") or config.get("label_smoothing"):
            raise ValueError(f"Loss {loss['class_name']} with from_logits or label_smoothing "
                             f"is not supported by flowgraph.keras; load with compile=False")
        return _snake(loss["class_name"])
    if isinstance(loss, dict):
        return {name: loss_entry(value) for name, value in loss.items()}
    if isinstance(loss, list):
        return [loss_entry(value) for value in loss]
    return loss


def metrics_entry(metrics, output_names):
    """compile's `metrics` from a saved one: tf.keras writes one list per output, of metric
    objects; Keras 2.2.4 a list of names."""
    if isinstance(metrics, dict):
        return {name: metrics_entry(value, [name]) for name, value in metrics.items()}
    if not isinstance(metrics, list):
        return metrics
    if metrics and all(isinstance(m, list) for m in metrics):
        per_output = [[_metric(m) for m in group] for group in metrics]
        if len(per_output) == 1:
            return per_output[0]
        return dict(zip(output_names, per_output))
    return [_metric(m) for m in metrics]


def _metric(metric):
    if not isinstance(metric, dict):
        return metric
    config = metric.get("config") or {}
    if metric.get("class_name") == "MeanMetricWrapper":
        name = config.get("name")
        return name if name in ("accuracy", "acc", "crossentropy", "ce") else config.get("fn")
    return _snake(metric.get("class_name", ""))


def _snake(name: str) -> str:
    """BinaryCrossentropy -> binary_crossentropy, MeanSquaredError -> mean_squared_error."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


# -- optimizer state --------------------------------------------------------------------------
_ITERATIONS = re.compile(r"(^|/)(iter|iteration|iterations)(:\d+)?$")


def optimizer_values(names, values, optimizer) -> list:
    """The saved optimizer state in the order flowgraph's (Keras 2.2.4's) optimizer keeps it.
    Keras 2.2.4's own lists are returned as they are; tf.keras's, whose variable names say
    each slot's kind ("Adam/m/dense/kernel:0", "RMSprop/dense/kernel/rms:0"), are regrouped:
    iterations, then every slot of the first kind, then the second, ... (Adam's m, then v)."""
    kinds = [_slot_kind(n) for n in names]
    if not names or not all(k is not None for k in kinds):
        return list(values)
    counter = [v for v, k in zip(values, kinds) if k == "iterations"]
    order = list(dict.fromkeys(k for k in kinds if k != "iterations"))
    regrouped = counter + [v for kind in order for v, k in zip(values, kinds) if k == kind]
    missing = len(optimizer.weights) - len(regrouped)
    if missing > 0 and _unused_slots_last(optimizer):
        regrouped += [np.zeros(w.shape.as_list(), dtype=w.dtype.np_dtype)
                      for w in optimizer.weights[-missing:]]
    return regrouped


def _unused_slots_last(optimizer) -> bool:
    """Whether the optimizer's last slots are ones its updates never read, which tf.keras
    does not keep: Keras 2.2.4's Adam's (1,) placeholders without amsgrad, SGD's moments
    without momentum."""
    name = type(optimizer).__name__
    if name == "Adam":
        return not optimizer.amsgrad
    return name == "SGD" and float(K.get_value(optimizer.momentum)) == 0.


def _slot_kind(name):
    """'iterations', a slot's kind, or None where the name does not say (Keras 2.2.4's
    'training/Adam/Variable_3:0')."""
    name = name.split(":")[0] if ":" in name else name
    if _ITERATIONS.search(name):
        return "iterations"
    parts = name.split("/")
    if len(parts) >= 3 and parts[1] in _NEW_SLOTS:      # tf_keras: Adam/m/dense/kernel
        return parts[1]
    if len(parts) >= 3 and parts[-1] in _LEGACY_SLOTS:  # tf.keras 2: Adam/dense/kernel/m
        return parts[-1]
    return None


_NEW_SLOTS = {"m", "v", "vhat", "u", "momentum", "velocity", "accumulator",
              "accumulated_grad", "accumulated_delta_var"}
_LEGACY_SLOTS = {"m", "v", "vhat", "momentum", "rms", "accumulator", "accum_grad",
                 "accum_var"}


def warn_optimizer_state(error):
    warnings.warn(f"Error in loading the saved optimizer state ({error}). As a result, your "
                  f"model is starting with a freshly initialized optimizer.", stacklevel=3)
