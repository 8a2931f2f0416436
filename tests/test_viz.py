"""Graphviz drawings: structure checked on the DOT source; rendering when `dot` is present."""
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import bmi_like
import flowgraph as tf
import flowgraph.summary  # noqa: F401  (tf.summary)
from flowgraph import viz
from flowgraph.export import board

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's `dot` program is not installed "
                               "(apt-get install graphviz); .ci/run installs it")

def bmi_graph():
    bmi_like.build(tf)
    return tf.get_default_graph()


class Dot:
    """The parts of graphviz's DOT output the tests look at: clusters, nodes, edges."""

    ID = r'("(?:[^"\\]|\\.)*"|[\w.]+)'
    NODE = re.compile(rf"^\s*{ID} \[(.*)\]$")
    EDGE = re.compile(rf"^\s*{ID} -> {ID}(?: \[(.*)\])?$")

    def __init__(self, source):
        self.clusters = []  # (path of labels from the top)
        self.nodes = {}  # id -> (cluster path, attribute text)
        self.edges = []  # (tail, head, attribute text)
        stack, expect_label = [], False
        for line in source.splitlines():
            if line.strip().startswith("subgraph cluster_"):
                stack.append(None)
                expect_label = True
            elif line.strip() == "}":
                if stack:
                    stack.pop()
            elif expect_label:
                stack[-1] = self.attr(line, "label")
                self.clusters.append(tuple(stack))
                expect_label = False
            elif (m := self.EDGE.match(line)):
                self.edges.append((self.unquote(m[1]), self.unquote(m[2]), m[3] or ""))
            elif (m := self.NODE.match(line)) and m[1] not in ("node", "edge", "graph"):
                self.nodes[self.unquote(m[1])] = (tuple(stack), m[2])

    @staticmethod
    def unquote(s):
        return s[1:-1] if s.startswith('"') else s

    @staticmethod
    def attr(text, key):
        m = re.search(rf'\b{key}=("(?:[^"\\]|\\.)*"|\S+)', text)
        return Dot.unquote(m[1]) if m else None


# --- structure ---------------------------------------------------------------------------------
def test_one_nested_cluster_per_name_scope_and_every_op_and_input_drawn():
    g = bmi_graph()
    ops = g.get_operations()
    dot = Dot(viz.draw(g).source)
    assert set(dot.nodes) == {op.name for op in ops}
    assert len(dot.edges) == sum(len(op.inputs) + len(op.control_inputs) for op in ops)
    parts = [op.name.split("/") for op in ops]
    scopes = {"/".join(p[:i]) for p in parts for i in range(1, len(p))}
    assert sorted("/".join(c) for c in dot.clusters) == sorted(scopes)
    assert {("interface",), ("interface", "softmax"), ("loss",), ("training",),
            ("training", "gradients"), ("training", "GradientDescent"),
            ("accuracy",)} <= set(dot.clusters)
    assert dot.nodes["interface/softmax/MatMul"][0] == ("interface", "softmax")
    assert dot.nodes["x"][0] == ()
    # an op named like a scope sits inside that scope's cluster, as in TensorBoard
    assert dot.nodes["interface/W"][0] == ("interface", "W")
    assert dot.nodes["interface/W/Assign"][0] == ("interface", "W")


def test_node_styles_and_shape_labels():
    g = bmi_graph()
    dot = Dot(viz.draw(g).source)
    shape = {name: Dot.attr(attrs, "shape") for name, (_, attrs) in dot.nodes.items()}
    assert shape["x"] == "invhouse" and shape["interface/W"] == "cylinder"
    assert shape["interface/zeros"] == "ellipse" and shape["interface/softmax/MatMul"] == "box"
    assert len({Dot.attr(dot.nodes[n][1], "fillcolor") for n in
                ("x", "interface/W", "interface/zeros", "interface/softmax/MatMul")}) == 4
    assert Dot.attr(dot.nodes["interface/W"][1], "label") == r"W\nVariableV2"
    labels = {(t, h): Dot.attr(a, "label") for t, h, a in dot.edges}
    assert labels["x", "interface/softmax/MatMul"] == "[?,2]"
    assert labels["interface/W", "interface/softmax/MatMul"] == "[2,3]"
    assert labels["loss/Sum", "loss/Neg"] == "[]"
    control = [(t, h) for t, h, a in dot.edges if "dashed" in a]
    assert sorted(control) == [
        ("training/GradientDescent/update_interface/W/ApplyGradientDescent",
         "training/GradientDescent"),
        ("training/GradientDescent/update_interface/b/ApplyGradientDescent",
         "training/GradientDescent")]
    assert all(Dot.attr(a, "label") is None for t, h, a in
               Dot(viz.draw(g, shapes=False).source).edges)
    p = tf.placeholder(tf.float32, None, name="anything")
    assert viz.shape_label(p.shape) == "?"


def test_hide_gradients_leaves_out_gradient_and_optimizer_ops():
    g = bmi_graph()
    dot = Dot(viz.draw(g, hide_gradients=True).source)
    kept = [op for op in g.get_operations() if not op.name.startswith("training/")]
    assert set(dot.nodes) == {op.name for op in kept}
    assert len(dot.edges) == sum(len(op.inputs) for op in kept)
    assert not any(c[0] == "training" for c in dot.clusters)


