"""`flowgraph graph` (a drawing of a script's graph) and `flowgraph board` (TensorBoard)."""
from __future__ import annotations

import os

import click


@click.command(short_help="Draw the graph a script builds (svg, png, pdf or dot).",
               context_settings={"ignore_unknown_options": True,
                                 "allow_interspersed_args": False})
@click.option("-o", "--output", default="graph.svg", show_default=True,
              help="The drawing; its extension picks the format: .svg, .png, .pdf or .dot.")
@click.option("--scope", metavar="NAME", help="Draw only the ops under this name scope.")
@click.option("--hide-gradients", is_flag=True, help="Leave out gradient and optimizer ops.")
@click.option("--collapse-gradients", is_flag=True,
              help="Draw each gradient or optimizer scope as one box.")
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def graph(ctx, output, scope, hide_gradients, collapse_gradients, script, args):
    """Run SCRIPT with ARGS whole (as `flowgraph run` does) and draw the graph it built: one
    cluster per name scope, shapes on edges. Svg, png and pdf need Graphviz's `dot` program;
    without it the .dot source is written and the exit status is 1.

    Options go before SCRIPT; everything after it is the script's."""
    from flowgraph import script as scripts, viz
    try:
        path, status = scripts.render_script(script, output, args, scope=scope,
                                             hide_gradients=hide_gradients,
                                             collapse_gradients=collapse_gradients)
    except (viz.GraphvizNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"wrote {path}")
    if status:
        click.echo(f"note: {os.path.basename(script)} exited with status {status}; the drawing "
                   f"shows the graph it built until then", err=True)
    ctx.exit(status)


@click.command(short_help="Start TensorBoard on a log directory (127.0.0.1).")
@click.option("--logdir", default="logs", show_default=True, type=click.Path(file_okay=False),
              envvar="FLOWGRAPH_LOGDIR",
              help="The folder of run folders (`flowgraph run --logdir` writes there; "
                   "like it, defaults to $FLOWGRAPH_LOGDIR when that is set).")
@click.option("--port", default=6006, show_default=True, type=int)
@click.pass_context
def board(ctx, logdir, port):
    """Serve LOGDIR with TensorBoard at http://127.0.0.1:PORT/ until Ctrl-C (needs the
    tensorboard package: pip install 'flowgraph[board]')."""
    from flowgraph.export import board as tensorboard
    try:
        status = tensorboard.serve(logdir, port)
    except tensorboard.TensorBoardNotInstalledError as e:
        raise click.ClickException(str(e)) from None
    ctx.exit(status)


COMMANDS = [graph, board]
