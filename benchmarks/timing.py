"""Timing of the benchmarks: implementations of one workload timed in interleaved blocks in one
process (the machine is shared and noisy; ratios of one process are what the tables report).
NumPy only, so a subprocess in another virtual environment (benchmarks/keras_fit.py's TF
column) times the same way."""
from __future__ import annotations

import statistics
import time


def _block_size(fn, min_time):
    """Calls per timed block, so that a block takes about min_time / 5."""
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 >= min_time / 5 or n >= 1 << 20:
            return n
        n *= 4


def per_call(impls: dict, min_time: float, rounds: int = 7) -> dict:
    """Median seconds per call of each implementation, timed in interleaved blocks (A, B, A,
    B, ...) so that drifts of the machine's speed fall on every implementation alike."""
    sizes = {k: _block_size(fn, min_time) for k, fn in impls.items()}
    blocks: dict = {k: [] for k in impls}
    for _ in range(rounds):
        for k, fn in impls.items():
            n = sizes[k]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            blocks[k].append((time.perf_counter() - t0) / n)
    return {k: statistics.median(v) for k, v in blocks.items()}


def fmt_time(s):
    return f"{s * 1e6:.2f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"
