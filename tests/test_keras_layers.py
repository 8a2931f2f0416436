"""flowgraph.keras's convolution, pooling, embedding, recurrent and batch-normalization layers
compute what Keras 2.2.4's compute: forward values against NumPy formulas (tests/
keras_layer_refs.py) with each layer's own weights, shapes, names and parameter counts of the
book's models, float64 gradients against finite differences, and configs that rebuild the
layer."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import backend as K
from flowgraph.keras.layers import (GRU, LSTM, AveragePooling1D, AveragePooling2D,
                                    BatchNormalization, Conv1D, Conv2D, Convolution2D, Dense,
                                    Dropout, Embedding, Flatten, GlobalAveragePooling1D,
                                    GlobalAveragePooling2D, GlobalMaxPool1D, GlobalMaxPooling1D,
                                    GlobalMaxPooling2D, MaxPool2D, MaxPooling1D, MaxPooling2D,
                                    SimpleRNN, Activation)
from flowgraph.keras.models import Sequential
from flowgraph.keras.utils.conv_utils import conv_output_length

import keras_layer_refs as ref
from finite_diff import central_differences


@pytest.fixture(autouse=True)
def fresh_session():
    K.clear_session()
    yield
    K.clear_session()


@pytest.fixture
def float64():
    old = K.floatx()
    K.set_floatx("float64")
    yield
    K.set_floatx(old)


def _apply(layer, x, phase=None, **call_kwargs):
    """Run `layer` on the array x (a float placeholder of x's shape, batch free): (output
    values, the placeholder, the output tensor)."""
    inp = tf.placeholder(K.floatx(), [None] + list(x.shape[1:]))
    out = layer(inp, **call_kwargs)
    feed = {inp: x} if phase is None else {inp: x, K.learning_phase(): phase}
    return K.get_session().run(out, feed), inp, out


def _randomize(layer, rng, scale=0.5):
    """Give every weight random values (so gate or bias mix-ups show); returns them."""
    values = [rng.uniform(-scale, scale, w.shape.as_list()) for w in layer.weights]
    layer.set_weights(values)
    return values


# -- convolution -------------------------------------------------------------------------------
@pytest.mark.parametrize("padding,strides,dilation", [
    ("valid", (1, 1), (1, 1)), ("same", (1, 1), (1, 1)), ("valid", (2, 2), (1, 1)),
    ("same", (2, 1), (1, 1)), ("same", (1, 1), (2, 2))])
def test_conv2d_is_cross_correlation(padding, strides, dilation):
    rng = np.random.RandomState(0)
    x = rng.randn(2, 7, 6, 3)
    layer = Conv2D(4, (3, 2), strides=strides, padding=padding, dilation_rate=dilation,
                   activation="relu")
    y, _, out = _apply(layer, x)
    w, b = layer.get_weights()
    assert w.shape == (3, 2, 3, 4) and b.shape == (4,)
    layer.set_weights([w, rng.randn(4)])
    y = K.get_session().run(out, {layer.input: x})
    want = np.maximum(ref.conv2d(x, w, layer.get_weights()[1], strides, padding, dilation), 0)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None, 7, 6, 3)) == tuple(out.shape.as_list())


def test_conv2d_channels_first_matches_channels_last():
    rng = np.random.RandomState(1)
    x = rng.randn(2, 3, 8, 5)  # NCHW
    first = Conv2D(4, 3, padding="same", strides=2, data_format="channels_first")
    y, _, out = _apply(first, x)
    w, _ = _randomize(first, rng)
    y = K.get_session().run(out, {first.input: x})
    want = ref.conv2d(x.transpose(0, 2, 3, 1), w, first.get_weights()[1], (2, 2), "same")
    np.testing.assert_allclose(y, want.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-5)
    assert first.compute_output_shape((None, 3, 8, 5)) == (None, 4, 4, 3) == \
        tuple(out.shape.as_list())


@pytest.mark.parametrize("padding,stride,dilation", [
    ("valid", 1, 1), ("same", 2, 1), ("causal", 1, 1), ("causal", 1, 2), ("valid", 3, 1)])
def test_conv1d(padding, stride, dilation):
    rng = np.random.RandomState(2)
    x = rng.randn(3, 11, 4)
    layer = Conv1D(5, 3, strides=stride, padding=padding, dilation_rate=dilation)
    _, _, out = _apply(layer, x)
    w, b = _randomize(layer, rng)
    assert w.shape == (3, 4, 5)
    y = K.get_session().run(out, {layer.input: x})
    np.testing.assert_allclose(y, ref.conv1d(x, w, b, stride, padding, dilation), rtol=1e-5,
                               atol=1e-5)
    assert layer.compute_output_shape((None, 11, 4)) == tuple(out.shape.as_list())


def test_conv_output_length_is_keras_rule():
    assert [conv_output_length(28, 3, "valid", 1), conv_output_length(26, 3, "valid", 1),
            conv_output_length(100, 5, "valid", 1), conv_output_length(96, 4, "valid", 4),
            conv_output_length(7, 3, "same", 2), conv_output_length(7, 3, "valid", 2, 2),
            conv_output_length(None, 3, "same", 1)] == [26, 24, 96, 24, 4, 2, None]


# -- pooling -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,mode", [(MaxPooling2D, "max"), (AveragePooling2D, "avg")])
@pytest.mark.parametrize("pool,strides,padding", [
    ((2, 2), None, "valid"), ((3, 3), (2, 2), "same"), ((2, 3), (1, 2), "valid"),
    ((3, 2), None, "same")])
def test_pooling2d(cls, mode, pool, strides, padding):
    x = np.random.RandomState(3).randn(2, 7, 8, 3)
    layer = cls(pool_size=pool, strides=strides, padding=padding)
    y, _, out = _apply(layer, x)
    want = ref.pool2d(x, pool, strides or pool, padding, mode)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 7, 8, 3)) == tuple(out.shape.as_list())


@pytest.mark.parametrize("cls,mode", [(MaxPooling1D, "max"), (AveragePooling1D, "avg")])
@pytest.mark.parametrize("pool,strides,padding", [(4, None, "valid"), (3, 2, "same")])
def test_pooling1d(cls, mode, pool, strides, padding):
    x = np.random.RandomState(4).randn(2, 10, 3)
    layer = cls(pool_size=pool, strides=strides, padding=padding)
    y, _, out = _apply(layer, x)
    want = ref.pool2d(x[:, :, None, :], (pool, 1), (strides or pool, 1), padding, mode)[:, :, 0]
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 10, 3)) == tuple(out.shape.as_list())


def test_global_pooling():
    x1, x2 = np.random.RandomState(5).randn(2, 6, 3), np.random.RandomState(6).randn(2, 4, 5, 3)
    for layer, x, want in [(GlobalAveragePooling1D(), x1, x1.mean(1)),
                           (GlobalMaxPooling1D(), x1, x1.max(1)),
                           (GlobalAveragePooling2D(), x2, x2.mean((1, 2))),
                           (GlobalMaxPooling2D(), x2, x2.max((1, 2)))]:
        y, _, out = _apply(layer, x)
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)
        assert layer.compute_output_shape((None,) + x.shape[1:]) == (None, 3)


def test_aliases_and_names():
    assert MaxPool2D is MaxPooling2D and GlobalMaxPool1D is GlobalMaxPooling1D
    assert Convolution2D is Conv2D
    names = [Conv2D(2, 3).name, Conv1D(2, 3).name, MaxPooling1D().name, MaxPooling2D().name,
             GlobalAveragePooling2D().name, Conv2D(2, 3).name, LSTM(2).name, GRU(2).name,
             SimpleRNN(2).name, Embedding(3, 2).name, BatchNormalization().name]
    assert names == ["conv2d_1", "conv1d_1", "max_pooling1d_1", "max_pooling2d_1",
                     "global_average_pooling2d_1", "conv2d_2", "lstm_1", "gru_1",
                     "simple_rnn_1", "embedding_1", "batch_normalization_1"]


# -- embedding ---------------------------------------------------------------------------------
def test_embedding_looks_up_rows_of_float_indices():
    layer = Embedding(10, 4, input_length=5)
    assert layer.batch_input_shape == (None, 5)
    ids = np.random.RandomState(7).randint(0, 10, (3, 5)).astype("float32")
    y, _, out = _apply(layer, ids)
    (table,) = layer.get_weights()
    assert table.shape == (10, 4) and np.abs(table).max() <= 0.05
    np.testing.assert_array_equal(y, table[ids.astype(int)])
    assert tuple(out.shape.as_list()) == (None, 5, 4) == layer.compute_output_shape((None, 5))


def test_embedding_without_input_length_builds_at_add():
    model = Sequential()
    model.add(Embedding(5000, 100))
    assert model.layers[0].built and model.count_params() == 500000
    assert model.layers[0].batch_input_shape == (None, None)
    assert model.layers[0].compute_output_shape((None, None)) == (None, None, 100)
    with pytest.raises(ValueError, match="mask_zero"):
        Embedding(10, 2, mask_zero=True)


# -- recurrent ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ra", ["hard_sigmoid", "sigmoid"])
@pytest.mark.parametrize("return_sequences,go_backwards", [(False, False), (True, False),
                                                           (True, True)])
def test_lstm_matches_gate_formulas(ra, return_sequences, go_backwards):
    rng = np.random.RandomState(8)
    x = rng.randn(3, 5, 4)
    layer = LSTM(6, recurrent_activation=ra, return_sequences=return_sequences,
                 go_backwards=go_backwards, return_state=True)
    _, _, outs = _apply(layer, x)
    kernel, recurrent, bias = _randomize(layer, rng)
    assert kernel.shape == (4, 24) and recurrent.shape == (6, 24) and bias.shape == (24,)
    y, h, c = K.get_session().run(outs, {layer.input: x})
    want, want_h, want_c = ref.lstm(x, kernel, recurrent, bias,
                                    ref.hard_sigmoid if ra == "hard_sigmoid" else ref.sigmoid,
                                    go_backwards=go_backwards)
    np.testing.assert_allclose(y, want if return_sequences else want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, want_c, rtol=1e-5, atol=1e-6)
    shapes = layer.compute_output_shape((None, 5, 4))
    assert shapes == [tuple(t.shape.as_list()) for t in outs]


def test_lstm_initial_weights():
    layer = LSTM(3)
    _apply(layer, np.zeros((1, 2, 5)))
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_array_equal(bias, [0] * 3 + [1] * 3 + [0] * 6)  # unit_forget_bias
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal
    assert np.abs(kernel).max() <= np.sqrt(6 / (5 + 12))  # glorot_uniform
    assert layer.get_config()["recurrent_activation"] == "hard_sigmoid"


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_matches_gate_formulas(reset_after):
    rng = np.random.RandomState(9)
    x = rng.randn(2, 4, 3)
    layer = GRU(5, return_sequences=True, reset_after=reset_after)
    _, _, out = _apply(layer, x)
    kernel, recurrent, bias = _randomize(layer, rng)
    assert bias.shape == ((2, 15) if reset_after else (15,))
    y = K.get_session().run(out, {layer.input: x})
    np.testing.assert_allclose(y, ref.gru(x, kernel, recurrent, bias, reset_after=reset_after),
                               rtol=1e-5, atol=1e-6)


def test_simple_rnn_matches_formula():
    rng = np.random.RandomState(10)
    x = rng.randn(2, 4, 3)
    layer = SimpleRNN(5, return_sequences=True)
    _, _, out = _apply(layer, x)
    kernel, recurrent, bias = _randomize(layer, rng)
    y = K.get_session().run(out, {layer.input: x})
    np.testing.assert_allclose(y, ref.simple_rnn(x, kernel, recurrent, bias), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_implementation_2_and_dropout_at_inference_change_nothing(cls):
    rng = np.random.RandomState(11)
    x = rng.randn(2, 4, 3)
    layers = [cls(4, implementation=1), cls(4, implementation=2),
              cls(4, dropout=0.5, recurrent_dropout=0.3)]
    outs = [_apply(layer, x)[2] for layer in layers]
    for layer in layers:
        layer.set_weights(layers[0].get_weights() if layer is not layers[0] else
                          _randomize(layer, rng))
    feed = {layer.input: x for layer in layers}
    plain, impl2, dropped = K.get_session().run(outs, feed)
    np.testing.assert_allclose(impl2, plain, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dropped, plain, rtol=1e-5, atol=1e-6)
    training = K.get_session().run(outs[2], {**feed, K.learning_phase(): True})
    assert not np.allclose(training, plain)


def test_rnn_refusals():
    with pytest.raises(ValueError, match="stateful"):
        LSTM(3, stateful=True)
    steps_unknown = Embedding(50, 8)(tf.placeholder(tf.float32, [None, None]))
    with pytest.raises(ValueError, match="input_length"):  # (a Sequential waits for data)
        LSTM(3)(steps_unknown)


# -- batch normalization -----------------------------------------------------------------------
def _bn_case(x, **kwargs):
    rng = np.random.RandomState(12)
    layer = BatchNormalization(**kwargs)
    inp = tf.placeholder(K.floatx(), [None] + list(x.shape[1:]))
    out = layer(inp)
    dim = x.shape[layer.axis]
    gamma, beta = rng.uniform(0.5, 1.5, dim), rng.randn(dim)
    moving = rng.randn(dim), rng.uniform(0.5, 2, dim)
    layer.set_weights([gamma, beta, *moving])
    return layer, inp, out, gamma, beta, moving


def test_batchnorm_training_and_inference():
    x = np.random.RandomState(13).randn(8, 3) * 2 + 1
    layer, inp, out, gamma, beta, (mm, mv) = _bn_case(x, momentum=0.9)
    assert [w.name for w in layer.weights] == [
        f"batch_normalization_1/{n}:0" for n in ("gamma", "beta", "moving_mean",
                                                 "moving_variance")]
    assert len(layer.trainable_weights) == 2 and layer.count_params() == 12
    session = K.get_session()
    inference = session.run(out, {inp: x})
    np.testing.assert_allclose(inference, ref.batch_norm(x, mm, mv, gamma, beta, 1e-3),
                               rtol=1e-5, atol=1e-5)
    training = session.run(out, {inp: x, K.learning_phase(): True})
    np.testing.assert_allclose(training, ref.batch_norm(x, x.mean(0), x.var(0), gamma, beta,
                                                        1e-3), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape,axis,corrections", [((8, 3), -1, 1), ((4, 3, 2, 3), -1, 2),
                                                    ((4, 3, 2, 5), 1, 1)])
def test_batchnorm_moving_averages_are_keras_224s(shape, axis, corrections):
    """Zero-debiased averages (TF1's assign_moving_average) of the batch mean and of the
    variance times n / (n - 1 - eps) (and n / (n - 1) again where TF's fused kernel ran)."""
    rng = np.random.RandomState(14)
    batches = [rng.randn(*shape) * 3 + 2 for _ in range(3)]
    layer, inp, _, _, _, _ = _bn_case(batches[0], axis=axis, momentum=0.8)
    axes = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    m, biased_mean, biased_var = 0.8, 0., 0.
    for t, x in enumerate(batches, start=1):
        K.get_session().run(layer.updates, {inp: x, K.learning_phase(): True})
        n = x.size / x.shape[axis]
        var = x.var(axes) * n / (n - 1 - 1e-3) * (n / (n - 1) if corrections == 2 else 1)
        biased_mean = m * biased_mean + (1 - m) * x.mean(axes)
        biased_var = m * biased_var + (1 - m) * var
        _, _, moving_mean, moving_var = layer.get_weights()
        np.testing.assert_allclose(moving_mean, biased_mean / (1 - m ** t), rtol=1e-5)
        np.testing.assert_allclose(moving_var, biased_var / (1 - m ** t), rtol=1e-5)


def test_batchnorm_updates_run_in_fit_and_not_when_frozen():
    x = np.random.RandomState(15).randn(16, 3)
    model = Sequential([BatchNormalization(input_shape=(3,)), Dense(1)])
    model.compile("sgd", "mean_squared_error")
    model.fit(x, np.zeros(16), batch_size=16, epochs=1, verbose=0)
    _, _, moving_mean, moving_var = model.layers[0].get_weights()
    np.testing.assert_allclose(moving_mean, x.mean(0), rtol=1e-5)  # debiased: exact at t=1
    np.testing.assert_allclose(moving_var, x.var(0) * 16 / (15 - 1e-3), rtol=1e-5)
    frozen = BatchNormalization(trainable=False)
    _apply(frozen, x)
    assert frozen.updates == []


# -- models of the book: parameter counts and weight names ------------------------------------
def _program_16():
    model = Sequential()
    model.add(Conv2D(32, kernel_size=(3, 3), input_shape=(28, 28, 1), activation="relu"))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=2))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(128, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(10, activation="softmax"))
    return model


