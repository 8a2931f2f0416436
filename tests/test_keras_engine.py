"""flowgraph.keras's engine: layers' names and weights, Sequential and functional models,
summary() as Keras 2 printed it, and fit/evaluate/predict checked against hand computations."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import backend as K
from flowgraph.keras.layers import Activation, Dense, Dropout, Flatten, Input, Reshape
from flowgraph.keras.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_session():
    K.clear_session()
    np.random.seed(0)
    yield
    K.clear_session()


def _pima_like():
    model = Sequential()
    model.add(Dense(12, input_dim=8, activation="relu"))
    model.add(Dense(8, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    return model


# --- layers, names, weights -------------------------------------------------------------
def test_layers_are_named_per_class_and_weights_per_layer():
    model = _pima_like()
    assert [layer.name for layer in model.layers] == ["dense_1", "dense_2", "dense_3"]
    assert [w.op.name for w in model.weights] == [
        "dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias",
        "dense_3/kernel", "dense_3/bias"]
    assert model.count_params() == 8 * 12 + 12 + 12 * 8 + 8 + 8 + 1 == 221
    assert model.layers[0].input_shape == (None, 8)
    assert model.layers[2].output_shape == (None, 1)
    assert model.inputs[0].op.name == "dense_1_input"
    other = Sequential([Dense(2, input_shape=(3,))])  # counters continue across models
    assert other.layers[0].name == "dense_4"


def test_dense_kernel_is_glorot_uniform_and_bias_zero():
    model = Sequential([Dense(300, input_dim=200)])
    kernel, bias = model.get_weights()
    limit = np.sqrt(6 / (200 + 300))
    assert kernel.shape == (200, 300) and np.abs(kernel).max() <= limit
    assert abs(kernel.std() - limit / np.sqrt(3)) < 0.01 * limit
    assert not bias.any()


def test_numpy_seed_repeats_the_initial_weights():
    def weights(seed):
        K.clear_session()
        np.random.seed(seed)
        tf.set_random_seed(seed)
        return _pima_like().get_weights()
    first, again, other = weights(3), weights(3), weights(4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


def test_set_weights_checks_count_and_shapes():
    model = _pima_like()
    values = [np.full(w.shape.as_list(), i, np.float32) for i, w in enumerate(model.weights)]
    model.set_weights(values)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), values))
    with pytest.raises(ValueError, match="expecting 2 weights"):
        model.layers[0].set_weights(values[:1])
    with pytest.raises(ValueError, match=r"\(8, 12\) not compatible .* \(12, 8\)"):
        model.layers[0].set_weights([values[2], values[1]])


# --- summary ------------------------------------------------------------------------------
PIMA_SUMMARY = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
dense_1 (Dense)              (None, 12)                108       
_________________________________________________________________
dense_2 (Dense)              (None, 8)                 104       
_________________________________________________________________
dense_3 (Dense)              (None, 1)                 9         
=================================================================
Total params: 221
Trainable params: 221
Non-trainable params: 0
_________________________________________________________________
"""


def test_sequential_summary_is_keras_2_table(capsys):
    _pima_like().summary()
    assert capsys.readouterr().out == PIMA_SUMMARY


def test_functional_summary_with_branches_shows_connections():
    x = Input(shape=(4,), name="features")
    a = Dense(3, name="left")(x)
    b = Dense(3, name="right")(x)
    merged = Activation("relu", name="act")(Dense(2, name="top")(a))
    model = Model(x, [merged, b])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and len(lines[0]) == 98
    assert "left (Dense)" in text and "features[0][0]" in text and "left[0][0]" in text
    assert [layer.name for layer in model.layers][0] == "features"


# --- fit, evaluate, predict -----------------------------------------------------------------
def _data(n=60, seed=1):
    rng = np.random.RandomState(seed)
    x = rng.rand(n, 8) * 4
    return x, (x[:, 0] + x[:, 3] > 4).astype(np.float64)


