"""TF1-style programs, written the way the documents write them, run with flowgraph.

Each test covers the API uses of one of the documents' programs and checks the ending the
documents give. Where a program starts from a random draw (which cannot equal TensorFlow's),
the check is the path: the values after every step are recorded, each is recomputed with NumPy
as exactly one step of gradient descent from the one before, and the printed lines show them.
(Steps are checked one by one: over a hundred steps the early, oscillating phase of these
descents amplifies rounding differences of 1e-16 to 1e-2, in NumPy alone as well.)
"""
import math
import os
import re

import numpy as np
import pandas as pd
import pytest

import flowgraph as tf

BMI_CSV = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "data", "bmi.csv")


def numbers(line):
    """The numbers printed on a line, as floats."""
    return [float(s) for s in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", line)]


# --- NumPy gradient descent, written out by hand for each model --------------------------------

def gd_rmse(params, features, target, lr, steps):
    """Gradient descent on sqrt(mean((sum_i w_i * x_i + b - t)^2)); params = [w..., b]."""
    params = np.array(params, dtype=np.float64)
    xs = np.array(features, dtype=np.float64)          # (k, n)
    t = np.array(target, dtype=np.float64)
    for _ in range(steps):
        r = params[:-1] @ xs + params[-1] - t
        rmse = np.sqrt(np.mean(r ** 2))
        grad = np.append(xs @ r / (len(t) * rmse), np.mean(r) / rmse)
        params = params - lr * grad
    return params


def gd_logistic_by_hand(a, b, x, y, lr):
    """One step of gradient descent on -mean(y log p + (1 - y) log(1 - p)), p = 1 / (1 + e^z),
    z = a x + b, by the chain rule through the expression as written. (The simplified
    dL/dz = (y - p) / n differs by up to 1e-9 relative in the early steps: there 1 - p
    cancels to a few digits, for the graph as for this code.)"""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    n = len(x)
    u = np.e ** (a * x + b)
    d = 1 + u
    p = 1 / d
    q = 1 - p
    grad_p = -(y / p) / n + ((1 - y) / q) / n
    grad_z = grad_p * (-1 / d ** 2) * u
    return a - lr * np.sum(grad_z * x), b - lr * np.sum(grad_z)


def gd_logistic_matrix(a, b, x, y, lr):
    """One step of gradient descent on the cross-entropy of p = sigmoid(x @ a + b)."""
    p = 1 / (1 + np.exp(-(x @ a + b)))
    return a - lr * x.T @ (p - y) / len(y), b - lr * np.mean(p - y, axis=0)


# --- basics ------------------------------------------------------------------------------------

def test_constants_and_operators(capsys):
    a = tf.constant(1234)
    b = tf.constant(5000)
    add_op = a + b
    sess = tf.Session()
    print(sess.run(add_op))

    a, b, c = tf.constant(2), tf.constant(3), tf.constant(4)
    calc1 = a + b * c
    calc2 = (a + b) * c
    sess = tf.Session()
    print(sess.run(calc1))
    print(sess.run(calc2))
    assert capsys.readouterr().out.split() == ["6234", "14", "20"]
    assert add_op.dtype == tf.int32 and add_op.shape.as_list() == []


def test_variable_and_assign(capsys):
    a = tf.constant(100)
    b = tf.constant(50)
    v = tf.Variable(0)
    let = tf.assign(v, a + b)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    sess.run(let)
    print(sess.run(v))
    assert capsys.readouterr().out.strip() == "150"


def test_placeholders_fixed_and_open_shapes(capsys):
    a = tf.placeholder(tf.int32, [3])
    doubled = a * tf.constant(2)
    sess = tf.Session()
    print(sess.run(doubled, feed_dict={a: [1, 2, 3]}))
    print(sess.run(doubled, feed_dict={a: [10, 20, 10]}))

    a = tf.placeholder(tf.int32, [None])
    tenfold = a * tf.constant(10)
    assert tenfold.shape.as_list() == [None]
    sess = tf.Session()
    print(sess.run(tenfold, feed_dict={a: [1, 2, 3, 4, 5]}))
    r = sess.run(tenfold, feed_dict={a: [10, 20]})
    print(r)
    assert capsys.readouterr().out.splitlines() == [
        "[2 4 6]", "[20 40 20]", "[10 20 30 40 50]", "[100 200]"]
    assert isinstance(r, np.ndarray) and r.dtype == np.int32


def test_named_constants_and_assign_of_an_expression():
    # tensorboard_basics.py without its FileWriter (that belongs to the visualizer)
    a = tf.constant(20, name="a")
    b = tf.constant(30, name="b")
    sess = tf.Session()
    assert sess.run(a * b) == 600
    a = tf.constant(100, name="a")
    b = tf.constant(200, name="b")
    c = tf.constant(300, name="c")
    v = tf.Variable(0, name="v")
    assign = tf.assign(v, a + b * c)
    sess = tf.Session()
    sess.run(assign)            # assign writes v without v's initializer having run
    assert sess.run(v) == 60100
    assert (a.name, b.name, c.name) == ("a_1:0", "b_1:0", "c:0")


# --- regressions -------------------------------------------------------------------------------

HOURS_SCORES = [[2, 81], [4, 93], [6, 91], [8, 97]]


def linear_regression(a_init, b_init, capsys):
    """The documents' linear regression; returns the printed lines and the values behind them."""
    x_data = [row[0] for row in HOURS_SCORES]
    y_data = [row[1] for row in HOURS_SCORES]
    a = tf.Variable(a_init)
    b = tf.Variable(b_init)
    y = a * x_data + b
    rmse = tf.sqrt(tf.reduce_mean(tf.square(y - y_data)))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(rmse)
    path = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path.append(np.concatenate(sess.run([a, b])))
        for step in range(2001):
            sess.run(train)
            if step % 100 == 0:
                print("Epoch: %.f, RMSE = %.04f, a = %.4f, b = %.4f"
                      % (step, sess.run(rmse), sess.run(a), sess.run(b)))
            path.append(np.concatenate(sess.run([a, b])))
        fetched = sess.run(a)
    assert isinstance(fetched, np.ndarray) and fetched.shape == (1,)
    assert fetched.dtype == np.float64
    return capsys.readouterr().out.splitlines(), path


def check_path(path, one_step):
    """path[k] (the values after k steps) is one step of gradient descent from path[k - 1]."""
    for k in range(1, len(path)):
        np.testing.assert_allclose(path[k], one_step(path[k - 1]), rtol=1e-12, atol=1e-12,
                                   err_msg=f"step {k} is not gradient descent")


def check_printed(lines, path, every, columns):
    """Line j shows (rounded to 4 places) the values after step j * every + 1."""
    for j, line in enumerate(lines):
        shown = numbers(line)
        assert shown[0] == j * every
        values = path[j * every + 1]
        for col, value in zip(columns, values):
            assert shown[col] == pytest.approx(value, abs=5.1e-5), line


def check_rmse_path(path, features, target, lines):
    check_path(path, lambda p: gd_rmse(p, features, target, 0.1, 1))
    check_printed(lines, path, 100, range(2, 2 + len(path[0])))


def test_linear_regression_from_tensorflows_draw(capsys):
    lines, path = linear_regression(tf.constant([8.07], tf.float64),
                                    tf.constant([80.69], tf.float64), capsys)
    assert len(lines) == 21
    check_rmse_path(path, [[2, 4, 6, 8]], [81, 93, 91, 97], lines)
    assert lines[-1] == "Epoch: 2000, RMSE = 2.8810, a = 2.3000, b = 79.0000"


def test_linear_regression_from_a_seeded_draw(capsys):
    lines, path = linear_regression(
        tf.random_uniform([1], 0, 10, dtype=tf.float64, seed=0),
        tf.random_uniform([1], 0, 100, dtype=tf.float64, seed=0), capsys)
    assert 0 <= path[0][0] < 10 and 0 <= path[0][1] < 100
    check_rmse_path(path, [[2, 4, 6, 8]], [81, 93, 91, 97], lines)
    epoch, rmse, a, b = numbers(lines[-1])
    assert epoch == 2000 and rmse == pytest.approx(2.881, abs=5e-4)
    assert a == pytest.approx(2.30, abs=0.01) and b == pytest.approx(79.0, abs=0.05)


def test_multi_linear_regression(capsys):
    data = [[2, 0, 81], [4, 4, 93], [6, 2, 91], [8, 3, 97]]
    x1 = [row[0] for row in data]
    x2 = [row[1] for row in data]
    y_data = [row[2] for row in data]
    a1 = tf.Variable(tf.random_uniform([1], 0, 10, dtype=tf.float64, seed=0))
    a2 = tf.Variable(tf.random_uniform([1], 0, 10, dtype=tf.float64, seed=0))
    b = tf.Variable(tf.random_uniform([1], 0, 100, dtype=tf.float64, seed=0))
    y = a1 * x1 + a2 * x2 + b
    rmse = tf.sqrt(tf.reduce_mean(tf.square(y - y_data)))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(rmse)
    path = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path.append(np.concatenate(sess.run([a1, a2, b])))
        for step in range(2001):
            sess.run(train)
            if step % 100 == 0:
                print("Epoch: %.f, RMSE = %.04f, a1 = %.4f, a2 = %.4f, b = %.4f"
                      % (step, sess.run(rmse), sess.run(a1), sess.run(a2), sess.run(b)))
            path.append(np.concatenate(sess.run([a1, a2, b])))
    lines = capsys.readouterr().out.splitlines()
    check_rmse_path(path, [x1, x2], y_data, lines)
    assert numbers(lines[-1])[:2] == [2000, pytest.approx(1.837, abs=1e-3)]


def test_logistic_regression_sigmoid_by_hand(capsys):
    data = [[2, 0], [4, 0], [6, 0], [8, 1], [10, 1], [12, 1], [14, 1]]
    x_data = [row[0] for row in data]
    y_data = [row[1] for row in data]
    a = tf.Variable(tf.random_normal([1], dtype=tf.float64, seed=0))
    b = tf.Variable(tf.random_normal([1], dtype=tf.float64, seed=0))
    powered = np.e ** (a * x_data + b)
    assert isinstance(powered, tf.Tensor)            # NumPy defers to the tensor
    y = 1 / (1 + powered)
    weighted = np.array(y_data) * tf.log(y)
    other = (1 - np.array(y_data)) * tf.log(1 - y)
    assert isinstance(weighted, tf.Tensor) and isinstance(other, tf.Tensor)
    assert weighted.shape.as_list() == [7] and weighted.dtype == tf.float64
    loss = -tf.reduce_mean(weighted + other)
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    # The documents run 60001 steps (the examples test does); 6001 here, printed every 600.
    path, losses = [], []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path.append(np.concatenate(sess.run([a, b])))
        for i in range(6001):
            sess.run(train)
            if i % 600 == 0:
                print("Epoch: %.f, loss = %.4f, a = %.4f, b = %.4f"
                      % (i, sess.run(loss), sess.run(a), sess.run(b)))
                losses.append(float(sess.run(loss)))
            path.append(np.concatenate(sess.run([a, b])))
    lines = capsys.readouterr().out.splitlines()
    check_path(path, lambda p: np.array(gd_logistic_by_hand(*p, x_data, y_data, 0.5)))
    check_printed(lines, path, 600, [2, 3])
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    epoch, printed_loss, a_end, b_end = numbers(lines[-1])
    assert epoch == 6000 and printed_loss < 0.02
    assert a_end < 0 < b_end and -b_end / a_end == pytest.approx(7, abs=0.2)  # boundary at 7 h
    assert printed_loss == pytest.approx(losses[-1], abs=5e-5)


def test_logistic_multi_with_a_list_fetch(capsys):
    seed = 0
    np.random.seed(seed)
    tf.set_random_seed(seed)
    x_data = np.array([[2, 3], [4, 3], [6, 4], [8, 6], [10, 7], [12, 8], [14, 9]])
    y_data = np.array([0, 0, 0, 1, 1, 1, 1]).reshape(7, 1)
    X = tf.placeholder(tf.float64, shape=[None, 2])
    Y = tf.placeholder(tf.float64, shape=[None, 1])
    a = tf.Variable(tf.random_uniform([2, 1], dtype=tf.float64))
    b = tf.Variable(tf.random_uniform([1], dtype=tf.float64))
    y = tf.sigmoid(tf.matmul(X, a) + b)
    assert y.shape.as_list() == [None, 1]
    loss = -tf.reduce_mean(Y * tf.log(y) + (1 - Y) * tf.log(1 - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    predicted = tf.cast(y > 0.5, dtype=tf.float64)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, Y), dtype=tf.float64))
    seen = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3001):
            a_, b_, loss_, nothing = sess.run([a, b, loss, train],
                                              feed_dict={X: x_data, Y: y_data})
            assert nothing is None
            seen.append((a_, b_, loss_))
            if (i + 1) % 300 == 0:
                print("step=%d, a1=%.4f, a2=%.4f, b=%.4f, loss=%.4f"
                      % (i + 1, a_[0, 0], a_[1, 0], b_[0], loss_))
        new_x = np.array([7, 6.]).reshape(1, 2)
        new_y = sess.run(y, feed_dict={X: new_x})
        print("chance of passing: %6.2f %%" % (new_y[0, 0] * 100))
        assert sess.run(accuracy, feed_dict={X: x_data, Y: y_data}) == 1.0
    lines = capsys.readouterr().out.splitlines()
    # The fetched a, b are those before the run's update: each is one step after the last.
    for (a0, b0, _), (a1, b1, _) in zip(seen, seen[1:]):
        ea, eb = gd_logistic_matrix(a0, b0, x_data.astype(float), y_data.astype(float), 0.1)
        np.testing.assert_allclose(a1, ea, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b1, eb, rtol=1e-10, atol=1e-12)
    assert len(lines) == 11 and lines[9].startswith("step=3000,")
    # Verified for seeds 0..11: loss 0.0568..0.0584, chance 85.5..86.1 %.
    assert 0.054 < numbers(lines[9])[-1] < 0.061
    assert 84.5 < numbers(lines[10])[0] < 87.0


