"""Run every benchmark and print one table: flowgraph vs hand-written NumPy, in one process;
then the GPU benchmarks of benchmarks/gpu.py (one line saying they skipped, without a GPU).

    python benchmarks/run.py            # all workloads
    python benchmarks/run.py --quick    # fewer repeats (a smoke run)

The Keras `fit` rows (benchmarks/keras_fit.py) time one epoch per call; that script alone adds
a TensorFlow 2 (tf_keras) column with --tf-python.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import keras_fit as KF  # noqa: E402
import networks as N  # noqa: E402
import workloads as W  # noqa: E402
from timing import fmt_time, per_call  # noqa: E402,F401  (kernels.py imports them from here)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="shorter timing blocks")
    args = ap.parse_args(argv)
    min_time = 0.2 if args.quick else 1.0
    rows = []
    groups = (W.overhead_workloads, W.bmi_workloads, W.regression_workloads, W.mlp_workloads,
              N.network_workloads, KF.keras_fit_workloads)
    for group in groups:
        for name, impls in group().items():
            times = per_call(impls, min_time)
            rows.append((name, times))
            print(f"  measured {name}", file=sys.stderr)
    memory = {name: {k: W.peak_memory(v) for k, v in impls.items()} for name, impls in (
        ("MLP 784-2048-10", W.mlp_workloads()["MLP 784-2048-10, batch 2000"]),
        ("MNIST CNN", N.network_workloads()["MNIST CNN step, batch 100, Adam"]))}
    has_tf = any("tensorflow" in t for _, t in rows)
    print(f"\nflowgraph benchmarks on {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, NumPy {np.__version__}\n")
    head = "| workload | flowgraph | NumPy | flowgraph / NumPy |" + (" TF1 / NumPy |" if has_tf else "")
    print(head)
    print("|---|---:|---:|---:|" + ("---:|" if has_tf else ""))
    for name, t in rows:
        line = (f"| {name} | {fmt_time(t['flowgraph'])} | {fmt_time(t['numpy'])} | "
                f"{t['flowgraph'] / t['numpy']:.2f}x |")
        if has_tf:
            line += f" {t['tensorflow'] / t['numpy']:.2f}x |" if "tensorflow" in t else " - |"
        print(line)
    for name, mem in memory.items():
        print(f"| peak memory, one step of {name} | {mem['flowgraph'] / 2**20:.1f} MiB | "
              f"{mem['numpy'] / 2**20:.1f} MiB | {mem['flowgraph'] / mem['numpy']:.2f}x |" +
              (" - |" if has_tf else ""))
    print()
    import gpu
    gpu.main(["--quick"] if args.quick else [])


if __name__ == "__main__":
    main()