def test_one_sgd_step_matches_a_hand_computation():
    x, y = _data(6)
    model = Sequential([Dense(1, input_dim=8, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
    w, b = model.get_weights()
    loss, acc = model.train_on_batch(x, y)
    p = 1 / (1 + np.exp(-(x @ w + b)))[:, 0]
    eps = 1e-7
    pc = np.clip(p, eps, 1 - eps)
    want = -(y * np.log(pc) + (1 - y) * np.log(1 - pc)).mean()
    assert loss == pytest.approx(want, rel=1e-5)
    assert acc == pytest.approx(((p > 0.5) == y).mean())
    grad_z = (p - y)[:, None] / len(y)  # d mean BCE / d logits
    w2, b2 = model.get_weights()
    np.testing.assert_allclose(w2, w - 0.01 * x.T @ grad_z, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(b2, b - 0.01 * grad_z.sum(0), rtol=1e-4, atol=1e-7)


def test_fit_epoch_figures_are_batch_weighted_means_of_the_steps():
    x, y = _data(25)
    model = _pima_like()
    model.compile(loss="mse", optimizer="sgd", metrics=["accuracy"])
    start = model.get_weights()
    history = model.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0)
    end = model.get_weights()
    model.set_weights(start)  # replay the three batches (10, 10, 5) by hand
    losses = [model.train_on_batch(x[i:i + 10], y[i:i + 10])[0] for i in (0, 10, 20)]
    want = (losses[0] * 10 + losses[1] * 10 + losses[2] * 5) / 25
    assert history.history["loss"] == [pytest.approx(want, rel=1e-6)]
    assert all(np.allclose(a, b) for a, b in zip(end, model.get_weights()))
    assert history.history["acc"] is history.history["accuracy"]


def test_validation_split_takes_the_last_rows_before_shuffling():
    x, y = _data(50)
    model = _pima_like()
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.2, verbose=0)
    val = model.evaluate(x[40:], y[40:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(val[0], rel=1e-5)
    assert history.history["val_acc"][-1] == pytest.approx(val[1], rel=1e-5)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert history.epoch == [0, 1]


def test_a_1d_target_is_a_column_never_broadcast():
    x, y = _data(30)
    model = Sequential([Dense(1, input_dim=8)])
    model.compile(loss="mse", optimizer="sgd")
    pred = model.predict(x)
    assert pred.shape == (30, 1) and pred.dtype == np.float32
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(((pred[:, 0] - y) ** 2).mean(), rel=1e-5)  # not (N, N)


def test_object_arrays_of_numbers_are_accepted_and_text_is_a_clear_error():
    x, y = _data(20)
    model = _pima_like()
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.fit(x.astype(object), y.astype(object), epochs=1, verbose=0)
    bad = x.astype(object)
    bad[3, 2] = "M"
    with pytest.raises(ValueError, match="convertible to float32"):
        model.fit(bad, y, epochs=1, verbose=0)


def test_shape_errors_name_the_input():
    model = _pima_like()
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"expected dense_1_input to have shape \(8,\)"):
        model.predict(np.zeros((3, 7)))
    with pytest.raises(RuntimeError, match="compile"):
        Sequential([Dense(1, input_dim=2)]).evaluate(np.zeros((1, 2)), np.zeros(1))


def test_predict_classes_and_evaluate_without_metrics():
    x, _ = _data(12)
    model = Sequential([Dense(3, input_dim=8, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    proba = model.predict(x, batch_size=5)
    np.testing.assert_array_equal(model.predict_classes(x), proba.argmax(-1))
    assert isinstance(model.evaluate(x, np.eye(3)[np.arange(12) % 3], verbose=0), float)
    binary = Sequential([Dense(1, input_dim=8, activation="sigmoid")])
    out = binary.predict_classes(x)
    assert out.dtype == np.int32 and out.shape == (12, 1)


def test_dropout_is_active_only_in_training():
    model = Sequential([Dropout(0.5, input_shape=(1000,))])
    model.compile(loss="mse", optimizer="sgd")
    x = np.ones((2, 1000), np.float32)
    np.testing.assert_array_equal(model.predict(x), x)
    train = K.get_session().run(model.outputs[0], {model.inputs[0]: x, K.learning_phase(): True})
    assert set(np.unique(train)) == {0.0, 2.0}


def test_flatten_and_reshape_shapes():
    model = Sequential([Reshape((2, 3, 2), input_shape=(12,)), Flatten(), Dense(2)])
    assert model.layers[0].output_shape == (None, 2, 3, 2)
    assert model.layers[1].output_shape == (None, 12)
    assert model.predict(np.arange(24.0).reshape(2, 12)).shape == (2, 2)


def test_a_sequential_without_input_shape_builds_from_the_data():
    model = Sequential()
    model.add(Dense(4, activation="relu"))
    model.add(Dense(1))
    model.compile(loss="mse", optimizer="sgd")
    model.fit(np.zeros((5, 3)), np.zeros(5), verbose=0)
    assert model.layers[0].input_shape == (None, 3) and model.count_params() == 16 + 5


def test_functional_model_trains_and_is_callable_as_a_layer():
    x = Input(shape=(8,))
    h = Dense(4, activation="relu")(x)
    out = Dense(1, activation="sigmoid")(h)
    model = Model(x, out)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
    xs, ys = _data(40)
    model.fit(xs, ys, epochs=2, verbose=0)
    reused = model(Input(shape=(8,)))  # the same layers (and weights) on a new input
    assert reused.shape.as_list() == [None, 1]
    assert len(model.layers[1].inbound_nodes) == 2


BOOK_17B_SUMMARY_COUNTS = [("embedding_1 (Embedding)", "(None, None, 100)", 500000),
                           ("lstm_1 (LSTM)", "(None, 55)", 26400), ("dense_1 (Dense)", "(None, 1)", 56)]


def test_a_recurrent_layer_over_unknown_steps_waits_for_the_data(capsys):
    from flowgraph.keras.layers import LSTM, Conv1D, Embedding, MaxPooling1D
    model = Sequential()
    model.add(Embedding(5000, 100))          # no input_length: the steps are unknown here
    model.add(Dropout(0.5))
    model.add(Conv1D(64, 5, activation="relu"))
    model.add(MaxPooling1D(pool_size=4))
    model.add(LSTM(55))
    model.add(Dense(1))
    model.add(Activation("sigmoid"))
    model.summary()
    out = capsys.readouterr().out
    for name, shape, count in BOOK_17B_SUMMARY_COUNTS:
        assert any(line.startswith(name) and shape in line and str(count) in line
                   for line in out.splitlines()), name
    assert "Total params: 558,520" in out
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    x = np.random.randint(1, 5000, (8, 40)).astype(np.int32)
    history = model.fit(x, np.arange(8) % 2, batch_size=4, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    assert model.predict(x).shape == (8, 1) and model.count_params() == 558520


def test_each_layers_ops_live_in_its_name_scope_for_tensorboard():
    model = _pima_like()
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    ops = model.outputs[0].graph.get_operations()
    forward = [op.name for op in ops if op.type in ("MatMul", "BiasAdd", "Relu", "Sigmoid")
               and not op.name.startswith(("loss", "metrics", "training"))]
    assert forward and all(name.split("/")[0] in ("dense_1", "dense_2", "dense_3")
                           for name in forward), forward
    assert any(op.name.startswith("loss/") for op in ops)
