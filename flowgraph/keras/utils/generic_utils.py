"""`keras.utils.generic_utils.Progbar`: the progress bar `fit` and `evaluate` print, drawn
exactly as Keras 2.2.4 drew it:

    470/470 [==============================] - 0s 195us/step - loss: 0.6655 - acc: 0.3085

In a terminal (or a Jupyter kernel) each update redraws the line with backspaces and a
carriage return; when stdout is a pipe or a file each update starts a new line (so the first
bar follows an empty line), at most one per `interval` seconds except the final one.
"""
from __future__ import annotations

import collections
import sys
import time

import numpy as np

# The clock the bar reads. One name to replace, so tests can fix the times it prints.
_clock = time.time


class Progbar:
    """A text progress bar with running averages of named values.

    Args:
        target: the total count expected (samples or steps), or None if unknown.
        width: the bar's width in characters.
        verbose: 0 silent, 1 the bar, 2 one line when `target` is reached.
        interval: the least time in seconds between two redraws (the final one always shows).
        stateful_metrics: names whose values are shown as given, not averaged.

    Each value is averaged over the counts it was reported for: `update(30, [("loss", 0.5)])`
    after `update(10, [("loss", 1.0)])` shows (1.0 * 10 + 0.5 * 20) / 30.

    Example:
        >>> bar = Progbar(target=470)
        >>> bar.update(470, [("loss", 0.6655), ("acc", 0.3085)])  # doctest: +SKIP
        470/470 [==============================] - 0s 195us/step - loss: 0.6655 - acc: 0.3085
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules)
        self._total_width = 0
        self._seen_so_far = 0
        self._values = collections.OrderedDict()   # name -> [weighted sum, count]
        self._start = _clock()
        self._last_update = 0

    def update(self, current, values=None):
        """Move the bar to `current` and fold in `values`, a list of (name, value) pairs:
        each value counts for the `current - previous current` units since the last update.

        Example: `bar.update(10, [("loss", 0.7)])`.
        """
        self._accumulate(current, values or [])
        now = _clock()
        if self.verbose == 1:
            if (now - self._last_update < self.interval and self.target is not None
                    and current < self.target):
                return  # throttled; _last_update stays, so the next update may draw
            self._draw(current, now)
        elif self.verbose == 2:
            if self.target is None or current >= self.target:
                self._write_summary_line(now)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by `n` units. Example: `bar.add(32, [("loss", 0.7)])`."""
        self.update(self._seen_so_far + n, values)

    # -- bookkeeping -----------------------------------------------------------------------
    def _accumulate(self, current, values):
        # The arithmetic is Keras's own (v * n summed in the value's dtype), so the printed
        # digits match Keras 2.2.4's even where float32 rounding decides the last one.
        step = current - self._seen_so_far
        for name, value in values:
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            elif name not in self._values:
                self._values[name] = [value * step, step]
            else:
                self._values[name][0] += value * step
                self._values[name][1] += step
        self._seen_so_far = current

    def _average(self, name):
        total, count = self._values[name]
        return np.mean(total / max(1, count))

    # -- drawing ---------------------------------------------------------------------------
    def _draw(self, current, now):
        out = sys.stdout   # looked up now: tests and notebooks replace sys.stdout
        prev_total_width = self._total_width
        if self._dynamic_display:
            out.write("\b" * prev_total_width)
            out.write("\r")
        else:
            out.write("\n")
        bar = self._bar(current)
        self._total_width = len(bar)
        out.write(bar)

        info = self._timing(current, now)
        for name in self._values:
            info += " - %s: %s" % (name, _format_value(self._average(name)))
        self._total_width += len(info)
        if prev_total_width > self._total_width:
            # blank out what is left of a longer previous line (Keras pads in pipes too)
            info += " " * (prev_total_width - self._total_width)
        if self.target is not None and current >= self.target:
            info += "\n"
        out.write(info)
        out.flush()

    def _bar(self, current):
        if self.target is None:
            return "%7d/Unknown" % current
        numdigits = len(str(int(self.target)))   # Keras: floor(log10(target)) + 1
        bar = ("%%%dd/%d [" % (numdigits, self.target)) % current
        prog = float(current) / self.target if self.target else 1.0
        prog_width = int(self.width * prog)
        if prog_width > 0:
            bar += "=" * (prog_width - 1)
            bar += ">" if current < self.target else "="
        bar += "." * (self.width - prog_width)
        return bar + "]"

    def _timing(self, current, now):
        """' - ETA: 3s' while running, else ' - 0s 195us/step' (time per counted unit)."""
        time_per_unit = (now - self._start) / current if current else 0
        if self.target is not None and current < self.target:
            return " - ETA: %s" % _format_eta(time_per_unit * (self.target - current))
        info = " - %.0fs" % (now - self._start)
        if time_per_unit >= 1:
            return info + " %.0fs/step" % time_per_unit
        if time_per_unit >= 1e-3:
            return info + " %.0fms/step" % (time_per_unit * 1e3)
        return info + " %.0fus/step" % (time_per_unit * 1e6)

    def _write_summary_line(self, now):
        """verbose=2: ' - 0s - loss: 0.6655 - acc: 0.3085' once the target is reached."""
        info = " - %.0fs" % (now - self._start)
        for name in self._values:
            avg = self._average(name)
            # Keras 2.2.4 tests `avg > 1e-3` here (no abs): negative values print as %.4e
            info += " - %s: %s" % (name, "%.4f" % avg if avg > 1e-3 else "%.4e" % avg)
        sys.stdout.write(info + "\n")
        sys.stdout.flush()


def _format_value(avg) -> str:
    """%.4f, or %.4e for values no larger than 1e-3 in size."""
    return "%.4f" % avg if abs(avg) > 1e-3 else "%.4e" % avg


def _format_eta(eta) -> str:
    """'1:02:03' past an hour, '2:03' past a minute, else '42s' (truncated, as Keras did)."""
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta
