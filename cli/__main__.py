"""`python -m flowgraph.cli ...` is `flowgraph ...`."""
from .main import main

if __name__ == "__main__":
    main(prog_name="flowgraph")
