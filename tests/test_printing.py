"""What TF1-era course material prints, printed the same: graph objects in TensorFlow 1.x's own
text (`ops.py`'s Tensor and Operation, `variables.py`'s RefVariable, `dtypes.py`'s DType,
`tensor_shape.py`'s shapes), one-element values taken out of fetched arrays formatting as
numbers as they did before NumPy 2, and NumPy scalars printing as `1.0` under `flowgraph run`.

The expected strings are TF 1.x's text, written out by hand; they are not flowgraph's output
pasted back.
"""
import os
import pickle
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.runtime import FetchedArray
from flowgraph.script import run_script

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
NUMPY_2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


# --- graph objects ----------------------------------------------------------------------------

def test_tensor_str_and_repr_are_tf1s(capsys):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    total = tf.constant(1.0) + tf.constant(2.0)
    ints = tf.constant([1, 2, 3])
    anything = tf.placeholder(tf.float32, name="anything")
    assert str(x) == 'Tensor("x:0", shape=(?, 3), dtype=float32)'
    assert repr(x) == "<tf.Tensor 'x:0' shape=(?, 3) dtype=float32>"
    assert str(total) == 'Tensor("add:0", shape=(), dtype=float32)'
    assert str(ints) == 'Tensor("Const_2:0", shape=(3,), dtype=int32)'
    assert repr(ints) == "<tf.Tensor 'Const_2:0' shape=(3,) dtype=int32>"
    # unknown rank: TF1's str leaves the shape out, its repr says <unknown>
    assert str(anything) == 'Tensor("anything:0", dtype=float32)'
    assert repr(anything) == "<tf.Tensor 'anything:0' shape=<unknown> dtype=float32>"
    print(x)
    print([x])
    assert capsys.readouterr().out == ('Tensor("x:0", shape=(?, 3), dtype=float32)\n'
                                       "[<tf.Tensor 'x:0' shape=(?, 3) dtype=float32>]\n")


def test_variable_prints_with_its_ref_dtype():
    with tf.name_scope("model"):
        w = tf.Variable(tf.zeros([2, 1]), name="W")
    b = tf.Variable(0, name="b")
    assert repr(w) == "<tf.Variable 'model/W:0' shape=(2, 1) dtype=float32_ref>"
    assert str(w) == repr(w)
    assert repr(b) == "<tf.Variable 'b:0' shape=() dtype=int32_ref>"
    # the variable op's own output is a reference tensor in TF1 too
    ref = tf.get_default_graph().get_tensor_by_name("model/W:0")
    assert str(ref) == 'Tensor("model/W:0", shape=(2, 1), dtype=float32_ref)'
    assert w.dtype is tf.float32  # only the text says _ref; the dtype is float32


def test_operation_str_is_its_node_def_text_and_repr_is_tf1s():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    total = tf.add(a, b)
    assert repr(total.op) == "<tf.Operation 'Add' type=Add>"
    assert str(total.op) == textwrap.dedent("""\
        name: "Add"
        op: "Add"
        input: "Const"
        input: "Const_1"
        attr {
          key: "T"
          value {
            type: DT_FLOAT
          }
        }
        """)


def test_source_ops_node_def_text():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    c = tf.constant(1.0, name="c")
    pair = tf.constant([1.0, 2.0], name="pair")
    w = tf.Variable(tf.zeros([2]), name="W")
    assert str(x.op) == textwrap.dedent("""\
        name: "x"
        op: "Placeholder"
        attr {
          key: "dtype"
          value {
            type: DT_FLOAT
          }
        }
        attr {
          key: "shape"
          value {
            shape {
              dim {
                size: -1
              }
              dim {
                size: 3
              }
            }
          }
        }
        """)
    assert str(c.op) == textwrap.dedent("""\
        name: "c"
        op: "Const"
        attr {
          key: "dtype"
          value {
            type: DT_FLOAT
          }
        }
        attr {
          key: "value"
          value {
            tensor {
              dtype: DT_FLOAT
              tensor_shape {
              }
              float_val: 1.0
            }
          }
        }
        """)
    assert 'tensor_content: "\\000\\000\\200?\\000\\000\\000@"\n' in str(pair.op)
    assert str(w.op) == textwrap.dedent("""\
        name: "W"
        op: "VariableV2"
        attr {
          key: "container"
          value {
            s: ""
          }
        }
        attr {
          key: "dtype"
          value {
            type: DT_FLOAT
          }
        }
        attr {
          key: "shape"
          value {
            shape {
              dim {
                size: 2
              }
            }
          }
        }
        attr {
          key: "shared_name"
          value {
            s: ""
          }
        }
        """)


