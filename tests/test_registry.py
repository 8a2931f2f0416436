"""The op registry: each op's facts live in its OpDef, and a second registration of a name is
refused with the places of both, the op's own block even where a helper made the OpDef."""
from __future__ import annotations

import linecache
import os

import pytest

from flowgraph import registry
from flowgraph.registry import NOT_DIFFERENTIABLE, OpDef, register

import op_cases  # noqa: F401  (imports every module that registers ops)


def _dummy(name, **kw):
    return OpDef(name, infer=lambda inputs, attrs: [], forward=lambda xp: None,
                 grad=NOT_DIFFERENTIABLE, **kw)


def _site(opdef):
    path, _, line = opdef.where.rpartition(":")
    return path, int(line)


@pytest.mark.parametrize("name, module, text", [
    ("Neg", "math_ops.py", 'negative = _unary("Neg"'),           # made by a factory
    ("ApplyAdam", "training_ops.py", '_register("ApplyAdam"'),   # made by a helper
    ("Identity", "array_ops.py", 'register(OpDef("Identity"'),   # a plain block
])
def test_a_second_registration_names_the_first_at_the_ops_own_block(name, module, text):
    first = registry.get(name)
    path, line = _site(first)
    assert os.path.basename(path) == module
    assert text in linecache.getline(path, line)
    with pytest.raises(KeyError) as info:
        register(_dummy(name))
    here = f"{__file__}:"
    message = info.value.args[0]
    assert f"Op type {name!r} is already registered (first at {first.where})" in message
    assert f"second registration at {here}" in message
    assert registry.get(name) is first  # the refused OpDef replaced nothing


def test_every_registration_site_is_the_block_that_names_the_op():
    for name, opdef in registry.all_ops().items():
        path, line = _site(opdef)
        block = "".join(linecache.getline(path, n) for n in range(max(1, line - 8), line + 2))
        assert f'"{name}"' in block, f"{name} registered at {opdef.where}"


def test_roles_are_checked_and_every_op_fact_is_readable():
    with pytest.raises(ValueError, match="role 'bogus' is not one of"):
        _dummy("Bogus", role="bogus")
    roles = {name: d.role for name, d in registry.all_ops().items() if d.role}
    assert roles["Const"] == "constant" and roles["Placeholder"] == "placeholder"
    assert roles["VariableV2"] == "variable"
    assert roles["PlaceholderWithDefault"] == "placeholder_default"
    assert {n for n, r in roles.items() if r == "update"} >= {
        "ApplyGradientDescent", "ApplyMomentum", "ApplyAdam", "ApplyRMSProp"}
    assert registry.get("SumToLike").exported_type == "Sum"
    assert registry.get("MatMul").exported_type == "MatMul"
    passing = {n for n, d in registry.all_ops().items() if d.pass_through}
    assert passing == {"Identity", "StopGradient", "PlaceholderWithDefault"}
