"""Executors: a Plan made runnable on a session's runtime.

`bind` gives each op its kernel. `generated` compiles a plan into one Python function, the
tightest loop there is: each step becomes one line `sN = kI(sA, sB)`, folded values become
globals, pass-through steps plain assignments, and each buffer is deleted right after its last
reader. `reference` runs the same steps as a plain loop, to debug and to cross-check the
generated code. Both map a failing step back to its op, so errors name the op and the user's
line that created it.
"""
from __future__ import annotations

import functools
import itertools
import os
from typing import Callable, Sequence

import numpy as np

from . import registry
from .errors import InvalidArgumentError, OpError, ResourceExhaustedError, op_error
from .shapes import fmt

#: The environment variable choosing the executor of new plans: "generated" (the default) or
#: "reference".
ENV_EXECUTOR = "FLOWGRAPH_EXECUTOR"

_counter = itertools.count()


def bind(op, runtime) -> Callable:
    """The callable computing `op` in `runtime`: `f(*input_arrays) -> array`."""
    opdef = registry.get(op.type)
    if opdef.kernel is not None:
        return opdef.kernel(op, runtime)
    forward, xp, attrs = opdef.forward, runtime.xp, op.attrs
    if not attrs:
        name = getattr(forward, "ufunc", None)
        if name is not None:
            return getattr(xp, name)  # no Python frame between the plan and the kernel
        return functools.partial(forward, xp)
    return functools.partial(forward, xp, **attrs)  # ~0.75x a lambda's cost: benchmarks/kernels.py


def executable(plan, runtime, kind: str | None = None) -> Callable:
    """`run(feed_values) -> list of fetched values` for `plan`; `kind` is "generated" or
    "reference" (default: $FLOWGRAPH_EXECUTOR, else "generated")."""
    kind = kind or os.environ.get(ENV_EXECUTOR) or "generated"
    if kind == "generated":
        return generated(plan, runtime)
    if kind == "reference":
        return reference(plan, runtime)
    raise ValueError(f"unknown executor {kind!r} (from ${ENV_EXECUTOR}?): use 'generated' or "
                     f"'reference'")


def step_error(op, inputs: Sequence, exc: BaseException) -> OpError:
    """The OpError for a step of `op` that raised `exc` on `inputs` (its input arrays)."""
    if isinstance(exc, OpError):
        if "[[node " in exc.message:
            return exc
        # a kernel's own OpError: add the op and the user's line that created it
        return op_error(type(exc), exc.op if exc.op is not None else op, exc.message)
    shapes = ", ".join(fmt(getattr(value, "shape", ())) for value in inputs)
    if isinstance(exc, MemoryError):  # NumPy's and CuPy's out-of-memory errors both are
        return op_error(ResourceExhaustedError, op,
                        f"OOM when computing {op.type} op '{op.name}' on inputs of shapes "
                        f"[{shapes}]: {exc}")
    return op_error(InvalidArgumentError, op,
                    f"{op.type} op '{op.name}' failed on inputs of shapes [{shapes}]: "
                    f"{type(exc).__name__}: {exc}")


# --- the reference executor ---------------------------------------------------------------
def reference(plan, runtime) -> Callable:
    """A plain loop over the plan's steps, with values in a dict keyed by slot."""
    kernels = [bind(st.op, runtime) if st.kind == "run" else None for st in plan.steps]

    def run(feed_values):
        slots = {s: v for (_, s), v in zip(plan.feed_slots, feed_values)}
        with np.errstate(all="ignore"):  # TF1: inf and nan, no warnings
            for step, kernel in zip(plan.steps, kernels):
                args = [slots[s] for s in step.ins]
                if step.kind == "const":
                    slots[step.out] = step.value
                elif step.kind == "copy":
                    slots[step.out] = args[0]
                else:
                    try:
                        slots[step.out] = kernel(*args)
                    except Exception as e:
                        raise step_error(step.op, args, e) from None
                for s in step.free:
                    del slots[s]
        return [None if s is None else slots[s] for s in plan.fetch_slots]
    return run


# --- the generated executor ---------------------------------------------------------------
def generated(plan, runtime) -> Callable:
    """The plan compiled into one Python function (its text is `run.source`)."""
    fn = _generate(plan, runtime)
    if any(step.kind == "run" for step in plan.steps):
        quiet = np.errstate(all="ignore")(fn)  # TF1: inf and nan, no warnings
    else:
        quiet = fn

    def run(feed_values):
        try:
            return quiet(*feed_values)
        except Exception as e:
            i, inputs = _failing_step(fn, plan, e)
            if i is None:
                raise
            raise step_error(plan.steps[i].op, inputs, e) from None
    run.source = fn.source
    return run


def _generate(plan, runtime) -> Callable:
    env: dict = {}
    names = {s: f"s{s}" for _, s in plan.feed_slots}  # slot -> the name that holds it
    feed_names = list(names.values())
    body: list = []
    line_step: dict = {}
    for i, step in enumerate(plan.steps):
        args = [names[s] for s in step.ins]
        if step.kind == "const":
            env[f"c{step.out}"] = step.value
            names[step.out] = f"c{step.out}"
            continue
        target = f"s{step.out}"
        if step.kind == "copy":
            code = f"{target} = {args[0]}"
        else:
            env[f"k{i}"] = bind(step.op, runtime)
            code = f"{target} = k{i}({', '.join(args)})"
        line_step[2 + len(body)] = i  # the def line is line 1
        body.append(code)
        names[step.out] = target
        for s in step.free:
            if names[s].startswith("s"):  # folded values are globals: never deleted
                body.append(f"del {names[s]}")
    results = ", ".join("None" if s is None else names[s] for s in plan.fetch_slots)
    body.append(f"return [{results}]")
    return _define(f"def run({', '.join(feed_names)}):\n" + "".join(f"    {b}\n" for b in body),
                   env, line_step)


def _define(source: str, env: dict, line_step: dict) -> Callable:
    """The function `run` that `source` defines, with `env` as its globals; it keeps its
    source and the map from its line numbers to plan steps."""
    filename = f"<flowgraph plan {next(_counter)}>"
    exec(compile(source, filename, "exec"), env)
    fn = env["run"]
    fn.source, fn.line_step, fn.filename = source, line_step, filename
    return fn


def _failing_step(fn, plan, exc: BaseException):
    """(index of the step whose generated line raised `exc`, its input values), or (None, ())."""
    tb = exc.__traceback__
    frame, line = None, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == fn.filename:
            frame, line = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    i = fn.line_step.get(line)
    if i is None:
        return None, ()
    local = frame.f_locals
    return i, [local.get(f"s{s}", fn.__globals__.get(f"c{s}")) for s in plan.steps[i].ins]
