"""`flowgraph run` and FileWriter under the conditions real scripts meet: several sessions and
graphs (what TensorBoard gets), a writer killed before it is closed, multiprocessing workers
started with spawn and forkserver, and exceptions raised from other exceptions.

In-process runs use click's CliRunner; runs that need a process of their own (one killed by
SIGKILL, one that starts workers) use subprocess, as tests/test_cli.py does.
"""
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from flowgraph.cli.main import main
from flowgraph.summary import FileWriter
from tensorboardX.proto import summary_pb2

from bmi_like import read_events

pytest.importorskip("tensorboard")

from test_cli import PKG_DIR, ROOT, script  # noqa: E402  (one way to write a test script)


def run_in_process(*args):
    return CliRunner().invoke(main, ["run", *args])


def python(*args, cwd, timeout=60, pythonpath=()):
    """`python ARGS` in a fresh process that imports this checkout's flowgraph."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [*pythonpath, ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def runs_in(logs):
    """{run folder name: the names of the ops of the graph TensorBoard shows for it}."""
    return {run.name: {n.name for n in read_events(run).Graph().node}
            for run in sorted(logs.iterdir())}


# --- fault 5: the graph TensorBoard shows is the whole model ------------------------------------

def test_a_quick_check_session_first_still_logs_the_whole_model(tmp_path):
    prog = script(tmp_path, """
        import tensorflow as tf
        with tf.Session() as sess:                       # a quick check first
            print(sess.run(tf.constant(1, name="check")))
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        W = tf.Variable(tf.zeros([2, 3]), name="W")
        loss = tf.reduce_sum(tf.matmul(x, W, name="logits"), name="loss")
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        sess = tf.Session()                              # never closed
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: [[1.0, 2.0]]})
    """)
    logs = tmp_path / "logs"
    result = run_in_process("--logdir", str(logs), prog)
    assert result.exit_code == 0, result.output
    runs = runs_in(logs)
    assert len(runs) == 1, runs                          # one graph: one run
    (ops,) = runs.values()
    assert {"check", "x", "W", "logits", "loss", "init"} <= ops
    assert any(name.startswith("GradientDescent") for name in ops)
    assert len(os.listdir(logs / next(iter(runs)))) == 1  # its latest state, written once
    assert "1 graph(s) logged" in result.stderr


def test_many_sessions_on_one_graph_make_one_run(tmp_path):
    prog = script(tmp_path, """
        import tensorflow as tf
        total = tf.constant(0, name="start")
        for step in range(6):
            total = tf.add(total, step, name=f"plus{step}")
            with tf.Session() as sess:
                sess.run(total)
        for _ in range(3):                               # unchanged graph: nothing new to write
            tf.Session().close()
        tf.identity(total, name="after_the_last_session")
    """)
    logs = tmp_path / "logs"
    result = run_in_process("--logdir", str(logs), prog)
    assert result.exit_code == 0, result.output
    runs = runs_in(logs)
    assert len(runs) == 1, runs
    (ops,) = runs.values()
    # the graph as it was when the script ended, ops added after the last session included
    assert {"start", "plus5", "after_the_last_session"} <= ops
    assert len(os.listdir(logs / next(iter(runs)))) == 1


def test_each_distinct_graph_gets_its_own_run(tmp_path):
    prog = script(tmp_path, """
        import tensorflow as tf
        for name in ("first", "second"):
            with tf.Graph().as_default():
                c = tf.constant(1.0, name=name)
                with tf.Session() as sess:
                    sess.run(c)
    """)
    logs = tmp_path / "logs"
    result = run_in_process("--logdir", str(logs), prog)
    assert result.exit_code == 0, result.output
    assert sorted(runs_in(logs).values(), key=sorted) == [{"first"}, {"second"}]
    assert "2 graph(s) logged" in result.stderr


# --- fault 8: FileWriter's first event is on disk at once, later ones within flush_secs ---------

KILLED_WRITER = """
import os, signal, sys, time
from flowgraph.summary import FileWriter
from tensorboardX.proto import summary_pb2

def value(tag, number):
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=number)])

writer = FileWriter(sys.argv[1], flush_secs=float(sys.argv[2]))
writer.add_summary(value("loss", 1.5), 3)
if len(sys.argv) > 3:               # a second event, then nothing more for a while
    writer.add_summary(value("loss", 0.5), 4)
    time.sleep(float(sys.argv[3]))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_the_first_summary_survives_a_sigkill(tmp_path):
    result = python("-c", KILLED_WRITER, str(tmp_path / "run"), "120", cwd=tmp_path)
    assert result.returncode == -signal.SIGKILL, result.stderr
    scalars = read_events(tmp_path / "run").Scalars("loss")
    assert [(e.step, e.value) for e in scalars] == [(3, 1.5)]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_later_summary_is_flushed_within_flush_secs_though_nothing_more_comes(tmp_path):
    result = python("-c", KILLED_WRITER, str(tmp_path / "run"), "0.5", "2", cwd=tmp_path)
    assert result.returncode == -signal.SIGKILL, result.stderr
    scalars = read_events(tmp_path / "run").Scalars("loss")
    assert [(e.step, e.value) for e in scalars] == [(3, 1.5), (4, 0.5)]


