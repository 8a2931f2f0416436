"""The version of flowgraph (read by setup.cfg and `flowgraph --version`)."""
__version__ = "0.1.0"