def _program_17a():
    model = Sequential()
    model.add(Embedding(1000, 100, input_length=100))
    model.add(LSTM(100, activation="tanh"))
    model.add(Dense(46, activation="softmax"))
    return model


def _program_17b():
    model = Sequential()
    model.add(Embedding(5000, 100, input_length=100))
    model.add(Dropout(0.5))
    model.add(Conv1D(64, 5, padding="valid", activation="relu", strides=1))
    model.add(MaxPooling1D(pool_size=4))
    model.add(LSTM(55))
    model.add(Dense(1))
    model.add(Activation("sigmoid"))
    return model


@pytest.mark.parametrize("build,params,shapes", [
    (_program_16, 1199882, [(None, 26, 26, 32), (None, 24, 24, 64), (None, 12, 12, 64)]),
    (_program_17a, 185046, [(None, 100, 100), (None, 100)]),
    (_program_17b, 558520, [(None, 100, 100), (None, 100, 100), (None, 96, 64), (None, 24, 64),
                            (None, 55)])])
def test_book_models_parameter_counts(build, params, shapes):
    model = build()
    assert model.count_params() == params
    assert [layer.output_shape for layer in model.layers[:len(shapes)]] == shapes


def test_weight_names():
    names = [w.name for w in _program_17b().weights]
    assert names == ["embedding_1/embeddings:0", "conv1d_1/kernel:0", "conv1d_1/bias:0",
                     "lstm_1/kernel:0", "lstm_1/recurrent_kernel:0", "lstm_1/bias:0",
                     "dense_1/kernel:0", "dense_1/bias:0"]
    assert [w.name for w in _program_16().weights][:2] == ["conv2d_1/kernel:0",
                                                           "conv2d_1/bias:0"]


