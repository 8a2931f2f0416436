"""`print_summary`: a model's layers as the table Keras 2 printed (`model.summary()`).

A chain of layers prints three columns (65 characters wide); a model whose layers branch or
merge adds "Connected to" (98 wide). Each cell is cut at its column, as Keras cut it
("max_pooling1d_1 (MaxPooling1" ...).
"""
from __future__ import annotations

import numpy as np


def _count(weights) -> int:
    return int(sum(np.prod(w.shape.as_list()) for w in weights))


def _is_chain(model) -> bool:
    seen = set()
    for node in model._nodes:
        if len(node.inputs) > 1 or len(node.outputs) > 1 or id(node.layer) in seen:
            return False
        seen.add(id(node.layer))
    return len(model.inputs) == 1 and len(model.outputs) == 1


def _row(fields, positions, print_fn):
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    print_fn(line)


def _output_shape(layer):
    try:
        return layer.output_shape
    except AttributeError:
        return "multiple"


def _connections(layer, model) -> list:
    """"dense_1[0][0]" for each tensor that went into `layer`'s calls within `model`."""
    out = []
    for node in layer.inbound_nodes:
        if not any(node is n for n in model._nodes):
            continue
        for t in node.inputs:
            source = next(n for n in model._nodes if any(o is t for o in n.outputs))
            index = next(i for i, n in enumerate(source.layer.inbound_nodes) if n is source)
            position = next(i for i, o in enumerate(source.outputs) if o is t)
            out.append(f"{source.layer.name}[{index}][{position}]")
    return out


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print `model`'s layers, output shapes and parameter counts, then the totals."""
    print_fn = print_fn or print
    chain = model.__class__.__name__ == "Sequential" or _is_chain(model)
    line_length = line_length or (65 if chain else 98)
    positions = positions or ([.45, .85, 1.] if chain else [.33, .55, .67, 1.])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    titles = ["Layer (type)", "Output Shape", "Param #"] + ([] if chain else ["Connected to"])
    print_fn("_" * line_length)
    _row(titles, positions, print_fn)
    print_fn("=" * line_length)
    layers = model.layers
    for i, layer in enumerate(layers):
        fields = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer),
                  layer.count_params()]
        if chain:
            _row(fields, positions, print_fn)
        else:
            links = _connections(layer, model) or [""]
            _row(fields + [links[0]], positions, print_fn)
            for link in links[1:]:
                _row(["", "", "", link], positions, print_fn)
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)
    trainable = _count(model.trainable_weights)
    fixed = _count(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + fixed:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {fixed:,}")
    print_fn("_" * line_length)
