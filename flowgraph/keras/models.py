"""`keras.models`: the model classes (`Sequential`, `Model`), and models saved to and loaded
from Keras 2's HDF5 files or JSON configs.

Example:
    from keras.models import Sequential, load_model
"""
from __future__ import annotations

from .engine.saving import (load_model, model_from_config, model_from_json,  # noqa: F401
                            save_model)
from .engine.sequential import Sequential  # noqa: F401
from .engine.training import Model  # noqa: F401

__all__ = ["Sequential", "Model", "load_model", "save_model", "model_from_config",
           "model_from_json"]
