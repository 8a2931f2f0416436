"""Recurrent cells and dynamic_rnn/static_rnn: TF1's variable names, each cell's step against
NumPy, sequence_length masking, gradients by finite differences, clear errors, and a
character-level LSTM that learns."""
from __future__ import annotations

import numpy as np
import pytest

import flowgraph as tf
from finite_diff import central_differences

rnn_cell = tf.nn.rnn_cell


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _values(sess, variables):
    return [sess.run(v) for v in variables]


def _run_step(cell, x_value, state_value, make_state):
    """One call of `cell` on fed inputs and state; returns (output, new state, variables)."""
    x = tf.placeholder(tf.float64, x_value.shape)
    state = make_state()
    out, new_state = cell(x, state)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feeds = {x: x_value}
        flat_state = state if isinstance(state, tuple) else (state,)
        flat_value = state_value if isinstance(state_value, tuple) else (state_value,)
        feeds.update(zip(flat_state, flat_value))
        got = sess.run([out, new_state], feeds)
        return got[0], got[1], _values(sess, cell.trainable_variables)


RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 3))
H = RNG.standard_normal((2, 4))
C = RNG.standard_normal((2, 4))


def _ph():
    return tf.placeholder(tf.float64, [2, 4])


def test_basic_rnn_cell_step():
    out, state, (k, b) = _run_step(rnn_cell.BasicRNNCell(4), X, H, _ph)
    want = np.tanh(np.concatenate([X, H], 1) @ k + b)
    np.testing.assert_allclose(out, want, rtol=1e-12)
    np.testing.assert_allclose(state, want, rtol=1e-12)


def test_basic_lstm_cell_step_with_forget_bias():
    cell = rnn_cell.BasicLSTMCell(4, forget_bias=1.0)
    out, (c2, h2), (k, b) = _run_step(cell, X, (C, H), lambda: rnn_cell.LSTMStateTuple(_ph(), _ph()))
    i, j, f, o = np.split(np.concatenate([X, H], 1) @ k + b, 4, axis=1)
    want_c = C * _sig(f + 1.0) + _sig(i) * np.tanh(j)
    want_h = np.tanh(want_c) * _sig(o)
    np.testing.assert_allclose(c2, want_c, rtol=1e-12)
    np.testing.assert_allclose(h2, want_h, rtol=1e-12)
    np.testing.assert_allclose(out, want_h, rtol=1e-12)
    assert k.shape == (3 + 4, 16) and b.shape == (16,) and not b.any()


def test_lstm_cell_with_peepholes_clip_and_projection():
    cell = rnn_cell.LSTMCell(4, use_peepholes=True, cell_clip=0.5, num_proj=3)
    h = RNG.standard_normal((2, 3))
    out, (c2, h2), (k, b, wf, wi, wo, p) = _run_step(
        cell, X, (C, h), lambda: rnn_cell.LSTMStateTuple(_ph(), tf.placeholder(tf.float64, [2, 3])))
    i, j, f, o = np.split(np.concatenate([X, h], 1) @ k + b, 4, axis=1)
    want_c = np.clip(_sig(f + wf * C + 1.0) * C + _sig(i + wi * C) * np.tanh(j), -0.5, 0.5)
    want_h = (_sig(o + wo * want_c) * np.tanh(want_c)) @ p
    np.testing.assert_allclose(c2, want_c, rtol=1e-12)
    np.testing.assert_allclose(out, want_h, rtol=1e-12)
    assert [v.name for v in cell.trainable_variables] == [
        "lstm_cell/kernel:0", "lstm_cell/bias:0", "lstm_cell/w_f_diag:0", "lstm_cell/w_i_diag:0",
        "lstm_cell/w_o_diag:0", "lstm_cell/projection/kernel:0"]


def test_gru_cell_step_and_its_bias_starting_at_one():
    out, state, (gk, gb, ck, cb) = _run_step(rnn_cell.GRUCell(4), X, H, _ph)
    assert np.all(gb == 1.0) and not cb.any()
    r, u = np.split(_sig(np.concatenate([X, H], 1) @ gk + gb), 2, axis=1)
    c = np.tanh(np.concatenate([X, r * H], 1) @ ck + cb)
    np.testing.assert_allclose(out, u * H + (1 - u) * c, rtol=1e-12)


def test_variable_names_follow_tf1():
    x = tf.placeholder(tf.float32, [None, 5, 3])
    tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(4), x, dtype=tf.float32)
    cells = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(3), rnn_cell.BasicRNNCell(2)])
    tf.nn.dynamic_rnn(cells, x, dtype=tf.float32, scope="deep")
    assert [v.name for v in tf.global_variables()] == [
        "rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0",
        "deep/multi_rnn_cell/cell_0/gru_cell/gates/kernel:0",
        "deep/multi_rnn_cell/cell_0/gru_cell/gates/bias:0",
        "deep/multi_rnn_cell/cell_0/gru_cell/candidate/kernel:0",
        "deep/multi_rnn_cell/cell_0/gru_cell/candidate/bias:0",
        "deep/multi_rnn_cell/cell_1/basic_rnn_cell/kernel:0",
        "deep/multi_rnn_cell/cell_1/basic_rnn_cell/bias:0"]


