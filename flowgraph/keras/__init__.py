"""Keras 2.2.4's API on flowgraph's graph."""
from . import datasets, preprocessing, utils
