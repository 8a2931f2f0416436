"""Log the graph of every session a script runs, without changes to the script.

`flowgraph run SCRIPT --logdir DIR` calls `enable(DIR, SCRIPT)` before running the script:
each distinct graph the script's sessions run goes into its own run folder,
DIR/<script>-<YYYYmmdd-HHMMSS>[-N] (the time its first session was created). The graph is
written when a session on it closes (also when one is garbage-collected) and again at the
end of the script, each time only if it has grown since it was last written; the new event
file then replaces the old one, so the folder always holds the graph's latest state, once.
So a script that runs a quick check session and then builds and trains its model logs the
whole model, and one that opens many sessions on one graph logs one run. Sessions made only
to get at `sess.graph` are logged too. A graph the script writes itself with a FileWriter is
left alone.
"""
from __future__ import annotations

import atexit
import os
import time
import warnings
import weakref

from ..session import SESSION_HOOKS
from ..summary import GRAPHS_WRITTEN, FileWriter
from .graphdef import to_graph_def

_active = None


class _GraphLog:
    """Where one graph is logged, and how much of it (its version) was written last."""

    def __init__(self, created: float):
        self.created = created  # the creation time of its first session: names the folder
        self.run_dir: str | None = None
        self.version_written = 0


class _AutoLog:
    def __init__(self, logdir: str, script_name: str):
        self.logdir = os.fspath(logdir)
        self.stem = os.path.splitext(os.path.basename(os.fspath(script_name)))[0] or "script"
        self.open_sessions: dict = {}  # id(session) -> its graph
        # graph -> _GraphLog; weak, so a script that builds graph after graph keeps none alive
        # (each was written when its last session closed)
        self.graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.runs: list = []  # run folders written, in order

    def hook(self, session, event):
        graph = session.graph
        if event == "created":
            self.open_sessions[id(session)] = graph
            if graph not in self.graphs:
                self.graphs[graph] = _GraphLog(time.time())
        elif event == "closed" and self.open_sessions.pop(id(session), None) is not None:
            self.write(graph)

    def write_all(self):
        """Write every graph that has grown since it was written (at the end of the script)."""
        self.open_sessions.clear()
        for graph in list(self.graphs.keys()):
            self.write(graph)

    def write(self, graph):
        entry = self.graphs.get(graph)
        if entry is None or graph.version in (0, entry.version_written) or graph in GRAPHS_WRITTEN:
            return  # unknown, empty, unchanged since written, or the script logs it itself
        if entry.run_dir is None:
            entry.run_dir = self._new_run_dir(entry.created)
        try:
            _replace_graph(entry.run_dir, graph)
        except Exception as e:  # logging must never break the user's program
            warnings.warn(f"flowgraph: could not write the graph to {entry.run_dir}: {e}")
            return
        entry.version_written = graph.version
        if entry.run_dir not in self.runs:
            self.runs.append(entry.run_dir)

    def _new_run_dir(self, created: float) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(created))
        base = os.path.join(self.logdir, f"{self.stem}-{stamp}")
        path, n = base, 1
        while path in self.runs or os.path.exists(path):
            n += 1
            path = f"{base}-{n}"
        return path


def _replace_graph(run_dir: str, graph) -> None:
    """Write `graph` into a new event file in `run_dir`, then remove the folder's older event
    files (ours: the folder is made for this graph), so TensorBoard finds one graph there, the
    newest. The new file is on disk before an old one goes: a crash loses nothing."""
    old = os.listdir(run_dir) if os.path.isdir(run_dir) else []
    # A GraphDef, not the Graph: add_graph(Graph) would count as the script logging it itself.
    with FileWriter(run_dir, graph_def=to_graph_def(graph)):
        pass
    for name in old:
        try:
            os.remove(os.path.join(run_dir, name))
        except OSError:  # (an open file on Windows) TensorBoard shows the newest graph anyway
            pass


def enable(logdir="logs", script_name="script") -> None:
    """Log the graph of each session created from now on (one run folder per graph) in `logdir`.

    Args: logdir (the TensorBoard log directory), script_name (names the run folders).
    Example: `autolog.enable("logs", "bmi.py")`; then `tensorboard --logdir logs`.
    """
    global _active
    disable()
    _active = _AutoLog(logdir, script_name)
    SESSION_HOOKS.append(_active.hook)


def disable() -> list:
    """Write each graph's latest state, stop logging; returns the run folders written."""
    global _active
    if _active is None:
        return []
    log, _active = _active, None
    SESSION_HOOKS.remove(log.hook)
    log.write_all()
    return list(log.runs)


atexit.register(disable)
