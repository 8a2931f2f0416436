"""Kernel micro-benchmarks: one kernel's formulations against each other, as ratios measured in
one process (interleaved blocks, as benchmarks/run.py times them).

    python benchmarks/kernels.py            # every table
    python benchmarks/kernels.py --quick    # shorter timing blocks

Sigmoid: accurate in both tails either way (exp(-x) overflowing to inf gives 0, TF's value);
TF's own 1 / (1 + exp(-x)) against exp(-logaddexp(0, -x)).

Kernel binding: a plan calls each kernel through what executor.bind returns; a
functools.partial over the forward function (C code) against a Python lambda doing the same.

Unreduce (the gradient of a reduction: the reduced gradient broadcast back to the input's
shape) can return a fresh contiguous buffer or a read-only stride-0 view from broadcast_to.
Making the view costs almost nothing, but a view read by the kernels after it is slower
wherever they need contiguous memory: matmul falls back from BLAS.

Gradient sums: the weight gradient of an LSTM's kernel over 28 steps as 28 products a_t^T b_t
and their sum, against one product of the stacked factors (what gradients.py builds).

MaxPoolGrad: the general kernel (argmax per window, then a col2im sum) against the tiled path
for windows that tile the input (stride = window, no padding).
"""
from __future__ import annotations

import argparse
import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from run import fmt_time, per_call  # noqa: E402


def _fresh(g, shape):
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


def _view(g, shape):
    return np.broadcast_to(g, shape)


def unreduce_table(min_time):
    """Rows (case, fresh, view, view / fresh) for Unreduce alone and Unreduce then a reader."""
    rng = np.random.default_rng(0)
    rows = []
    for n, m in ((200, 2048), (256, 784)):
        g = rng.standard_normal((n, 1)).astype(np.float32)  # reduce_sum(x, axis=1, keepdims)
        w = rng.standard_normal((m, 64)).astype(np.float32)
        y = rng.standard_normal((n, m)).astype(np.float32)
        cases = {
            f"unreduce {n}x{m}": lambda f: f(g, (n, m)),
            f"unreduce {n}x{m}, then * y": lambda f: f(g, (n, m)) * y,
            f"unreduce {n}x{m}, then @ W[{m}x64]": lambda f: f(g, (n, m)) @ w,
        }
        for label, case in cases.items():
            t = per_call({"fresh": lambda: case(_fresh), "view": lambda: case(_view)}, min_time)
            rows.append((label, t["fresh"], t["view"], t["view"] / t["fresh"]))
    return rows


def binding_table(min_time):
    """Rows (case, partial, lambda, lambda / partial) for calling a tiny kernel with attrs."""
    def forward(xp, x, axis, keepdims):
        return x

    x, attrs = np.zeros(3), {"axis": 0, "keepdims": False}  # an op's attrs, known at bind time
    bound = functools.partial(forward, np, **attrs)
    wrapped = lambda *arrays: forward(np, *arrays, **attrs)  # noqa: E731
    t = per_call({"partial": lambda: bound(x), "lambda": lambda: wrapped(x)}, min_time)
    return [("call a kernel with two attrs", t["partial"], t["lambda"],
             t["lambda"] / t["partial"])]


def sigmoid_table(min_time):
    """Rows (case, exp(-logaddexp(0, -x)), 1 / (1 + exp(-x)), ratio) for float32."""
    def logaddexp_form(x):
        return np.exp(-np.logaddexp(0, -x))

    def reciprocal_form(x):
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-x))
    rows, rng = [], np.random.default_rng(0)
    for shape in ((32, 512), (256, 784)):
        x = (rng.standard_normal(shape) * 4).astype(np.float32)
        np.testing.assert_allclose(reciprocal_form(x), logaddexp_form(x), rtol=1e-6)
        t = per_call({"old": lambda: logaddexp_form(x), "new": lambda: reciprocal_form(x)},
                     min_time)
        rows.append((f"sigmoid {shape[0]}x{shape[1]}", t["old"], t["new"], t["new"] / t["old"]))
    return rows


def gradient_sum_table(min_time):
    """Rows (case, separate products + sum, one stacked product, ratio)."""
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((32, 156), dtype=np.float32) for _ in range(28)]
    ds = [rng.standard_normal((32, 512), dtype=np.float32) for _ in range(28)]

    def separate():
        out = xs[0].T @ ds[0]
        for x, d in zip(xs[1:], ds[1:]):
            out = out + x.T @ d
        return out

    def stacked():
        return np.concatenate(xs).T @ np.concatenate(ds)
    np.testing.assert_allclose(separate(), stacked(), rtol=1e-3, atol=1e-3)
    t = per_call({"separate": separate, "stacked": stacked}, min_time)
    return [("sum of 28 x^T d, x 32x156, d 32x512", t["separate"], t["stacked"],
             t["stacked"] / t["separate"])]


def max_pool_grad_table(min_time):
    """Rows (case, general kernel, tiled path, tiled / general) for 2x2 pools, float32."""
    from flowgraph.ops import conv_ops, pool_ops
    rng, rows = np.random.default_rng(0), []
    attrs = dict(ksize=(1, 2, 2, 1), strides=(1, 2, 2, 1), padding="VALID", data_format="NHWC")
    for shape in ((100, 28, 28, 32), (100, 14, 14, 64)):
        x = rng.standard_normal(shape, dtype=np.float32)
        y = pool_ops._max_pool_forward(np, x, **attrs)
        dy = rng.standard_normal(y.shape, dtype=np.float32)
        g = pool_ops._geom(x.shape, attrs)

        def general():
            idx = pool_ops._argmax_windows(np, x, g)
            return conv_ops.unpad_sum(np, lambda k: dy * (idx == k), g, shape[0], shape[3],
                                      dy.dtype)
        np.testing.assert_array_equal(general(), pool_ops._tiled_max_pool_grad(np, x, y, dy, g))
        t = per_call({"general": general,
                      "tiled": lambda: pool_ops._tiled_max_pool_grad(np, x, y, dy, g)}, min_time)
        rows.append((f"MaxPoolGrad 2x2 of {'x'.join(map(str, shape))}", t["general"],
                     t["tiled"], t["tiled"] / t["general"]))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="shorter timing blocks")
    args = ap.parse_args(argv)
    min_time = 0.1 if args.quick else 0.5
    tables = (("Kernel binding", "partial", "lambda", "lambda/part", binding_table),
              ("Sigmoid", "logaddexp", "1/(1+exp)", "new/old", sigmoid_table),
              ("Unreduce", "fresh buffer", "stride-0 view", "view/fresh", unreduce_table),
              ("Gradient sums", "separate", "stacked", "stk/sep", gradient_sum_table),
              ("Max-pool gradient", "general", "tiled", "tiled/gen", max_pool_grad_table))
    for i, (title, old_name, new_name, ratio_name, table) in enumerate(tables):
        if i:
            print()
        print(f"{title:44s} {old_name:>12s} {new_name:>14s} {ratio_name:>11s}")
        for label, old, new, ratio in table(min_time):
            print(f"{label:44s} {fmt_time(old):>12s} {fmt_time(new):>14s} {ratio:>10.2f}x")

if __name__ == "__main__":
    main()
