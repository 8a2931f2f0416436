"""flowgraph's command line, installed as `flowgraph.cli`: `flowgraph run|...`; the commands
live in `flowgraph.cli.main`."""
