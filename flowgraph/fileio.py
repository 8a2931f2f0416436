"""File helpers shared by everything that writes user files through a temporary name and a
rename (checkpoints, downloads): the mode such a file gets."""
from __future__ import annotations

import contextlib
import os


def umask() -> int:
    """The process's umask. Linux shows it in /proc (since 4.7); elsewhere reading it means
    setting it, for an instant, to the strictest one, so a file another thread creates
    meanwhile is never more open than intended."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode `open(path, "w")` would give a new file (0644 under umask 022). A temporary
    file from `tempfile.mkstemp` is 0600 whatever the umask: chmod it to this before the
    rename that makes it the user's file."""
    return 0o666 & ~umask()
