"""Plans: what one `Session.run` executes, as plain data.

`compile_plan` walks back from the fetches (stopping at fed tensors), orders the ops so that
variable writes come after every read that does not depend on them, folds what depends on
neither feeds nor variables, gives each tensor a numbered slot and marks, for each step, the
slots nothing reads afterwards. The executor (executor.py) turns a Plan into code and runs it.
"""
from __future__ import annotations

import heapq
from typing import Any, NamedTuple, Sequence

import numpy as np

from . import registry
from .errors import InvalidArgumentError, op_error
from .executor import bind
from .shapes import fmt
from .tensor import Operation, Tensor

#: Step kinds: call the op's kernel, hold a value folded at compile time, or pass on the value
#: of the step's one input slot (pass-through ops, fetched variable snapshots, write-backs).
RUN, CONST, COPY = "run", "const", "copy"


class Step(NamedTuple):
    op: Operation   # the op this step computes (or whose value it passes on)
    kind: str       # RUN, CONST or COPY
    ins: tuple      # input slots
    out: int        # output slot
    free: tuple = ()  # slots no later step reads: the executor drops them after this step
    value: Any = None  # CONST: the folded value


class Plan(NamedTuple):
    """A compiled run: fed slots, steps, fetched slots (None for fetched ops)."""
    feed_slots: tuple   # ((tensor, slot), ...) in creation order of the fed tensors
    steps: tuple
    fetch_slots: tuple
    ops: tuple          # the ops left to run once folded values are given, in run order
    folded: dict        # {tensor: value} computed when the plan was compiled


FOLD_LIMIT = 1 << 20  # elements; larger results are computed at run time, not held by the plan


def compile_plan(fetches: Sequence, fed: frozenset, runtime) -> Plan:
    """The plan computing `fetches` (tensors or ops) given values for the `fed` tensors."""
    ops = _needed_ops(fetches, fed)
    for op in ops:
        if registry.get(op.type).role == "placeholder":
            t = op.outputs[0]
            raise op_error(InvalidArgumentError, op,
                           f"You must feed a value for placeholder tensor '{t.name}' with "
                           f"dtype {t.dtype.name} and shape {fmt(t.shape)}")
    folded = fold_constants(_schedule(ops, fed), fed, runtime)
    given = fed | frozenset(folded)
    order = _schedule(_needed_ops(fetches, given), given)
    steps = _Steps(fed, folded, fetches, order)
    for op in order:
        steps.add(op)
    fetch_slots = tuple(steps.fetch(f) for f in fetches)
    return Plan(steps.feed_slots, _with_frees(steps.raw, fetch_slots), fetch_slots,
                tuple(order), folded)


def _dep_ops(op, fed) -> list:
    """The ops `op` waits for: producers of its value inputs (not fed, not ref edges), then its
    control inputs."""
    refs = registry.get(op.type).ref_inputs
    out = [t.op for i, t in enumerate(op.inputs) if i not in refs and t not in fed]
    return out + list(op.control_inputs)


def _needed_ops(fetches: Sequence, fed: frozenset) -> list:
    """Ops the fetches need: an iterative walk that stops at fed tensors and ref edges."""
    seen, order = set(), []
    stack = [f if isinstance(f, Operation) else f.op for f in fetches
             if isinstance(f, Operation) or f not in fed]
    while stack:
        op = stack.pop()
        if op not in seen:
            seen.add(op)
            order.append(op)
            stack.extend(_dep_ops(op, fed))
    return order


def _schedule(ops: list, fed: frozenset) -> list:
    """Topological order; among ready ops, variable writers go last, then creation order."""
    needed = set(ops)
    waiting, users = {}, {}
    for op in ops:
        deps = [d for d in dict.fromkeys(_dep_ops(op, fed)) if d in needed]
        waiting[op] = len(deps)
        for d in deps:
            users.setdefault(d, []).append(op)
    key = lambda op: (1 if registry.get(op.type).ref_inputs else 0, op._id, op)  # noqa: E731
    ready = [key(op) for op in ops if waiting[op] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        op = heapq.heappop(ready)[-1]
        order.append(op)
        for u in users.get(op, ()):
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, key(u))
    if len(order) != len(ops):
        raise ValueError("the graph has a cycle")  # impossible for an append-only graph
    return order


def _foldable(op, opdef, fed) -> bool:
    if opdef.stateful or opdef.ref_inputs or op.control_inputs or len(op.outputs) != 1:
        return False
    if opdef.kernel is not None and opdef.role != "constant":
        return False
    # a shape-only op may read a fed tensor: feeds are checked against the static shape
    return opdef.shape_only or not any(t in fed for t in op.inputs)


def fold_constants(order: list, fed: frozenset, runtime) -> dict:
    """Tensors whose values do not depend on feeds or variables, computed once: {tensor: value}.

    Constants, ops of constants, and ops that read only their inputs' static shapes (ones_like
    of a fully known shape, ...). A kernel that fails here is left to fail at run time.
    """
    xp, folded = runtime.xp, {}
    for op in order:
        opdef = registry.get(op.type)
        if not _foldable(op, opdef, fed) or (op.outputs[0].shape.num_elements() or 0) > FOLD_LIMIT:
            continue  # (a large result is never computed here only to be dropped)
        if opdef.shape_only and all(t.shape.is_fully_defined() for t in op.inputs):
            args = [xp.zeros(t.shape.dims, dtype=t.dtype.np_dtype) for t in op.inputs]
        elif all(t in folded for t in op.inputs):
            args = [folded[t] for t in op.inputs]
        else:
            continue
        try:
            with np.errstate(all="ignore"):
                value = bind(op, runtime)(*args)
        except Exception:
            continue
        if getattr(value, "size", 1) > FOLD_LIMIT:
            continue
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
        folded[op.outputs[0]] = value
    return folded


class _Steps:
    """Emits the steps of a plan in order, giving each tensor a slot on first use."""

    def __init__(self, fed, folded, fetches, order):
        self.slots: dict = {}
        self.raw: list = []
        self.folded = folded
        self.feed_slots = tuple((t, self.slot(t)) for t in
                                sorted(fed, key=lambda t: (t.op._id, t.value_index)))
        self.fed = fed
        self.snapshot: dict = {}
        self.fetched_vars = {f for f in fetches if isinstance(f, Tensor) and f not in fed
                             and registry.get(f.op.type).role == "variable"}
        # A variable read that is not fetched runs just before its first reader, so a read
        # ordered after an assign (by a control dependency) sees the assigned value, and an
        # assign can initialize a variable that a later op in the same run reads.
        self.deferred = {op for op in order if registry.get(op.type).role == "variable"
                         and op.outputs[0] not in self.fetched_vars}

    def slot(self, key) -> int:
        if key not in self.slots:
            self.slots[key] = len(self.slots)
        return self.slots[key]

    def add(self, op):
        """The steps of one op in run order: its kernel, then a snapshot of a fetched variable
        (the value as read now, whatever later writes do), or a write-back so that later
        readers of a written variable see the new value."""
        if not op.outputs or op in self.deferred:
            return  # NoOp: ordering only; deferred reads are emitted by their readers
        opdef = registry.get(op.type)
        self._run(op, opdef)
        out = op.outputs[0]
        if out in self.fetched_vars:
            self.snapshot[out] = self.slot(("snapshot", out))
            self.raw.append(Step(op, COPY, (self.slots[out],), self.snapshot[out]))
        if opdef.ref_inputs:
            var = op.inputs[opdef.ref_inputs[0]]
            if var in self.slots and var not in self.fed:
                self.raw.append(Step(op, COPY, (self.slots[out],), self.slots[var]))

    def _run(self, op, opdef):
        for i, t in enumerate(op.inputs):
            if i in opdef.ref_inputs or t in self.slots:
                continue
            if t in self.folded:
                self._constant(t)
            elif t.op in self.deferred:
                self._run(t.op, registry.get(t.op.type))
        ins = tuple(self.slot(t) for i, t in enumerate(op.inputs) if i not in opdef.ref_inputs)
        kind = COPY if opdef.pass_through and len(ins) == 1 else RUN
        self.raw.append(Step(op, kind, ins, self.slot(op.outputs[0])))

    def _constant(self, t):
        self.raw.append(Step(t.op, CONST, (), self.slot(t), value=self.folded[t]))

    def fetch(self, f):
        """The slot a fetch is read from (None for an op)."""
        if isinstance(f, Operation):
            return None
        if f in self.folded and f not in self.slots:
            self._constant(f)
        return self.snapshot.get(f, self.slot(f))


def _with_frees(raw: list, fetch_slots: tuple) -> tuple:
    """The steps, each with the slots that no later step reads (fetched slots are kept)."""
    keep = {s for s in fetch_slots if s is not None}
    last = {}
    for i, step in enumerate(raw):
        for s in step.ins:
            last[s] = i
        last.setdefault(step.out, i)
    frees = [[] for _ in raw]
    for s, i in last.items():
        if s not in keep:
            frees[i].append(s)
    return tuple(step._replace(free=tuple(frees[i])) for i, step in enumerate(raw))
