"""The `flowgraph` command: a click group of thin commands over library functions.

More commands plug in without edits here: any module `<name>_commands.py` of this package
(the folder cli/, installed as `flowgraph.cli`) is imported when the group is built, and the
click commands it defines at module level (or lists in `COMMANDS`) are added to the group. A
module that cannot be imported (a missing optional dependency) is left out with one line on
stderr that names it and the error.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from flowgraph import __version__

_CONTEXT = {"help_option_names": ["-h", "--help"]}


def _check_device(ctx, param, value):
    from flowgraph.backend import check_device
    try:
        return None if value is None else check_device(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@click.group(context_settings=_CONTEXT)
@click.version_option(__version__, "--version", "-V", prog_name="flowgraph")
def main():
    """flowgraph: TensorFlow-1.x-style graphs on NumPy (or CuPy)."""


@main.command(short_help="Run a Python script with flowgraph as TensorFlow 1.x.",
              context_settings={**_CONTEXT, "ignore_unknown_options": True,
                                "allow_interspersed_args": False})
@click.option("--no-alias", is_flag=True,
              help="Do not make flowgraph importable as `tensorflow`.")
@click.option("--logdir", type=click.Path(file_okay=False), default="logs", show_default=True,
              envvar="FLOWGRAPH_LOGDIR",
              help="Write the graph of each session the script runs, for TensorBoard, into "
                   "its own run folder (<script>-<time>) under this folder.")
@click.option("--no-log", is_flag=True, help="Do not write graphs for TensorBoard.")
@click.option("--device", metavar="DEVICE", callback=_check_device,
              help="Run the script's sessions on DEVICE: cpu, gpu or gpu:N (the whole graph; "
                   "sets FLOWGRAPH_DEVICE for the script).")
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(ctx, no_alias, logdir, no_log, device, script, args):
    """Run SCRIPT with ARGS as `python SCRIPT ARGS` would, with flowgraph importable as
    `tensorflow` and `tensorflow.compat.v1`. Exits with the script's exit status.

    Options go before SCRIPT; everything after it is the script's."""
    from flowgraph.script import run_script
    ctx.exit(run_script(script, args, alias=not no_alias, logdir=None if no_log else logdir,
                        device=device))


def _plugin_commands() -> list[click.Command]:
    """Click commands found in this package's `*_commands.py` modules; one that fails to
    import is reported on stderr and left out."""
    package = sys.modules[__package__]
    found: list[click.Command] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.endswith("_commands"):
            continue
        name = f"{__package__}.{info.name}"
        try:
            module = importlib.import_module(name)
        except Exception as e:
            click.echo(f"flowgraph: the commands in {name} are unavailable: "
                       f"{type(e).__name__}: {e}", err=True)
            continue
        listed = getattr(module, "COMMANDS", None)
        candidates = listed if listed is not None else vars(module).values()
        found.extend(c for c in candidates if isinstance(c, click.Command) and c is not main)
    return found


for _command in _plugin_commands():
    if _command.name not in main.commands:
        main.add_command(_command)
