"""The array module an executor runs on (NumPy or CuPy) and the copies between host and device.

Kernels are written once against `xp`; a Backend supplies `xp` and moves arrays across. The
GPU backend uses CuPy's documented API: `cupy.cuda.Device(n)` (as the current device while a
plan compiles and runs), `cupy.asarray`, `cupy.asnumpy`, the default memory pool, and stream
synchronisation at the end of each run, before results are handed back.

Placement is per session and covers the whole graph: `Session(device="gpu:1")`, or
$FLOWGRAPH_DEVICE for sessions that name no device. TF1's `with tf.device(...)` scopes are
accepted and change nothing.
"""
from __future__ import annotations

import contextlib
import gc
import os
import platform
import sys

import numpy as np

from .version import __version__

ENV_DEVICE = "FLOWGRAPH_DEVICE"


def scatter_add(xp, target, indices, values):
    """target[indices] += values, accumulating repeated indices (in place)."""
    if xp is np:
        np.add.at(target, indices, values)
    elif hasattr(xp, "scatter_add"):
        xp.scatter_add(target, indices, values)
    else:
        import cupyx  # CuPy's unbuffered scatter-add
        cupyx.scatter_add(target, indices, values)


class Backend:
    """NumPy on the host: arrays need no copies."""

    name = "cpu"
    is_host = True

    def __init__(self, xp=np):
        self.xp = xp

    def scope(self):
        """The context in which plans compile and run (the current CUDA device on a GPU)."""
        return contextlib.nullcontext()

    def to_device(self, array):
        return array

    def to_host(self, array):
        return array

    def synchronize(self):
        pass

    def release(self):
        pass

    def describe(self) -> str:
        return f"cpu (NumPy {np.__version__})"


class DeviceBackend(Backend):
    """Arrays on a device: the copies across the border, shared by CuPy and the test backend
    that stands in for it (tests/strict_backend.py)."""

    is_host = False

    def to_device(self, array):
        if isinstance(array, self.xp.ndarray):
            return array
        return self._upload(array)

    def to_host(self, array):
        if isinstance(array, self.xp.ndarray):
            return self._download(array)
        return array

    def _upload(self, array):
        raise NotImplementedError

    def _download(self, array):
        raise NotImplementedError


class CupyBackend(DeviceBackend):
    """CuPy on one CUDA device. Feeds go to the device once per run; fetches come back."""

    def __init__(self, cupy, device_id: int = 0):
        super().__init__(cupy)
        self.name = f"gpu:{device_id}"
        self.device_id = device_id
        self._cp = cupy

    def scope(self):
        # cupy.cuda.Device is a context manager making its device current; a new one each
        # time, so threads running one session never share its stack of previous devices
        return self._cp.cuda.Device(self.device_id)

    def _upload(self, array):
        with self.scope():
            return self._cp.asarray(array)

    def _download(self, array):
        with self.scope():
            return self._cp.asnumpy(array)  # synchronises the stream before copying

    def synchronize(self):
        with self.scope():
            self._cp.cuda.get_current_stream().synchronize()

    def release(self):
        """Give cached device memory back to the driver (at session close)."""
        gc.collect()  # compiled plans hold their constants in reference cycles
        with self.scope():
            self._cp.cuda.get_current_stream().synchronize()
            self._cp.get_default_memory_pool().free_all_blocks()
            self._cp.get_default_pinned_memory_pool().free_all_blocks()

    def describe(self) -> str:
        props = self._cp.cuda.runtime.getDeviceProperties(self.device_id)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        return f"{self.name} ({name}, {props['totalGlobalMem'] / 2**30:.1f} GiB)"


CPU = Backend(np)
_FACTORIES: dict = {}


def register_backend(kind: str, factory):
    """Make `Session(device="<kind>[:n]")` build its backend with `factory(n)`."""
    _FACTORIES[kind] = factory


INSTALL_HINT = ("install CuPy with `pip install flowgraph[gpu]` (CuPy for CUDA 12; for "
                "another CUDA version see https://docs.cupy.dev/en/stable/install.html)")


def _import_cupy():
    """The cupy module, or a RuntimeError saying it is missing or broken and how to install."""
    try:
        import cupy
    except ModuleNotFoundError as e:
        if e.name not in ("cupy", None):
            raise RuntimeError(f"device='gpu' needs CuPy, which is installed but cannot be "
                               f"imported ({e}): reinstall it, or {INSTALL_HINT}.") from None
        raise RuntimeError(f"device='gpu' needs CuPy, which is not installed: {INSTALL_HINT}. "
                           f"Or run on the CPU with device='cpu'.") from None
    except ImportError as e:  # CuPy present, but a CUDA library it loads is not
        raise RuntimeError(f"device='gpu' needs CuPy, which is installed but cannot be "
                           f"imported ({e}): {INSTALL_HINT}.") from None
    return cupy