def test_events_after_the_first_wait_for_flush_secs(tmp_path):
    """The first event is flushed at once, the next one not (a flush per event would be
    slow): it waits for flush_secs, flush() or close()."""
    writer = FileWriter(tmp_path, flush_secs=1000)
    (name,) = os.listdir(tmp_path)
    assert os.path.getsize(tmp_path / name) > 0  # its version record too: TensorBoard sees it
    for step in range(2):
        writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
            tag="t", simple_value=float(step))]), step)
    assert [e.step for e in read_events(tmp_path).Scalars("t")] == [0]
    writer.close()
    assert [e.step for e in read_events(tmp_path).Scalars("t")] == [0, 1]


# --- fault 9: multiprocessing workers started with spawn and forkserver -------------------------

POOL = """
import multiprocessing
import sys
%s
def work(n):
    import tensorflow as tf
    with tf.Session() as sess:
        return int(sess.run(tf.constant(n) * 10))

if __name__ == "__main__":
    with multiprocessing.get_context(sys.argv[1]).Pool(2) as pool:
        print(pool.map(work, [1, 2, 3]))
"""


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
@pytest.mark.parametrize("top_level_import", [False, True], ids=["in_worker", "top_level"])
def test_pool_workers_started_fresh_import_tensorflow(tmp_path, method, top_level_import):
    """A worker re-imports the script as __mp_main__: with `import tensorflow` at its top, a
    worker that cannot import it dies before taking a task, and Pool starts another, forever."""
    import multiprocessing
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    prog = script(tmp_path, POOL % ("import tensorflow as tf\n" if top_level_import else ""))
    result = python("-m", "flowgraph.cli", "run", "--no-log", prog, method, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "[10, 20, 30]\n"), result.stderr


def test_main_file_is_absolute_as_python_makes_it_and_argv_stays_as_given(tmp_path,
                                                                          monkeypatch):
    script(tmp_path, """
        import sys
        print(__file__)
        print(sys.argv[0])
        print(sys.modules["__main__"].__file__ == __file__, __name__, __spec__)
    """)
    monkeypatch.chdir(tmp_path)
    result = run_in_process("--no-log", "prog.py")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(tmp_path / "prog.py"), "prog.py",
                                          "True __main__ None"]


def test_python_children_import_tensorflow_and_a_hidden_sitecustomize_still_runs(tmp_path):
    """`subprocess` running python gets the aliases too; a sitecustomize that was on the path
    already (a distribution's, a virtual environment's) still runs in the child. (The child
    runs no session: in the strict pass this test's sitecustomize hides the one that
    registers the strict backend.)"""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "sitecustomize.py").write_text("import builtins\nbuiltins.HIDDEN_RAN = True\n")
    prog = script(tmp_path, """
        import subprocess, sys
        child = ("import builtins, tensorflow.compat.v1 as tf, tensorflow; "
                 "print(tf.__name__, builtins.HIDDEN_RAN, tensorflow is tf)")
        print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                             check=True).stdout, end="")
    """)
    result = python("-m", "flowgraph.cli", "run", "--no-log", prog, cwd=tmp_path,
                    pythonpath=[str(site_dir)])
    assert (result.returncode, result.stdout) == (0, "flowgraph True True\n"), result.stderr
    no_alias = python("-m", "flowgraph.cli", "run", "--no-log", "--no-alias", prog,
                      cwd=tmp_path, pythonpath=[str(site_dir)])
    assert no_alias.returncode == 1 and "returned non-zero exit status 1" in no_alias.stderr


# --- fault 15: the error report shows the exceptions chained as Python does ----------------------

def error_report(tmp_path, text):
    result = run_in_process("--no-log", script(tmp_path, text))
    assert result.exit_code == 1
    assert PKG_DIR + os.sep not in result.stderr  # still none of flowgraph's own frames
    return result.stderr


def test_error_report_shows_the_flowgraph_error_a_script_raised_from(tmp_path):
    err = error_report(tmp_path, """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None], name="inputs")

        def train():
            with tf.Session() as sess:
                sess.run(x * 2)

        try:
            train()
        except tf.errors.InvalidArgumentError as e:
            raise RuntimeError("training failed") from e
    """)
    cause, effect = err.split(
        "\nThe above exception was the direct cause of the following exception:\n\n")
    assert cause.startswith("Traceback (most recent call last; your code only):\n")
    assert "line 7, in train" in cause
    assert "InvalidArgumentError: You must feed a value for placeholder tensor 'inputs" in cause
    assert "line 12, in <module>" in effect
    assert effect.endswith("RuntimeError: training failed\n")


def test_error_report_shows_an_error_raised_while_handling_another(tmp_path):
    err = error_report(tmp_path, """
        try:
            1 / 0
        except ZeroDivisionError:
            print(undefined_name)
    """)
    first, second = err.split(
        "\nDuring handling of the above exception, another exception occurred:\n\n")
    assert "line 3, in <module>" in first and first.endswith(
        "ZeroDivisionError: division by zero\n")
    assert "line 5, in <module>" in second and second.endswith(
        "NameError: name 'undefined_name' is not defined\n")


def test_error_report_leaves_out_a_context_raised_from_none(tmp_path):
    err = error_report(tmp_path, """
        try:
            {}["key"]
        except KeyError:
            raise ValueError("no key") from None
    """)
    assert "KeyError" not in err and "During handling" not in err
    assert err.endswith("ValueError: no key\n")
