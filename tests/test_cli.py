"""`flowgraph run` and the command group: aliasing TensorFlow, argv, exit status, error reports;
how `graph` and `board` take their arguments; the package `flowgraph.cli` (the folder cli/).

In-process runs use click's CliRunner; runs that must see a real process (exit status, a
fresh interpreter with no aliases) use subprocess.
"""
import configparser
import os
import subprocess
import sys
import textwrap

import click
import pytest
from click.testing import CliRunner

import flowgraph as tf
import flowgraph.cli as cli
from flowgraph.cli.main import _plugin_commands, main
from flowgraph.export import board

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
PKG_DIR = os.path.dirname(os.path.abspath(tf.__file__))


def script(folder, text, name="prog.py"):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def python_cli(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    return subprocess.run([sys.executable, "-m", "flowgraph.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


# --- the group ---------------------------------------------------------------------------------

def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output == f"flowgraph, version {tf.__version__}\n"
    assert tf.__version__ == "0.1.0"


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_help_on_every_command(command):
    result = invoke(*([command] if command else []), "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    if command is None:
        assert "run" in result.output


def test_python_dash_m_cli_is_the_same_program(tmp_path):
    result = python_cli("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "flowgraph, version 0.1.0\n"


def test_console_script_when_installed(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "flowgraph")
    if not os.path.exists(exe):
        pytest.skip("flowgraph is not installed in this environment")
    prog = script(tmp_path, "import tensorflow as tf\nprint(tf.Session().run(tf.constant(7)))\n")
    result = subprocess.run([exe, "run", prog], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout == "7\n"


def test_commands_plug_in_from_cli_modules(tmp_path, monkeypatch, capsys):
    (tmp_path / "demo_commands.py").write_text(textwrap.dedent("""
        import click

        @click.command()
        def hello():
            click.echo("hello")
    """))
    (tmp_path / "broken_commands.py").write_text("import no_such_module_for_flowgraph\n")
    monkeypatch.setattr(cli, "__path__", [*cli.__path__, str(tmp_path)])
    try:
        commands = _plugin_commands()
    finally:
        for name in ("flowgraph.cli.demo_commands", "flowgraph.cli.broken_commands"):
            sys.modules.pop(name, None)
    names = [c.name for c in commands]
    assert {"hello", "info", "graph", "board"} <= set(names)
    assert all(isinstance(c, click.Command) for c in commands)
    assert capsys.readouterr().err == (
        "flowgraph: the commands in flowgraph.cli.broken_commands are unavailable: "
        "ModuleNotFoundError: No module named 'no_such_module_for_flowgraph'\n")


def test_the_shipped_commands_all_load(capsys):
    assert {"run", "info", "graph", "board"} <= set(main.commands)
    _plugin_commands()
    assert capsys.readouterr().err == ""


# --- the package: cli/ installs as flowgraph.cli -----------------------------------------------

def test_setup_cfg_lists_every_package():
    """setup.cfg lists the packages (it cannot add flowgraph.cli to `find:`): a subpackage of
    flowgraph/ left off the list would be missing from installs."""
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"))
    listed = config["options"]["packages"].split()
    found = {"flowgraph", "flowgraph.cli"} | {
        "flowgraph." + os.path.relpath(folder, PKG_DIR).replace(os.sep, ".")
        for folder, _, files in os.walk(PKG_DIR)
        if folder != PKG_DIR and "__init__.py" in files and "__pycache__" not in folder}
    assert sorted(listed) == sorted(found)
    assert config["options"]["package_dir"].split() == ["flowgraph.cli", "=", "cli"]
    assert config["options.entry_points"]["console_scripts"].split() == [
        "flowgraph", "=", "flowgraph.cli.main:main"]


def test_installed_as_flowgraph_cli_and_not_as_cli(tmp_path):
    code = ("import importlib.util, flowgraph.cli.main; "
            "print(importlib.util.find_spec('cli'))")
    # A user's interpreter: no PYTHONPATH (the strict pass's puts the repository on sys.path).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    if "No module named 'flowgraph'" in result.stderr:
        pytest.skip("flowgraph is not installed in this environment")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "None\n"


# --- flowgraph run -----------------------------------------------------------------------------

def test_runs_a_script_that_imports_tensorflow(tmp_path):
    prog = script(tmp_path, """
        import tensorflow as tf
        a = tf.placeholder(tf.int32, [None])
        with tf.Session() as sess:
            print(sess.run(a * 10, feed_dict={a: [1, 2]}))
        print(tf.__name__, __name__)
    """)
    result = invoke("run", prog)
    assert result.exit_code == 0
    assert result.stdout == "[10 20]\nflowgraph __main__\n"
    assert "tensorflow" not in sys.modules or sys.modules["tensorflow"] is not tf


def test_runs_a_script_that_imports_tensorflow_compat_v1(tmp_path):
    prog = script(tmp_path, """
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
        tf.disable_eager_execution()
        import tensorflow
        assert tensorflow.compat.v1 is tf
        from tensorflow.compat import v1
        assert v1 is tf
        x = tf.placeholder(tf.float32, [2])
        with tf.Session() as sess:
            print(sess.run(tf.reduce_sum(x), feed_dict={x: [1.5, 2.0]}))
    """)
    result = invoke("run", prog)
    assert result.exit_code == 0, result.output
    assert result.stdout == "3.5\n"


def test_no_alias_makes_import_tensorflow_fail(tmp_path):
    prog = script(tmp_path, "import tensorflow\n")
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k.split(".")[0] == "tensorflow"}
    try:
        import importlib.util
        if importlib.util.find_spec("tensorflow") is not None:
            pytest.skip("a real TensorFlow is installed here")
    finally:
        sys.modules.update(saved)
    result = CliRunner().invoke(main, ["run", "--no-alias", prog])
    assert result.exit_code == 1
    assert "ModuleNotFoundError: No module named 'tensorflow'" in result.stderr
    assert invoke("run", prog).exit_code == 0


def test_argv_cwd_path_and_file(tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "helper.py").write_text("VALUE = 42\n")
    script(sub, """
        import os, sys
        import helper
        print(sys.argv)
        print(os.getcwd())
        print(helper.VALUE, os.path.basename(__file__))
    """)
    monkeypatch.chdir(tmp_path)
    argv_before, path_before = list(sys.argv), list(sys.path)
    result = invoke("run", "sub/prog.py", "--help", "-x", "1", "--no-alias", "two words")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        str(["sub/prog.py", "--help", "-x", "1", "--no-alias", "two words"]),
        str(tmp_path), "42 prog.py"]
    assert sys.argv == argv_before and sys.path == path_before
    sys.modules.pop("helper", None)


@pytest.mark.parametrize("body, status, err", [
    ("print('done')", 0, ""),
    ("import sys; sys.exit()", 0, ""),
    ("import sys; sys.exit(0)", 0, ""),
    ("import sys; sys.exit(3)", 3, ""),
    ("raise SystemExit(7)", 7, ""),
    ("import sys; sys.exit('bad input')", 1, "bad input\n"),
])
def test_exit_status_in_process(tmp_path, body, status, err):
    result = CliRunner().invoke(main, ["run", script(tmp_path, body + "\n")])
    assert result.exit_code == status
    assert result.stderr == err


def test_exit_status_of_the_process(tmp_path):
    prog = script(tmp_path, "import sys\nprint('bye')\nsys.exit(5)\n")
    result = python_cli("run", prog, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (5, "bye\n")
    crash = script(tmp_path, "print('before')\n1 / 0\n", name="crash.py")
    result = python_cli("run", crash, cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == "before\n"
    assert result.stderr.endswith("ZeroDivisionError: division by zero\n")


def test_missing_script_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["run", str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_logdir_logs_each_sessions_graph(tmp_path):
    pytest.importorskip("flowgraph.export.autolog")
    prog = script(tmp_path, """
        import tensorflow as tf
        with tf.name_scope("outer"):
            c = tf.constant(2) * tf.constant(3)
        with tf.Session() as sess:
            print(sess.run(c))
    """)
    logs = tmp_path / "logs"
    result = CliRunner().invoke(main, ["run", "--logdir", str(logs), prog])
    assert result.exit_code == 0 and result.stdout == "6\n"
    folders = sorted(p for p in logs.iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("prog-")
    assert any(f.name.startswith("events.out.tfevents") for f in folders[0].iterdir())
    assert f"1 graph(s) logged for TensorBoard in {logs}" in result.stderr


def test_run_logs_into_logs_by_default_and_no_log_turns_it_off(tmp_path, monkeypatch):
    monkeypatch.delenv("FLOWGRAPH_LOGDIR", raising=False)
    monkeypatch.chdir(tmp_path)
    prog = script(tmp_path, """
        import tensorflow as tf
        with tf.Session() as sess:
            print(sess.run(tf.constant(1) + 1))
    """)
    result = CliRunner().invoke(main, ["run", "--no-log", prog])
    assert result.exit_code == 0 and not (tmp_path / "logs").exists()
    result = CliRunner().invoke(main, ["run", prog])
    assert result.exit_code == 0 and result.stdout == "2\n"
    runs = list((tmp_path / "logs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("prog-")


def test_error_report_shows_only_the_users_frames(tmp_path):
    (tmp_path / "model.py").write_text(textwrap.dedent("""
        import tensorflow as tf

        def build():
            x = tf.placeholder(tf.float32, [None, 2], name="inputs")
            return tf.reduce_sum(x * 2.0)
    """))
    prog = script(tmp_path, """
        import tensorflow as tf
        import model

        total = model.build()
        with tf.Session() as sess:
            sess.run(total)
    """)
    result = python_cli("run", prog, cwd=tmp_path)
    assert result.returncode == 1
    err = result.stderr
    lines = err.splitlines()
    assert lines[0].startswith("Traceback")
    assert f'File "{prog}", line 7, in <module>' in err
    assert "InvalidArgumentError: " in err and "'inputs" in err
    assert "model.py:5" in err                       # where the placeholder was made
    assert PKG_DIR + os.sep not in err
    for word in ("runpy", "click", "site-packages", "flowgraph/session.py"):
        assert word not in err
    assert len(lines) < 12


def test_error_report_for_a_build_error(tmp_path):
    prog = script(tmp_path, """
        import tensorflow as tf
        a = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = tf.constant([[1.0] * 5] * 4)
        c = tf.matmul(a, b)
    """)
    result = CliRunner().invoke(main, ["run", prog])
    assert result.exit_code == 1
    err = result.stderr
    assert f'File "{prog}", line 5, in <module>' in err
    assert "ValueError: " in err and "[2, 3]" in err and "[4, 5]" in err
    assert PKG_DIR + os.sep not in err


def test_error_report_for_a_syntax_error(tmp_path):
    prog = script(tmp_path, "x = (1,\nprint(x\n")
    result = CliRunner().invoke(main, ["run", prog])
    assert result.exit_code == 1
    assert "SyntaxError" in result.stderr and "prog.py" in result.stderr


# --- flowgraph graph and board: arguments as `run` takes them ------------------------------------

def test_graph_passes_every_word_after_the_script_to_it(tmp_path):
    prog = script(tmp_path, """
        import sys
        import tensorflow as tf
        tf.constant(1, name="one")
        print(sys.argv[1:])
    """)
    out = tmp_path / "out.dot"
    result = invoke("graph", "-o", str(out), prog, "--foo", "bar", "-o", "x.svg", "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(["--foo", "bar", "-o", "x.svg", "--help"]),
                                          f"wrote {out}"]
    assert "one" in out.read_text() and not (tmp_path / "x.svg").exists()


def test_graph_help_says_options_go_before_the_script():
    result = invoke("graph", "--help")
    assert result.output.startswith("Usage: main graph [OPTIONS] SCRIPT [ARGS]...")
    assert "Options go before SCRIPT; everything after it is the script's." in result.output


@pytest.fixture
def served(monkeypatch):
    """`flowgraph board` without TensorBoard: the (logdir, port) each serve call got."""
    calls = []

    def serve(logdir, port):
        calls.append((logdir, port))
        return 0

    monkeypatch.setattr(board, "serve", serve)
    return calls


def test_board_takes_its_logdir_from_flowgraph_logdir(served, tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWGRAPH_LOGDIR", str(tmp_path / "runs"))
    assert invoke("board").exit_code == 0
    assert invoke("board", "--logdir", "elsewhere", "--port", "7007").exit_code == 0
    monkeypatch.delenv("FLOWGRAPH_LOGDIR")
    assert invoke("board").exit_code == 0
    assert served == [(str(tmp_path / "runs"), 6006), ("elsewhere", 7007), ("logs", 6006)]