# --- softmax regression on bmi.csv, fed from pandas --------------------------------------------

def test_bmi_softmax_fed_from_pandas(capsys):
    csv = pd.read_csv(BMI_CSV)
    assert list(csv.columns) == ["height", "weight", "label"] and len(csv) == 20000
    csv["height"] = csv["height"] / 200
    csv["weight"] = csv["weight"] / 100
    bclass = {"thin": [1, 0, 0], "normal": [0, 1, 0], "fat": [0, 0, 1]}
    csv["label_pat"] = csv["label"].apply(lambda name: np.array(bclass[name]))
    test_csv = csv[15000:20000]
    test_pat = test_csv[["weight", "height"]]           # a DataFrame
    test_ans = list(test_csv["label_pat"])              # a list of arrays

    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y_ = tf.placeholder(tf.float32, [None, 3], name="y_")
    with tf.name_scope("interface") as scope:
        assert scope == "interface/"
        W = tf.Variable(tf.zeros([2, 3]), name="W")
        b = tf.Variable(tf.zeros([3]), name="b")
        with tf.name_scope("softmax") as scope:
            assert scope == "interface/softmax/"
            y = tf.nn.softmax(tf.matmul(x, W) + b)
    with tf.name_scope("loss"):
        cross_entropy = -tf.reduce_sum(y_ * tf.log(y))
    with tf.name_scope("training"):
        train = tf.train.GradientDescentOptimizer(0.01).minimize(cross_entropy)
    with tf.name_scope("accuracy"):
        predict = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
        accuracy = tf.reduce_mean(tf.cast(predict, tf.float32))
    assert W.name == "interface/W:0" and y.name.startswith("interface/softmax/")
    assert cross_entropy.name.startswith("loss/") and accuracy.name.startswith("accuracy/")
    assert train.name.startswith("training/")

    accuracies = []
    with tf.Session() as sess:
        sess.run(tf.initialize_all_variables())         # the old name of the initializer
        for step in range(3500):
            i = (step * 100) % 14000
            rows = csv[1 + i: 1 + i + 100]
            fd = {x: rows[["weight", "height"]], y_: list(rows["label_pat"])}
            sess.run(train, feed_dict=fd)
            if step % 500 == 0:
                cre = sess.run(cross_entropy, feed_dict=fd)
                acc = sess.run(accuracy, feed_dict={x: test_pat, y_: test_ans})
                print("step=", step, "cre=", cre, "acc=", acc)
                accuracies.append(acc)
        acc = sess.run(accuracy, feed_dict={x: test_pat, y_: test_ans})
        print("accuracy =", acc)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8 and lines[-1].startswith("accuracy =")
    assert isinstance(acc, np.float32)
    assert acc >= 0.95 and accuracies[-1] > accuracies[0]


def test_one_element_fetch_formats_as_a_number():
    a = tf.Variable([2.5], dtype=tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(a)
    assert "%.4f" % value == "2.5000" and "%d" % value == "2"
    assert math.isclose(float(value), 2.5)
    assert isinstance(value, np.ndarray) and value.shape == (1,) and value.dtype == np.float64
    doubled = value * 2   # a one-element result of arithmetic stays convertible too
    assert isinstance(doubled, np.ndarray) and "%.1f %%" % (doubled * 10) == "50.0 %"
    assert type(np.asarray(value)) is np.ndarray
