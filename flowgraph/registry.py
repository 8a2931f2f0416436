"""The op registry: one `OpDef` per op type holds everything about that op."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Tuple


class _NotDifferentiable:
    def __repr__(self):
        return "NOT_DIFFERENTIABLE"


#: Use as an OpDef's `grad` to say, explicitly, that no gradient flows through the op.
NOT_DIFFERENTIABLE = _NotDifferentiable()

#: What an op is to the stages after graph building (plan, export, drawing), beyond its kernel:
#: "constant" (its value is attrs["value"]), "placeholder" (must be fed), "placeholder_default"
#: (fed, or else its input's value), "variable" (session state that ref inputs name), "update"
#: (an optimizer's fused update of a variable and its slots).
ROLES = ("constant", "placeholder", "placeholder_default", "variable", "update")


@dataclass(frozen=True)
class OpDef:
    """Everything about one op type.

    infer(inputs, attrs) -> [(dtype, TensorShape), ...]: the static output types and shapes;
        raises TypeError/ValueError for inputs that can never work.
    forward(xp, *arrays, **attrs) -> array (or tuple for several outputs): the kernel, written
        once against the array module `xp` (numpy or cupy).
    grad(op, *output_grads) -> [tensor or None per input]: graph ops giving input gradients,
        or NOT_DIFFERENTIABLE.
    kernel(op, runtime) -> callable(*arrays): for ops with session state (variables, random
        draws); replaces `forward` when given.
    ref_inputs: input positions that name a variable to write, not a value to read.
    stateful: never folded, merged or skipped by plan optimizations.
    shape_only: the output depends on the inputs' shapes and dtypes, never their values.
    pass_through: the output is the first input's value itself (Identity): plans copy the
        reference instead of calling a kernel.
    role: one of ROLES, or None for an ordinary op.
    fresh: the kernel always returns a new array that nothing else holds (fills, random
        draws; ufunc kernels are fresh by nature): an Assign may keep it without a copy.
    tf_type: TensorFlow's name for the op in exported GraphDefs (default: the op's own name).
    tf_attrs(op) -> dict: the attrs of its exported NodeDef, where TF's differ from `op.attrs`.
    """

    name: str
    infer: Callable
    grad: Any
    forward: Optional[Callable] = None
    kernel: Optional[Callable] = None
    stateful: bool = False
    ref_inputs: Tuple[int, ...] = ()
    shape_only: bool = False
    pass_through: bool = False
    role: Optional[str] = None
    fresh: bool = False
    tf_type: Optional[str] = None
    tf_attrs: Optional[Callable] = None
    where: str = field(default="", compare=False)

    def __post_init__(self):
        if self.forward is None and self.kernel is None:
            raise ValueError(f"OpDef {self.name!r} needs a forward kernel")
        if self.grad is None:
            raise ValueError(f"OpDef {self.name!r}: give a gradient rule or NOT_DIFFERENTIABLE")
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"OpDef {self.name!r}: role {self.role!r} is not one of {ROLES}")

    @property
    def fresh_output(self) -> bool:
        """Whether the op's output is always a new array (see `fresh`)."""
        return self.fresh or getattr(self.forward, "ufunc", None) is not None

    @property
    def exported_type(self) -> str:
        """The op type TensorBoard sees."""
        return self.tf_type or self.name


def ufunc(name: str) -> Callable:
    """A forward kernel that applies `xp.<name>` to the op's inputs as they are.

    Plans bind such kernels straight to the array module's function: no Python frame between.
    """
    def forward(xp, *arrays):
        return getattr(xp, name)(*arrays)
    forward.ufunc = name
    forward.__name__ = f"xp_{name}"
    return forward


_REGISTRY: dict[str, OpDef] = {}


_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _definition_site() -> str:
    """'file:line' of the statement that registers the op: for flowgraph's own ops the
    module-level line of the op's block, also when a shared helper (a `_unary(...)` factory)
    makes the OpDef; for ops registered elsewhere, the caller of `register`."""
    frame = sys._getframe(2)
    while (frame.f_back is not None and frame.f_code.co_name != "<module>"
           and frame.f_code.co_filename.startswith(_PKG_DIR)):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def register(opdef: OpDef) -> OpDef:
    """Register `opdef`; a second registration of one name is an error naming the first."""
    where = _definition_site()
    first = _REGISTRY.get(opdef.name)
    if first is not None:
        raise KeyError(f"Op type {opdef.name!r} is already registered (first at {first.where}); "
                       f"second registration at {where}")
    object.__setattr__(opdef, "where", where)
    _REGISTRY[opdef.name] = opdef
    return opdef


def get(name: str) -> OpDef:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"No op type {name!r} is registered") from None


def all_ops() -> dict[str, OpDef]:
    return dict(_REGISTRY)