def test_dynamic_rnn_matches_static_rnn_and_time_major():
    xv = RNG.standard_normal((2, 5, 3))
    x = tf.placeholder(tf.float64, [None, 5, 3])
    cell = rnn_cell.BasicLSTMCell(4)
    out_d, st_d = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
    out_s, st_s = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float64)
    out_t, st_t = tf.nn.dynamic_rnn(cell, tf.transpose(x, [1, 0, 2]), dtype=tf.float64,
                                    time_major=True)
    assert out_d.shape.as_list() == [None, 5, 4]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        d, s, t, sd, ss = sess.run([out_d, out_s, out_t, st_d, st_s], {x: xv})
    np.testing.assert_allclose(d, np.stack(s, axis=1), rtol=1e-12)
    np.testing.assert_allclose(t, d.transpose(1, 0, 2), rtol=1e-12)
    np.testing.assert_allclose(sd.h, ss.h, rtol=1e-12)
    np.testing.assert_allclose(d[:, -1], sd.h, rtol=1e-12)


def test_sequence_length_zeros_outputs_and_carries_the_state():
    xv = RNG.standard_normal((2, 5, 3))
    x = tf.placeholder(tf.float64, [2, 5, 3])
    lengths = tf.placeholder(tf.int32, [2])
    cell = rnn_cell.GRUCell(4)
    out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float64)
    short = tf.placeholder(tf.float64, [1, 2, 3])
    out_short, state_short = tf.nn.dynamic_rnn(cell, short, dtype=tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o, s = sess.run([out, state], {x: xv, lengths: [5, 2]})
        o2, s2 = sess.run([out_short, state_short], {short: xv[1:, :2]})
    assert not o[1, 2:].any()
    np.testing.assert_allclose(o[1, :2], o2[0], rtol=1e-12)
    np.testing.assert_allclose(s[1], s2[0], rtol=1e-12)   # the state at step 2, carried on
    np.testing.assert_allclose(s[0], o[0, -1], rtol=1e-12)


def test_dynamic_rnn_gradients_match_finite_differences():
    xv = RNG.standard_normal((2, 3, 2))
    x = tf.placeholder(tf.float64, [2, 3, 2])
    cell = rnn_cell.BasicLSTMCell(3)
    out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
    weights = RNG.standard_normal((2, 3, 3))
    loss = tf.reduce_sum(out * weights) + tf.reduce_sum(state.c)
    kernel = cell.trainable_variables[0]
    gx, gk = tf.gradients(loss, [x, kernel])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kv = sess.run(kernel)
        sym_x, sym_k = sess.run([gx, gk], {x: xv})

        def f(xval, kval):
            kernel.load(kval, sess)
            return sess.run(loss, {x: xval})
        num_x = central_differences(lambda v: f(v, kv), xv)
        some = list(np.ndindex(*kv.shape))[::7]  # every 7th kernel entry: enough, and quick
        num_k = central_differences(lambda v: f(xv, v), kv, indices=some)
        for idx in some:
            np.testing.assert_allclose(sym_k[idx], num_k[idx], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(sym_x, num_x, rtol=1e-5, atol=1e-8)


def test_an_unknown_number_of_steps_fails_at_build_time_saying_what_to_do():
    x = tf.placeholder(tf.float32, [None, None, 3])
    with pytest.raises(ValueError, match=r"number of time steps .* must be known") as info:
        tf.nn.dynamic_rnn(rnn_cell.BasicRNNCell(2), x, dtype=tf.float32)
    assert "tf.placeholder(tf.float32, [None, 28, 28])" in str(info.value)
    with pytest.raises(ValueError, match="give initial_state or dtype"):
        tf.nn.dynamic_rnn(rnn_cell.BasicRNNCell(2), tf.placeholder(tf.float32, [1, 2, 3]))


def test_dropout_wrapper_keeps_everything_at_keep_prob_one_and_drops_otherwise():
    xv = RNG.standard_normal((4, 3, 2)).astype(np.float32)
    x = tf.placeholder(tf.float32, [4, 3, 2])
    keep = tf.placeholder_with_default(1.0, [])
    cell = rnn_cell.BasicRNNCell(8)
    plain, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, scope="a")
    wrapped = rnn_cell.DropoutWrapper(cell, output_keep_prob=keep, seed=1)
    dropped, _ = tf.nn.dynamic_rnn(wrapped, x, dtype=tf.float32, scope="a")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p, d1 = sess.run([plain, dropped], {x: xv})
        d5 = sess.run(dropped, {x: xv, keep: 0.5})
    np.testing.assert_allclose(d1, p, rtol=1e-6)
    kept = d5 != 0
    assert 0.2 < kept.mean() < 0.8
    np.testing.assert_allclose(d5[kept], 2 * p[kept], rtol=1e-5)


def test_a_character_lstm_learns_hihello():
    chars = sorted(set("hihello"))
    idx = [chars.index(c) for c in "hihello"]
    x_in, y_out = np.eye(len(chars))[idx[:-1]][None], np.array([idx[1:]])
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [None, 6, len(chars)])
    y = tf.placeholder(tf.int32, [None, 6])
    outputs, _ = tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(len(chars)), x, dtype=tf.float32)
    logits = tf.layers.dense(outputs, len(chars))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    prediction = tf.argmax(logits, axis=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(60):
            sess.run(train, {x: x_in, y: y_out})
        got = sess.run(prediction, {x: x_in})
    assert "".join(chars[i] for i in got[0]) == "ihello"


def test_the_char_rnn_example_learns_its_sentence(tmp_path):
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])]))
    result = subprocess.run([sys.executable, "-m", "flowgraph.cli", "run", "--no-log",
                             os.path.join(root, "examples", "char_rnn.py")], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "learned the sentence: True"
    assert lines[-2].endswith("you want to build a ship, don't drum up people to collect wood")


# --- bidirectional_dynamic_rnn ----------------------------------------------------------
def _reverse_rows(x, lengths):
    out = x.copy()
    for b, n in enumerate(lengths):
        out[b, :n] = x[b, :n][::-1]
    return out


@pytest.mark.parametrize("time_major", [False, True], ids=["batch_major", "time_major"])
@pytest.mark.parametrize("lengths", [None, [5, 2, 0]], ids=["full", "lengths"])
def test_bidirectional_backward_pass_reads_each_sequence_from_its_end(time_major, lengths):
    x_value = np.random.default_rng(7).standard_normal((3, 5, 2))
    full = [5, 5, 5] if lengths is None else lengths
    x = tf.placeholder(tf.float64, (5, 3, 2) if time_major else (3, 5, 2))
    fw_cell, bw_cell = rnn_cell.GRUCell(4), rnn_cell.BasicLSTMCell(3)
    (out_fw, out_bw), (st_fw, st_bw) = tf.nn.bidirectional_dynamic_rnn(
        fw_cell, bw_cell, x, sequence_length=lengths, dtype=tf.float64, time_major=time_major)
    names = sorted(v.op.name for v in tf.trainable_variables())
    assert names == ["bidirectional_rnn/bw/basic_lstm_cell/bias",
                     "bidirectional_rnn/bw/basic_lstm_cell/kernel",
                     "bidirectional_rnn/fw/gru_cell/candidate/bias",
                     "bidirectional_rnn/fw/gru_cell/candidate/kernel",
                     "bidirectional_rnn/fw/gru_cell/gates/bias",
                     "bidirectional_rnn/fw/gru_cell/gates/kernel"]
    # the reference: the same backward cell run forward over sequences reversed in NumPy
    ref_x = tf.placeholder(tf.float64, (3, 5, 2))
    with tf.variable_scope("bidirectional_rnn", reuse=True):
        ref_out, ref_state = tf.nn.dynamic_rnn(bw_cell, ref_x, sequence_length=lengths,
                                               dtype=tf.float64, scope="bw")
    fed = np.transpose(x_value, (1, 0, 2)) if time_major else x_value
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_bw, got_state, want_out, want_state = sess.run(
            [out_bw, st_bw, ref_out, ref_state], {x: fed, ref_x: _reverse_rows(x_value, full)})
    if time_major:
        got_bw = np.transpose(got_bw, (1, 0, 2))
    np.testing.assert_allclose(got_bw, _reverse_rows(want_out, full), rtol=1e-12)
    np.testing.assert_allclose(got_state.h, want_state.h, rtol=1e-12)
    if lengths is not None:
        assert not got_bw[1, 2:].any() and not got_bw[2].any()  # past a row's length: zeros


def test_bidirectional_gradient_matches_finite_differences():
    x_value = np.random.default_rng(8).standard_normal((2, 4, 3))
    x = tf.placeholder(tf.float64, (2, 4, 3))
    (fw, bw), _ = tf.nn.bidirectional_dynamic_rnn(
        rnn_cell.BasicRNNCell(2), rnn_cell.BasicRNNCell(2), x, sequence_length=[4, 2],
        dtype=tf.float64)
    loss = tf.reduce_sum(tf.concat([fw, bw], axis=2) ** 2)
    grad = tf.gradients(loss, x)[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(grad, {x: x_value})
        numeric = central_differences(lambda v: sess.run(loss, {x: v}), x_value)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)
    assert not got[1, 2:].any()  # steps past the second row's length do not count
