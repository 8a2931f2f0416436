"""Graphviz drawings of a graph: one nested cluster per name scope, static shapes on edges.

    from flowgraph import viz
    viz.render(tf.get_default_graph(), "graph.svg", collapse_gradients=True)

Placeholders are yellow houses, variables blue cylinders, constants small grey ellipses, other
ops white rounded boxes, collapsed gradient/optimizer groups orange 3-D boxes; control
dependencies are dashed edges. In Jupyter a Graph shows itself as this drawing (`_repr_svg_`).
Rendering svg/png/pdf needs Graphviz's `dot` program; the "dot" format does not.
"""
from __future__ import annotations

import os
import re
import shutil

from . import registry
from .graph import Graph, get_default_graph

FORMATS = ("svg", "png", "pdf", "dot")

_GRADIENT_SCOPE = re.compile(r"^gradients(_\d+)?$")

_STYLES = {
    "placeholder": dict(shape="invhouse", style="filled", fillcolor="#fff2b3"),
    "variable": dict(shape="cylinder", style="filled", fillcolor="#c6e2ff"),
    "constant": dict(shape="ellipse", style="filled", fillcolor="#eeeeee", fontsize="10"),
    "op": dict(shape="box", style="rounded,filled", fillcolor="#ffffff"),
    "group": dict(shape="box3d", style="filled", fillcolor="#ffe0cc"),
    "outside": dict(shape="box", style="dashed", color="#888888", fontcolor="#555555"),
}
_ROLE_STYLES = {"placeholder": "placeholder", "placeholder_default": "placeholder",
                "variable": "variable", "constant": "constant"}  # an OpDef's role -> style


class GraphvizNotFoundError(RuntimeError):
    """`dot` is missing: the drawing's source was written to `dot_path` instead."""

    def __init__(self, path: str, dot_path: str, fmt: str):
        self.path, self.dot_path = path, dot_path
        super().__init__(
            f"Graphviz's `dot` program was not found, so {path} was not rendered; the drawing's "
            f"source is in {dot_path}. Install Graphviz (Debian/Ubuntu: sudo apt-get install "
            f"graphviz; macOS: brew install graphviz; conda: conda install graphviz), then run "
            f"this again or: dot -T{fmt} {dot_path} -o {path}")


def _parent(name: str) -> str:
    return name.rpartition("/")[0]


def training_groups(ops) -> dict:
    """{op: group scope} for gradient ops ("training/gradients") and optimizer ops
    ("training/GradientDescent": the scope holding its `update_<var>` scopes)."""
    groups, opt_scopes = {}, set()
    for op in ops:
        parts = op.name.split("/")
        for i, part in enumerate(parts[:-1]):
            if _GRADIENT_SCOPE.match(part):
                groups[op] = "/".join(parts[:i + 1])
                break
        if registry.get(op.type).role == "update":
            ups = [i for i, part in enumerate(parts) if part.startswith("update_")]
            opt_scopes.add("/".join(parts[:ups[0]]) if ups else _parent(op.name))
    for op in ops:
        if op not in groups:
            for s in opt_scopes:
                if s and (op.name == s or op.name.startswith(s + "/")):
                    groups[op] = s
                    break
    return groups


def shape_label(shape) -> str:
    """A static shape as an edge label: [?,2], [] for a scalar, ? for an unknown rank."""
    if shape.dims is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"


def _op_label(op) -> str:
    short = op.name.rpartition("/")[2]
    return short if re.sub(r"_\d+$", "", short) == op.type else f"{short}\\n{op.type}"