# -- gradients by finite differences (float64) -------------------------------------------------
def _check_gradients(layer, x, phase=None, wrt_input=True, **call_kwargs):
    """d sum(R * layer(x)) / d (x and each trainable weight), symbolic vs central differences."""
    _, inp, out = _apply(layer, x, phase, **call_kwargs)
    out = out[0] if isinstance(out, list) else out
    proj = np.random.RandomState(16).randn(*K.get_session().run(tf.shape(out), {inp: x}))
    loss = tf.reduce_sum(out * proj)
    feed = {inp: x} if phase is None else {inp: x, K.learning_phase(): phase}
    session = K.get_session()
    targets = ([inp] if wrt_input else []) + layer.trainable_weights
    grads = session.run(tf.gradients(loss, targets), feed)
    if wrt_input:
        numeric = central_differences(lambda v: session.run(loss, {**feed, inp: v}), x)
        np.testing.assert_allclose(grads[0], numeric, rtol=1e-5, atol=1e-7)
    for weight, grad in zip(layer.trainable_weights, grads[int(wrt_input):]):
        start = K.get_value(weight)

        def f(v, weight=weight):
            K.set_value(weight, v)
            return session.run(loss, feed)
        numeric = central_differences(f, start.copy())
        K.set_value(weight, start)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7, err_msg=weight.name)