def test_dtype_str_and_repr_are_tf1s(capsys):
    assert str(tf.float32) == "<dtype: 'float32'>"
    assert repr(tf.float32) == "tf.float32"
    assert str(tf.int32) == "<dtype: 'int32'>" and str(tf.bool) == "<dtype: 'bool'>"
    print(tf.placeholder(tf.float64).dtype)
    print([tf.float32])
    assert capsys.readouterr().out == "<dtype: 'float64'>\n[tf.float32]\n"
    assert tf.float32.name == "float32"


def test_graph_and_session_print_as_python_objects_as_tf1s_did():
    # TF1: <tensorflow.python.framework.ops.Graph object at 0x7f...>,
    #      <tensorflow.python.client.session.Session object at 0x7f...>
    g = tf.Graph()
    assert re.fullmatch(r"<flowgraph\.graph\.Graph object at 0x[0-9a-fA-F]+>", repr(g))
    assert str(g) == repr(g)
    with tf.Session(graph=g) as sess:
        assert re.fullmatch(r"<flowgraph\.session\.Session object at 0x[0-9a-fA-F]+>",
                            repr(sess))
        assert str(sess) == repr(sess)
    with tf.InteractiveSession(graph=g) as isess:
        assert re.fullmatch(r"<flowgraph\.session\.InteractiveSession object at 0x[0-9a-fA-F]+>",
                            repr(isess))


# --- one-element values taken out of fetched arrays --------------------------------------------

@pytest.mark.usefixtures("on_every_backend")
def test_what_is_indexed_out_of_a_fetched_array_formats_as_a_number():
    # The textbook's multi-logistic program: a is [2, 1], b is [1].
    a = tf.Variable([[0.25], [-1.5]], dtype=tf.float64)
    b = tf.Variable([0.5], dtype=tf.float64)
    counts = tf.constant([[3, 4], [5, 6]])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a_, b_, n = sess.run([a, b, counts])
    assert "a1=%.4f, a2=%.4f, b=%.4f" % (a_[0], a_[1], b_) == "a1=0.2500, a2=-1.5000, b=0.5000"
    assert float(a_[1:, :1]) == -1.5               # a [1, 1] slice
    assert float(a_[:1]) == 0.25 and int(a_[1]) == -1
    assert "%d" % n[:1, 0] == "3" and int(n[1:, 1:]) == 6   # one-element int columns
    assert "%d" % n[0, :1] == "3"
    assert isinstance(a_, np.ndarray) and a_.shape == (2, 1) and a_.dtype == np.float64
    assert isinstance(a_[0], np.ndarray) and a_[0].shape == (1,)
    assert type(a_[0, 0]) is np.float64 and type(n[1, 1]) is np.int32  # elements: NumPy scalars


@pytest.mark.usefixtures("on_every_backend")
def test_a_fetched_value_fed_back_keeps_its_one_element_columns():
    """`"%d" % new_x[:, 0]` after feeding new_x: fetched values stay as they are when fed. (A
    NumPy array the script made itself is NumPy's own, and NumPy 2 refuses it.)"""
    x = tf.placeholder(tf.float64, [None, 2], name="x")
    y = tf.reduce_sum(x, axis=1, keepdims=True)
    with tf.Session() as sess:
        new_x = sess.run(tf.constant([[7.0, 6.0]], tf.float64))
        new_y = sess.run(y, feed_dict={x: new_x})
        again = sess.run(y, feed_dict={x: new_x[:, :]})
    assert "hours: %d, lessons: %d" % (new_x[:, 0], new_x[:, 1]) == "hours: 7, lessons: 6"
    assert "%6.2f" % new_y == " 13.00" and float(again) == 13.0
    assert type(new_y) is FetchedArray and type(new_x) is FetchedArray


