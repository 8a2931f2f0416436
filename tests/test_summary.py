"""Summary ops (scalar, histogram, text, merge) and FileWriter, read back by TensorBoard's code."""
import os
import textwrap

import numpy as np
import pytest

import flowgraph as tf
import flowgraph.summary  # noqa: F401  (tf.summary)
from flowgraph.errors import InvalidArgumentError
from flowgraph.summary import FileWriter
from tensorboardX.proto import summary_pb2

from bmi_like import read_events

pytest.importorskip("tensorboard")


def parse(serialized):
    assert type(serialized) is bytes
    return summary_pb2.Summary.FromString(serialized)


# --- summary ops ------------------------------------------------------------------------------
def test_scalar_returns_a_serialized_summary_tagged_by_the_name_scope():
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.name_scope("loss"):
        s = tf.summary.scalar("cross_entropy", x * 2)
        again = tf.summary.scalar("cross_entropy", x)
    top = tf.summary.scalar("raw", x)
    assert s.op.type == "ScalarSummary" and s.op.name == "loss/cross_entropy"
    assert s.dtype.name == "string"
    with tf.Session() as sess:
        got = parse(sess.run(s, feed_dict={x: 1.5}))
        assert [(v.tag, v.simple_value) for v in got.value] == [("loss/cross_entropy", 3.0)]
        assert parse(sess.run(again, {x: 1.0})).value[0].tag == "loss/cross_entropy_1"
        assert parse(sess.run(top, {x: 1.0})).value[0].tag == "raw"
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s, again, top]


def test_family_prefixes_the_tag_as_in_tf1():
    with tf.name_scope("net"):
        s = tf.summary.scalar("loss", tf.constant(1.0), family="train")
    assert s.op.name == "net/train/loss"
    with tf.Session() as sess:
        assert parse(sess.run(s)).value[0].tag == "train/net/train/loss"


def test_scalar_takes_one_number_and_says_so():
    with pytest.raises(ValueError, match=r"ScalarSummary op 'v'.*one value.*\[3\]"):
        tf.summary.scalar("v", tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="bool"):
        tf.summary.scalar("flag", tf.constant(True))
    v = tf.placeholder(tf.float32, [None], name="v")
    s = tf.summary.scalar("vec", v)  # one value is fine, three are not
    with tf.Session() as sess:
        assert parse(sess.run(s, {v: [4.0]})).value[0].simple_value == 4.0
        with pytest.raises(InvalidArgumentError, match="vec"):
            sess.run(s, {v: [1.0, 2.0, 3.0]})


def test_illegal_characters_in_a_tag_become_underscores():
    with pytest.warns(UserWarning, match="illegal"):
        s = tf.summary.scalar("cross entropy (train)", tf.constant(1.0))
    assert s.op.name == "cross_entropy__train_"


def test_histogram_counts_every_value():
    values = np.arange(100, dtype=np.float32) / 10
    h = tf.summary.histogram("weights", tf.constant(values.reshape(10, 10)))
    bad = tf.summary.histogram("bad", tf.constant([1.0, np.nan]))
    with tf.Session() as sess:
        histo = parse(sess.run(h)).value[0].histo
        with pytest.raises(InvalidArgumentError, match="NaN or Inf in summary histogram for: bad"):
            sess.run(bad)
    assert (histo.num, histo.min, histo.max) == (100, 0.0, pytest.approx(9.9))
    assert sum(histo.bucket) == 100 and len(histo.bucket) == len(histo.bucket_limit)
    assert histo.sum == pytest.approx(values.sum(), rel=1e-6)


def test_text_summary_for_the_text_plugin():
    t = tf.summary.text("notes", "learning rate **0.01**")
    with tf.Session() as sess:
        value = parse(sess.run(t)).value[0]
    assert value.tag == "notes" and value.metadata.plugin_data.plugin_name == "text"
    assert list(value.tensor.string_val) == [b"learning rate **0.01**"]
    with pytest.raises(TypeError, match="no string tensors"):
        tf.summary.text("bad", tf.constant(1.0))