def _device_count(cupy) -> int:
    try:
        return cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver or runtime missing (CUDARuntimeError)
        raise RuntimeError(f"device='gpu' needs a CUDA device, but CUDA is not usable here "
                           f"({type(e).__name__}: {e}): check the NVIDIA driver with "
                           f"`nvidia-smi`, or run on the CPU with device='cpu'.") from None


def _cupy_backend(index: int) -> Backend:
    cupy = _import_cupy()
    count = _device_count(cupy)
    if count == 0:
        raise RuntimeError("device='gpu' needs a CUDA device, and CuPy found none: check the "
                           "NVIDIA driver with `nvidia-smi`, or run on the CPU with "
                           "device='cpu'.")
    if index >= count:
        raise RuntimeError(f"device 'gpu:{index}' does not exist: {count} CUDA device(s) found, "
                           f"so use gpu:0 .. gpu:{count - 1}.")
    return CupyBackend(cupy, index)


def cuda_device_count() -> int:
    """How many CUDA devices CuPy can use here: 0 without CuPy, without CUDA, or without one."""
    try:
        return _device_count(_import_cupy())
    except RuntimeError:
        return 0


register_backend("gpu", _cupy_backend)
register_backend("cuda", _cupy_backend)
register_backend("cpu", lambda index: CPU)


def parse_device(device) -> tuple:
    """"gpu", "gpu:1", "/gpu:0", "/device:GPU:0", "cuda:0", "cpu" -> ("gpu", 1) etc."""
    text = str(device).strip().lower().lstrip("/")
    if text.startswith("device:"):
        text = text[len("device:"):]
    kind, _, index = text.partition(":")
    if index and not index.isdigit():
        raise ValueError(f"Unknown device {device!r}: use 'cpu', 'gpu' or 'gpu:N'")
    return kind, int(index or 0)


def check_device(device) -> str:
    """`device` unchanged if it names a kind of device flowgraph knows (nothing is started),
    else a ValueError: what `flowgraph run --device` checks before the script runs."""
    kind, _ = parse_device(device)
    if kind not in _FACTORIES:
        raise ValueError(f"Unknown device {device!r}: use 'cpu', 'gpu' or 'gpu:N'")
    return device


def get_backend(device=None) -> Backend:
    """The backend for a device string; None means $FLOWGRAPH_DEVICE, else the CPU."""
    source = ""
    if device is None or device == "":
        device = os.environ.get(ENV_DEVICE) or "cpu"
        source = f" (from ${ENV_DEVICE})" if os.environ.get(ENV_DEVICE) else ""
    try:
        kind, index = parse_device(device)
    except ValueError as e:
        raise ValueError(f"{e}{source}") from None
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise ValueError(f"Unknown device {device!r}{source}: use 'cpu', 'gpu' or 'gpu:N'")
    return factory(index)


def gpu_status() -> str:
    """One line saying whether CuPy and a CUDA device are available, and which."""
    try:
        cupy = _import_cupy()
    except RuntimeError as e:
        if "not installed" in str(e):
            return "CuPy: not installed (pip install flowgraph[gpu])"
        return f"CuPy: installed but cannot be imported: {e}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        return f"CuPy {cupy.__version__}: no usable CUDA ({type(e).__name__}: {e})"
    if not count:
        return f"CuPy {cupy.__version__}: no CUDA device found"
    return f"CuPy {cupy.__version__}: " + ", ".join(
        CupyBackend(cupy, i).describe() for i in range(count))


def blas_info() -> str:
    """The BLAS NumPy uses, as its build configuration names it (NumPy 1.x and 2.x)."""
    try:  # NumPy >= 1.26 (meson builds): a dict of the build configuration
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        name = blas.get("name", "unknown")
        version = blas.get("version")
        return f"{name} {version}" if version and version != "unknown" else name
    except Exception:
        pass
    try:  # older NumPy (distutils builds): numpy.__config__.get_info
        get_info = np.__config__.get_info
        info = get_info("blas_opt_info") or get_info("blas_ilp64_opt_info")
        libraries = info.get("libraries")
        if libraries:
            return ", ".join(dict.fromkeys(libraries))
    except Exception:
        pass
    return "unknown"


def system_info() -> list:
    """Lines for `flowgraph info`: versions, NumPy's BLAS, and the GPU's availability."""
    return [f"flowgraph {__version__}",
            f"Python {platform.python_version()} ({sys.executable})",
            f"NumPy {np.__version__}",
            f"BLAS (NumPy's): {blas_info()}",
            f"GPU: {gpu_status()}",
            f"default device: {os.environ.get(ENV_DEVICE) or 'cpu'}"
            + (f" (from ${ENV_DEVICE})" if os.environ.get(ENV_DEVICE) else "")]