def test_collapse_gradients_draws_one_box_per_gradient_or_optimizer_scope():
    g = bmi_graph()
    n_grad = sum(op.name.startswith("training/gradients/") for op in g.get_operations())
    n_opt = sum(op.name.startswith("training/GradientDescent") for op in g.get_operations())
    dot = Dot(viz.draw(g, collapse_gradients=True).source)
    boxes = {n: Dot.attr(a, "label") for n, (_, a) in dot.nodes.items() if "box3d" in a}
    assert boxes == {"training/gradients (group)": rf"gradients\n({n_grad} ops)",
                     "training/GradientDescent (group)": rf"GradientDescent\n({n_opt} ops)"}
    assert dot.nodes["training/gradients (group)"][0] == ("training",)
    assert len(dot.edges) == len(set(dot.edges))  # one edge per tensor into a box
    assert ("training/gradients (group)", "training/GradientDescent (group)",
            'label="[2,3]"') in dot.edges
    assert not any(n.startswith("training/gradients/") for n in dot.nodes)


def test_one_scope_with_its_inputs_from_outside():
    g = bmi_graph()
    dot = Dot(viz.draw(g, scope="loss").source)
    inside = {op.name for op in g.get_operations() if op.name.startswith("loss/")}
    outside = {n for n, (_, a) in dot.nodes.items() if "dashed" in a}
    assert set(dot.nodes) == inside | outside
    assert outside == {"y_", "interface/softmax/Softmax"}
    assert {c for c in dot.clusters} == {("loss",)}
    with pytest.raises(ValueError, match="No ops under scope 'nowhere'.*accuracy, interface"):
        viz.draw(g, scope="nowhere")


# --- rendering ---------------------------------------------------------------------------------
def test_dot_format_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    path = viz.render(bmi_graph(), tmp_path / "g.dot")
    assert path == str(tmp_path / "g.dot")
    assert Dot((tmp_path / "g.dot").read_text()).nodes
    with pytest.raises(ValueError, match="'gif' is not one of svg, png, pdf, dot"):
        viz.render(tf.get_default_graph(), tmp_path / "g.gif")


def test_without_dot_the_source_is_written_and_the_error_says_how_to_install(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz") as err:
        viz.render(bmi_graph(), tmp_path / "g.svg")
    assert err.value.dot_path == str(tmp_path / "g.dot")
    assert (tmp_path / "g.dot").exists() and not (tmp_path / "g.svg").exists()
    assert tf.get_default_graph()._repr_svg_() is None  # Jupyter then shows the text repr


@needs_dot
def test_render_svg_png_pdf(tmp_path):
    g = bmi_graph()
    svg = ET.parse(viz.render(g, tmp_path / "g.svg")).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"MatMul", "softmax", "interface", "[?,2]"} <= texts
    assert (tmp_path / "g.png").exists() is False
    with open(viz.render(g, tmp_path / "g.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(viz.render(g, tmp_path / "g.pdf", collapse_gradients=True), "rb") as f:
        assert f.read(5) == b"%PDF-"


@needs_dot
def test_graph_shows_itself_in_jupyter():
    svg = bmi_graph()._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert tf.Graph()._repr_svg_() is None  # nothing to draw


# --- the command line --------------------------------------------------------------------------
@pytest.fixture
def bmi_script(tmp_path):
    path = tmp_path / "bmi_like.py"
    path.write_text(bmi_like.SCRIPT)
    return path


def test_graph_command_writes_dot_without_graphviz(bmi_script, tmp_path, monkeypatch):
    from flowgraph.cli.main import main
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    out = tmp_path / "bmi.dot"
    result = CliRunner().invoke(main, ["graph", "-o", str(out), "--scope", "interface",
                                       str(bmi_script)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert all(c[0] == "interface" for c in Dot(out.read_text()).clusters)

    result = CliRunner().invoke(main, ["graph", "-o", str(tmp_path / "b.svg"), str(bmi_script)])
    assert result.exit_code == 1
    assert "not found" in result.output and "apt-get install graphviz" in result.output
    assert (tmp_path / "b.dot").exists()


@needs_dot
def test_graph_command_renders_svg(bmi_script, tmp_path):
    from flowgraph.cli.main import main
    out = tmp_path / "bmi.svg"
    result = CliRunner().invoke(main, ["graph", "-o", str(out), "--hide-gradients",
                                       str(bmi_script)])
    assert result.exit_code == 0, result.output
    texts = {t.text for t in ET.parse(out).getroot().iter("{http://www.w3.org/2000/svg}text")}
    assert {"interface", "softmax", "loss", "accuracy"} <= texts
    assert "gradients" not in texts


def test_graph_command_reports_a_failing_script_and_still_draws(tmp_path):
    from flowgraph.cli.viz_commands import graph
    script = tmp_path / "fails.py"
    script.write_text("import tensorflow as tf\nx = tf.placeholder(tf.float32, name='x')\n"
                      "tf.Session().run(x * 2)\n")
    result = CliRunner().invoke(graph, ["-o", str(tmp_path / "f.dot"), str(script)])
    assert result.exit_code == 1
    assert "You must feed a value for placeholder tensor 'x:0'" in result.output
    nodes = Dot((tmp_path / "f.dot").read_text()).nodes
    assert "x" in nodes and len(nodes) == 3  # x, 2 and their product


def test_board_command_explains_how_to_get_tensorboard(monkeypatch):
    from flowgraph.cli.viz_commands import board as board_command
    monkeypatch.setattr(board.importlib.util, "find_spec", lambda name: None)
    result = CliRunner().invoke(board_command, ["--logdir", "somewhere"])
    assert result.exit_code == 1
    assert "pip install 'flowgraph[board]'" in result.output


def test_board_binds_tensorboard_to_localhost():
    pytest.importorskip("tensorboard")
    cmd = board.tensorboard_command("logs", 7007)
    assert cmd[1:3] == ["-m", "tensorboard.main"]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "7007" and cmd[cmd.index("--logdir") + 1] == "logs"