def test_merge_and_merge_all():
    assert tf.summary.merge_all() is None  # nothing to merge, as in TF1
    a = tf.summary.scalar("a", tf.constant(1.0))
    b = tf.summary.scalar("b", tf.constant(2.0))
    tf.summary.scalar("elsewhere", tf.constant(3.0), collections=["other"])
    merged = tf.summary.merge_all()
    twice = tf.summary.merge([a, a])
    with tf.Session() as sess:
        got = parse(sess.run(merged))
        assert {v.tag: v.simple_value for v in got.value} == {"a": 1.0, "b": 2.0}
        other = parse(sess.run(tf.summary.merge_all("other")))
        assert [v.tag for v in other.value] == ["elsewhere"]
        with pytest.raises(InvalidArgumentError, match="Duplicate tag a"):
            sess.run(twice)
    assert merged.op.type == "MergeSummary"
    with pytest.raises(TypeError, match="merge takes summaries"):
        tf.summary.merge([b, tf.constant(1.0)])


def test_kernels_copy_device_arrays_to_the_host_first():
    class DeviceArray:  # what a CuPy array offers: .get() gives the NumPy copy
        def __init__(self, value):
            self.value = np.asarray(value)

        def get(self):
            return self.value

        def __array__(self, *args, **kwargs):
            raise TypeError("implicit device-to-host conversion")

    from flowgraph.ops import summary_ops
    got = parse(summary_ops._scalar_forward(np, DeviceArray(2.5), tag="t"))
    assert got.value[0].simple_value == 2.5
    histo = parse(summary_ops._histogram_forward(np, DeviceArray([1.0, 2.0]), tag="h")).value[0].histo
    assert histo.num == 2


# --- FileWriter -------------------------------------------------------------------------------
def test_file_writer_writes_summaries_tensorboard_reads(tmp_path):
    x = tf.placeholder(tf.float32, [], name="x")
    s = tf.summary.scalar("value", x)
    with tf.Session() as sess, FileWriter(tmp_path) as writer:
        assert writer.get_logdir() == str(tmp_path)
        for step in range(5):
            writer.add_summary(sess.run(s, {x: step * 0.5}), global_step=np.int64(step))
        proto = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="value",
                                                                     simple_value=9.0)])
        writer.add_summary(proto, 5)  # a Summary protobuf works too
        with pytest.raises(TypeError, match="add_summary takes"):
            writer.add_summary(3.0)
    scalars = read_events(tmp_path).Scalars("value")
    assert [(e.step, e.value) for e in scalars] == [(i, i * 0.5) for i in range(5)] + [(5, 9.0)]


def test_image_summaries_show_in_tensorboards_images_tab(tmp_path):
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    s = tf.summary.image("digits", x, max_outputs=2)
    images = np.random.default_rng(0).random((5, 28, 28, 1)).astype(np.float32)
    with tf.Session() as sess, FileWriter(tmp_path) as writer:
        writer.add_summary(sess.run(s, {x: images}), 1)
    events = read_events(tmp_path)
    assert sorted(events.Tags()["images"]) == ["digits/image/0", "digits/image/1"]
    first = events.Images("digits/image/0")[0]
    assert (first.step, first.width, first.height) == (1, 28, 28)
    assert first.encoded_image_string.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        tf.summary.image("bad", tf.zeros([1, 4, 4, 2]))


def test_summaries_of_python_values_with_tf1s_protobuf_classes(tmp_path):
    value = tf.summary.Summary.Value(tag="accuracy", simple_value=0.97)
    with FileWriter(tmp_path) as writer:
        writer.add_summary(tf.summary.Summary(value=[value]), 7)
    assert [(e.step, e.value) for e in read_events(tmp_path).Scalars("accuracy")] == [
        (7, pytest.approx(0.97))]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        tf.summary.Nope


