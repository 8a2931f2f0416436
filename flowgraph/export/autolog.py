"""Log the graph of every session a script runs, without changes to the script.

`flowgraph run SCRIPT --logdir DIR` calls `enable(DIR, SCRIPT)` before running the script:
each session's graph goes into its own run folder, DIR/<script>-<YYYYmmdd-HHMMSS>[-N], written
when the session closes (also when it is garbage-collected) or, for sessions never closed, at
interpreter exit. Sessions made only to get at `sess.graph` are logged too. A graph already
logged unchanged (two sessions on one graph) is not written a second time, nor is a graph the
script writes itself with a FileWriter.
"""
from __future__ import annotations

import atexit
import os
import time
import warnings

from ..session import SESSION_HOOKS
from ..summary import GRAPHS_WRITTEN, FileWriter

_active = None


class _AutoLog:
    def __init__(self, logdir: str, script_name: str):
        self.logdir = os.fspath(logdir)
        self.stem = os.path.splitext(os.path.basename(os.fspath(script_name)))[0] or "script"
        self.open_sessions: dict = {}  # id(session) -> (graph, creation time)
        self.logged: set = set()  # (graph, graph.version) already written
        self.runs: list = []  # run folders written, in order

    def hook(self, session, event):
        if event == "created":
            self.open_sessions[id(session)] = (session.graph, time.time())
        elif event == "closed":
            entry = self.open_sessions.pop(id(session), None)
            if entry is not None:
                self.write(*entry)

    def write_open_sessions(self):
        while self.open_sessions:
            self.write(*self.open_sessions.pop(next(iter(self.open_sessions))))

    def write(self, graph, created: float):
        key = (graph, graph.version)
        if graph.version == 0 or key in self.logged or graph in GRAPHS_WRITTEN:
            return  # empty, already logged, or the script logs this graph itself
        self.logged.add(key)
        run_dir = self._new_run_dir(created)
        try:
            with FileWriter(run_dir, graph=graph):
                pass
        except Exception as e:  # logging must never break the user's program
            warnings.warn(f"flowgraph: could not write the graph to {run_dir}: {e}")
            return
        self.runs.append(run_dir)

    def _new_run_dir(self, created: float) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(created))
        base = os.path.join(self.logdir, f"{self.stem}-{stamp}")
        path, n = base, 1
        while path in self.runs or os.path.exists(path):
            n += 1
            path = f"{base}-{n}"
        return path


def enable(logdir="logs", script_name="script") -> None:
    """Log the graph of each session created from now on into its own run folder in `logdir`.

    Args: logdir (the TensorBoard log directory), script_name (names the run folders).
    Example: `autolog.enable("logs", "bmi.py")`; then `tensorboard --logdir logs`.
    """
    global _active
    disable()
    _active = _AutoLog(logdir, script_name)
    SESSION_HOOKS.append(_active.hook)


def disable() -> list:
    """Write the graphs of sessions still open, stop logging; returns the run folders written."""
    global _active
    if _active is None:
        return []
    log, _active = _active, None
    SESSION_HOOKS.remove(log.hook)
    log.write_open_sessions()
    return list(log.runs)


atexit.register(disable)
