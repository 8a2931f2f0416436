"""`keras.models`: the model classes (`Sequential`, `Model`).

Example:
    from keras.models import Sequential
"""
from __future__ import annotations

from .engine.sequential import Sequential  # noqa: F401
from .engine.training import Model  # noqa: F401

__all__ = ["Sequential", "Model"]