@pytest.mark.parametrize("make,shape", [
    pytest.param(lambda: Conv2D(2, (2, 3), strides=(2, 1), padding="same", activation="tanh"),
                 (2, 4, 5, 2), id="conv2d-same-strided"),
    pytest.param(lambda: Conv2D(2, 2, data_format="channels_first"), (1, 2, 3, 4),
                 id="conv2d-channels-first"),
    pytest.param(lambda: Conv1D(3, 3, padding="causal", dilation_rate=2), (2, 6, 2),
                 id="conv1d-causal-dilated"),
    pytest.param(lambda: MaxPooling2D(3, strides=2, padding="same"), (2, 5, 5, 2),
                 id="max-pooling2d-same"),
    pytest.param(lambda: AveragePooling2D(2, padding="same", strides=1), (1, 3, 3, 2),
                 id="average-pooling2d-same"),
    pytest.param(lambda: AveragePooling1D(2), (2, 5, 2), id="average-pooling1d"),
    pytest.param(lambda: GlobalMaxPooling1D(), (2, 4, 3), id="global-max-pooling1d"),
    pytest.param(lambda: GlobalAveragePooling2D(), (2, 3, 2, 2), id="global-average-pooling2d"),
    pytest.param(lambda: LSTM(3, return_sequences=True, go_backwards=True), (2, 3, 2),
                 id="lstm-sequences-backwards"),
    pytest.param(lambda: LSTM(2, recurrent_activation="sigmoid"), (2, 4, 3), id="lstm-sigmoid"),
    pytest.param(lambda: GRU(3, return_sequences=True), (2, 3, 2), id="gru"),
    pytest.param(lambda: GRU(2, reset_after=True), (2, 3, 2), id="gru-reset-after"),
    pytest.param(lambda: SimpleRNN(3), (2, 3, 2), id="simple-rnn"),
    pytest.param(lambda: BatchNormalization(), (5, 3), id="batchnorm-training"),
    pytest.param(lambda: BatchNormalization(axis=1), (3, 2, 2, 2), id="batchnorm-axis1-training"),
])
def test_gradients_match_finite_differences(float64, make, shape):
    layer = make()
    x = np.random.RandomState(17).randn(*shape)
    phase = True if isinstance(layer, BatchNormalization) else None
    _check_gradients(layer, x, phase)


def test_embedding_gradient_matches_finite_differences(float64):
    ids = np.array([[1, 0, 3], [3, 3, 2]], dtype="float64")
    _check_gradients(Embedding(4, 2), ids, wrt_input=False)


def test_batchnorm_inference_gradient(float64):
    _check_gradients(BatchNormalization(), np.random.RandomState(18).randn(4, 3), phase=False)


# -- configs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: Conv2D(3, (2, 2), strides=2, padding="same", activation="relu", use_bias=False),
    lambda: Conv1D(4, 3, padding="causal", dilation_rate=2),
    lambda: MaxPooling2D(3, strides=1), lambda: AveragePooling1D(3, padding="same"),
    lambda: GlobalAveragePooling1D(), lambda: Embedding(10, 3, input_length=4),
    lambda: LSTM(4, return_sequences=True, recurrent_activation="sigmoid", dropout=0.1),
    lambda: GRU(4, reset_after=True, go_backwards=True), lambda: SimpleRNN(2, use_bias=False),
    lambda: BatchNormalization(axis=1, momentum=0.9, scale=False)])
def test_config_rebuilds_the_layer(make):
    layer = make()
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