@pytest.mark.usefixtures("on_every_backend")
def test_larger_parts_refuse_float_as_numpy_does():
    with tf.Session() as sess:
        m = sess.run(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    plain = np.array(m)
    for part, same in ((m, plain), (m[0], plain[0]), (m[:, :1], plain[:, :1])):
        with pytest.raises(TypeError) as ours:
            float(part)
        with pytest.raises(TypeError) as numpys:
            float(same)
        assert str(ours.value) == str(numpys.value)
        with pytest.raises(TypeError):
            "%.4f" % part


@pytest.mark.usefixtures("on_every_backend")
def test_arithmetic_on_fetched_arrays_gives_plain_arrays():
    with tf.Session() as sess:
        m = sess.run(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    for result in (m + 1, m * m, m @ m, np.exp(m), m[0] - m[1], m[:, :1] * 2, -m, m > 2,
                   m.sum(axis=0), np.maximum(m, 2)):
        assert type(result) is np.ndarray
    assert type(m.sum()) is np.float32 and m.sum() == 10.0
    assert type(np.asarray(m)) is np.ndarray and type(np.array(m)) is np.ndarray


@pytest.mark.usefixtures("on_every_backend")
def test_fetched_arrays_print_and_pickle_as_plain_arrays():
    with tf.Session() as sess:
        m = sess.run(tf.constant([[1.5, 2.0], [3.0, 4.0]]))
    plain = np.array(m)
    assert repr(m) == repr(plain) and str(m) == str(plain)
    assert repr(m[0]) == "array([1.5, 2. ], dtype=float32)" and str(m[:1, :1]) == "[[1.5]]"
    for value in (m, m[1], m[:1, :1]):
        back = pickle.loads(pickle.dumps(value))
        assert type(back) is np.ndarray
        np.testing.assert_array_equal(back, value)


# --- NumPy scalars under `flowgraph run` --------------------------------------------------------

PROGRAM = """\
import numpy as np
import tensorflow as tf
a = tf.constant(1.0)
b = tf.constant(2.0)
sess = tf.Session()
print(sess.run([a, b]))
print(sess.run(a), [sess.run(tf.constant(3) > 2)])
print(np.get_printoptions()["precision"])
"""


def _python(*args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(not NUMPY_2, reason="NumPy 1.x prints scalars as 1.0 anyway")
def test_flowgraph_run_prints_numpy_scalars_as_the_books_do(tmp_path):
    (tmp_path / "prog.py").write_text(PROGRAM)
    result = _python("-m", "flowgraph.cli", "run", "--no-log", "prog.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[1.0, 2.0]\n1.0 [True]\n8\n"


@pytest.mark.skipif(not NUMPY_2, reason="NumPy 1.x prints scalars as 1.0 anyway")
def test_plain_import_leaves_numpys_printing_alone(tmp_path):
    (tmp_path / "prog.py").write_text(PROGRAM.replace("import tensorflow as tf",
                                                      "import flowgraph as tf"))
    result = _python("prog.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("[np.float32(1.0), np.float32(2.0)]\n"
                             "1.0 [np.True_]\n8\n")


def test_run_script_gives_the_callers_print_options_back(tmp_path, capsys):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM + "np.set_printoptions(precision=2, linewidth=40)\n")
    saved = np.get_printoptions()
    try:
        np.set_printoptions(precision=3, suppress=True)
        mine = np.get_printoptions()
        assert run_script(str(prog)) == 0
        assert np.get_printoptions() == mine
    finally:
        np.set_printoptions(**saved)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "3"  # the script saw the caller's precision, in legacy "1.25" mode
    if NUMPY_2:
        assert lines[0] == "[1.0, 2.0]"