def test_flush_makes_events_visible_before_close(tmp_path):
    writer = FileWriter(tmp_path, flush_secs=1000)
    writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag="t", simple_value=1.0)]), 1)
    writer.flush()
    assert [e.value for e in read_events(tmp_path).Scalars("t")] == [1.0]
    writer.close()
    with pytest.warns(UserWarning, match="closed"):
        writer.add_summary(summary_pb2.Summary(), 2)
    writer.reopen()  # a new event file
    writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag="t", simple_value=2.0)]), 2)
    writer.close()
    assert len(os.listdir(tmp_path)) == 2
    assert [e.value for e in read_events(tmp_path).Scalars("t")] == [1.0, 2.0]


def test_a_writer_dropped_unclosed_still_saves_its_events(tmp_path):
    writer = FileWriter(tmp_path, flush_secs=1000)
    writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag="t", simple_value=3.0)]), 0)
    del writer
    assert [e.value for e in read_events(tmp_path).Scalars("t")] == [3.0]


def test_two_writers_on_one_logdir_keep_their_own_files(tmp_path):
    a, b = FileWriter(tmp_path), FileWriter(tmp_path)
    for w, value in ((a, 1.0), (b, 2.0)):
        w.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
            tag="t", simple_value=value)]), 0)
        w.close()
    files = os.listdir(tmp_path)
    assert len(files) == 2 and all("tfevents" in f for f in files)


def test_file_writer_with_graph_writes_it_at_once(tmp_path):
    a = tf.constant(20, name="a")
    b = tf.constant(30, name="b")
    product = a * b
    sess = tf.Session()
    FileWriter(tmp_path / "log_dir", graph=sess.graph)  # never closed: the graph is flushed
    assert sess.run(product) == 600
    graph = read_events(tmp_path / "log_dir").Graph()
    assert [(n.name, n.op) for n in graph.node] == [("a", "Const"), ("b", "Const"),
                                                    (product.op.name, "Mul")]
    with pytest.raises(TypeError, match="add_graph takes a flowgraph Graph"):
        FileWriter(tmp_path / "other").add_graph("not a graph")


def test_the_tf1_tensorboard_program_runs_unchanged(tmp_path, monkeypatch, capsys):
    """The documents' tensorboard_basics.py, with `import tensorflow as tf`, run by the CLI's
    runner: two FileWriters on log_dir, never closed."""
    from flowgraph.script import run_script
    script = tmp_path / "tensorboard_basics.py"
    script.write_text(textwrap.dedent("""\
        import tensorflow as tf
        a = tf.constant(20, name="a")
        b = tf.constant(30, name="b")
        mul_op = a * b
        sess = tf.Session()
        tw = tf.summary.FileWriter("log_dir", graph=sess.graph)
        print(sess.run(mul_op))
        a = tf.constant(100, name="a")
        b = tf.constant(200, name="b")
        c = tf.constant(300, name="c")
        v = tf.Variable(0, name="v")
        calc_op = a + b * c
        assign_op = tf.assign(v, calc_op)
        sess = tf.Session()
        tw = tf.summary.FileWriter("log_dir", graph=sess.graph)
        sess.run(assign_op)
        print(sess.run(v))
        """))
    monkeypatch.chdir(tmp_path)
    assert run_script(str(script)) == 0
    assert capsys.readouterr().out.split() == ["600", "60100"]
    assert len(os.listdir(tmp_path / "log_dir")) == 2  # one event file per writer
    names = {n.name for n in read_events(tmp_path / "log_dir").Graph().node}
    assert {"a", "b", "a_1", "b_1", "c", "v", "Assign"} <= names


def test_train_summary_writer_is_the_oldest_name_of_file_writer():
    """bmi_tensorboard.py writes `tf.train.SummaryWriter("log_dir", graph=sess.graph)`."""
    assert tf.train.SummaryWriter is FileWriter