def draw(graph: Graph | None = None, scope: str | None = None, hide_gradients: bool = False,
         collapse_gradients: bool = False, shapes: bool = True, rankdir: str = "TB"):
    """A graphviz.Digraph of `graph` (default: the default graph).

    Args: scope (draw only the ops under this name scope; their inputs from elsewhere appear
    as dashed boxes), hide_gradients (leave out gradient and optimizer ops),
    collapse_gradients (draw each gradient/optimizer scope as one box), shapes (label edges
    with static shapes), rankdir ("TB" top to bottom, "LR", "BT").
    Example: `draw(g, scope="loss").source` is the DOT text.
    """
    import graphviz

    graph = graph if graph is not None else get_default_graph()
    ops = graph.get_operations()
    if scope:
        scope = scope.strip("/")
        ops = [op for op in ops if op.name == scope or op.name.startswith(scope + "/")]
        if not ops:
            tops = sorted({op.name.split("/")[0] for op in graph.get_operations()})
            raise ValueError(f"No ops under scope {scope!r}; the graph's top-level names are: "
                             f"{', '.join(tops) or '(none: the graph is empty)'}")
    groups = training_groups(ops) if (hide_gradients or collapse_gradients) else {}
    boxes = {}  # group scope -> number of ops it stands for
    if not hide_gradients:
        for g in groups.values():
            boxes[g] = boxes.get(g, 0) + 1
    node_of = {op: (groups[op] + " (group)" if op in groups else op.name)
               for op in ops if op not in groups or not hide_gradients}
    plain = [op for op in ops if op not in groups]

    # one cluster per scope holding a drawn node; an op named like a scope sits inside it
    scopes = {}  # in order of first use, so clusters come out in the order code made them
    for name in [groups.get(op, op.name) for op in node_of]:
        chain, s = [], _parent(name)
        while s and s not in scopes:
            chain.append(s)
            s = _parent(s)
        scopes.update((c, None) for c in reversed(chain))
    top = graphviz.Digraph(name="flowgraph")
    top.attr(rankdir=rankdir, fontname="Helvetica")
    top.attr("node", fontname="Helvetica", fontsize="11")
    top.attr("edge", fontname="Helvetica", fontsize="9", color="#555555")
    clusters = {"": top}
    for i, s in enumerate(scopes):
        clusters[s] = c = graphviz.Digraph(name=f"cluster_{i}")
        c.attr(label=s.rpartition("/")[2], tooltip=s, style="rounded", color="#999999",
               fontname="Helvetica", fontsize="11")
    for op in plain:
        home = op.name if op.name in scopes else _parent(op.name)
        style = _STYLES[_ROLE_STYLES.get(registry.get(op.type).role, "op")]
        clusters[home].node(op.name, _op_label(op), tooltip=f"{op.name} ({op.type}) at "
                            f"{op.location}", **style)
    for g, n in boxes.items():
        clusters[_parent(g)].node(g + " (group)", f"{g.rpartition('/')[2]}\\n({n} ops)",
                                  tooltip=g, **_STYLES["group"])

    outside, grouped_edges = set(), set()
    for op, dst in node_of.items():
        sources = [(t.op, shape_label(t.shape) if shapes else None) for t in op.inputs]
        sources += [(c, "^") for c in op.control_inputs]
        for src_op, label in sources:
            src = node_of.get(src_op)
            if src_op not in node_of and src_op not in groups:
                src = src_op.name  # an input from outside the drawn scope
                if src not in outside:
                    outside.add(src)
                    top.node(src, src, **_STYLES["outside"])
            if src is None or src == dst:
                continue
            if src_op in groups or op in groups:  # one edge per tensor into or out of a box
                if (src, dst, label) in grouped_edges:
                    continue
                grouped_edges.add((src, dst, label))
            if label == "^":
                top.edge(src, dst, style="dashed", arrowhead="odot")
            else:
                top.edge(src, dst, label=label)

    for s in sorted(scopes, key=lambda s: -s.count("/")):  # innermost first: children done
        clusters[_parent(s)].subgraph(clusters[s])
    return top


def render(graph: Graph | None, path, format: str | None = None, **options) -> str:
    """Draw `graph` (see `draw` for the options) into `path`; returns the path written.

    format: svg, png, pdf or dot (default: from the path's extension, e.g. "graph.svg").
    Without Graphviz's `dot` program a rendered format writes `<path minus extension>.dot`
    and raises GraphvizNotFoundError, whose message says how to install Graphviz.
    """
    path = os.fspath(path)
    fmt = (format or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
    fmt = "dot" if fmt == "gv" else fmt
    if fmt not in FORMATS:
        raise ValueError(f"Cannot draw to {path!r}: format {fmt!r} is not one of "
                         f"{', '.join(FORMATS)}")
    digraph = draw(graph, **options)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if fmt == "dot":
        with open(path, "w", encoding="utf-8") as f:
            f.write(digraph.source)
        return path
    import graphviz
    try:
        if shutil.which("dot") is None:
            raise graphviz.ExecutableNotFound(("dot",))
        data = digraph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        dot_path = os.path.splitext(path)[0] + ".dot"
        with open(dot_path, "w", encoding="utf-8") as f:
            f.write(digraph.source)
        raise GraphvizNotFoundError(path, dot_path, fmt) from None
    with open(path, "wb") as f:
        f.write(data)
    return path


def _repr_svg_(graph: Graph):
    """Jupyter's inline drawing of a Graph (None, so text is shown, when `dot` is missing)."""
    if shutil.which("dot") is None or not graph.get_operations():
        return None
    try:
        return draw(graph).pipe(format="svg").decode("utf-8")
    except Exception:
        return None


Graph._repr_svg_ = _repr_svg_
