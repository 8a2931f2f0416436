"""flowgraph.keras's model files: Keras 2.2.4's HDF5 layout (checked with h5py), round trips
that keep predictions, evaluate's numbers and the optimizer's state (one more training step
gives the same weights), weights-only files, loading by name, and files written by real
tf_keras 2.21 (tests/data/keras, made by make_fixtures.py there) loaded with real Keras's
outputs as the expected values."""
import json
import os
import stat
import warnings

import h5py
import numpy as np
import pytest

from flowgraph.keras import backend as K
from flowgraph.keras.callbacks import ModelCheckpoint
from flowgraph.keras.engine import saving
from flowgraph.keras.layers import (LSTM, BatchNormalization, Conv2D, Dense, Dropout,
                                    Embedding, Flatten, Input, MaxPooling2D)
from flowgraph.keras.models import (Model, Sequential, load_model, model_from_config,
                                    model_from_json)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "keras")


@pytest.fixture(autouse=True)
def fresh_session():
    K.clear_session()
    np.random.seed(0)
    yield
    K.clear_session()


def _dense_model(optimizer="adam"):
    model = Sequential()
    model.add(Dense(6, input_dim=4, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def _binary_data(n=32, seed=1):
    rng = np.random.RandomState(seed)
    x = rng.rand(n, 4).astype("float32")
    return x, (x.sum(axis=1) > 2.0).astype("float32")


def _cnn():
    inputs = Input(shape=(8, 8, 1), name="image")
    h = Conv2D(3, (3, 3), activation="relu")(inputs)
    h = MaxPooling2D(pool_size=2)(h)
    h = BatchNormalization()(h)
    h = Flatten()(h)
    h = Dropout(0.25)(h)
    model = Model(inputs, Dense(3, activation="softmax")(h))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def _image_data(n=24, seed=2):
    rng = np.random.RandomState(seed)
    return rng.rand(n, 8, 8, 1).astype("float32"), np.eye(3)[rng.randint(0, 3, n)]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


# -- round trips -------------------------------------------------------------------------------
def test_sequential_round_trip_keeps_predictions_evaluate_and_adam_state(tmp_path):
    x, y = _binary_data()
    model = _dense_model()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    path = str(tmp_path / "model.h5")
    model.save(path)
    before = (model.predict(x), model.evaluate(x, y, verbose=0), model.optimizer.get_weights())
    model.train_on_batch(x[:8], y[:8])                  # the original goes on one step
    stepped = model.get_weights()

    K.clear_session()                                   # a new graph and session
    loaded = load_model(path)
    assert isinstance(loaded, Sequential) and loaded.metrics_names == ["loss", "acc"]
    np.testing.assert_array_equal(loaded.predict(x), before[0])
    assert loaded.evaluate(x, y, verbose=0) == before[1]
    _same(loaded.optimizer.get_weights(), before[2])
    assert int(loaded.optimizer.get_weights()[0]) == 12   # Adam's iterations: 3 epochs x 4
    loaded.train_on_batch(x[:8], y[:8])                 # and the loaded copy the same step
    _same(loaded.get_weights(), stepped)


def test_functional_cnn_round_trip_with_batch_norm_and_dropout(tmp_path):
    x, y = _image_data()
    model = _cnn()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "cnn.h5"                          # a pathlib.Path works too
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is Model
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "InputLayer", "Conv2D", "MaxPooling2D", "BatchNormalization", "Flatten", "Dropout",
        "Dense"]
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    _same(loaded.get_weights(), model.get_weights())   # moving mean and variance included
    _same(loaded.optimizer.get_weights(), model.optimizer.get_weights())


@pytest.mark.parametrize("input_length", [10, None])
def test_embedding_lstm_round_trip(tmp_path, input_length):
    """Without input_length the model is built from the data (as the book's imdb program);
    the file then records the shape it was built for, and loading builds it again."""
    rng = np.random.RandomState(3)
    x, y = rng.randint(0, 50, size=(16, 10)), rng.randint(0, 2, size=16)
    model = Sequential([Embedding(50, 8, input_length=input_length), LSTM(6),
                        Dropout(0.5), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(str(tmp_path / "lstm.h5"))
    loaded = load_model(str(tmp_path / "lstm.h5"))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    _same(loaded.optimizer.get_weights(), model.optimizer.get_weights())


def test_save_weights_and_load_weights(tmp_path):
    x, y = _binary_data()
    model = _dense_model()
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(str(tmp_path / "w.h5"))
    other = _dense_model()
    assert not np.array_equal(other.predict(x), model.predict(x))
    other.load_weights(str(tmp_path / "w.h5"))
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    model.save(str(tmp_path / "full.h5"))              # a whole-model file gives weights too
    third = _dense_model()
    third.load_weights(str(tmp_path / "full.h5"))
    np.testing.assert_array_equal(third.predict(x), model.predict(x))
    with pytest.raises(ValueError, match="No model found in config file"):
        load_model(str(tmp_path / "w.h5"))


def test_load_weights_counts_layers_and_checks_shapes(tmp_path):
    _dense_model().save_weights(str(tmp_path / "w.h5"))
    three = Sequential([Dense(6, input_dim=4), Dense(3), Dense(1)])
    with pytest.raises(ValueError, match="containing 2 layers into a model with 3 layers"):
        three.load_weights(str(tmp_path / "w.h5"))
    wider = Sequential([Dense(7, input_dim=4), Dense(1)])
    with pytest.raises(ValueError, match=r"has shape \(4, 7\), but the saved weight has "
                                         r"shape \(4, 6\)"):
        wider.load_weights(str(tmp_path / "w.h5"))


def test_load_weights_by_name(tmp_path):
    x, _ = _binary_data()
    source = Sequential([Dense(6, input_dim=4, name="hidden"), Dense(1, name="out")])
    source.save_weights(str(tmp_path / "w.h5"))
    target = Sequential([Dense(6, input_dim=4, name="hidden"), Dense(2, name="extra"),
                         Dense(1, name="out_new")])
    old = target.get_weights()
    target.load_weights(str(tmp_path / "w.h5"), by_name=True)
    _same(target.layers[0].get_weights(), source.layers[0].get_weights())
    _same(target.layers[1:][0].get_weights() + target.layers[2].get_weights(), old[2:])

    narrow = Sequential([Dense(6, input_dim=4, name="hidden"), Dense(3, name="out")])
    with pytest.raises(ValueError, match='named "out"'):
        narrow.load_weights(str(tmp_path / "w.h5"), by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading of weights for layer out"):
        narrow.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    _same(narrow.layers[0].get_weights(), source.layers[0].get_weights())


# -- the file layout ------------------------------------------------------------------------------
def test_the_hdf5_layout_is_keras_2_2_4s(tmp_path):
    x, y = _binary_data()
    model = _dense_model()
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "model.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        for name in ("keras_version", "backend", "model_config", "training_config"):
            assert isinstance(f.attrs[name], np.bytes_), name  # fixed-length byte strings
        assert f.attrs["keras_version"] == b"2.2.4" and f.attrs["backend"] == b"tensorflow"
        config = json.loads(f.attrs["model_config"].decode("utf-8"))
        assert config["class_name"] == "Sequential"
        assert list(config["config"]) == ["name", "layers"]  # 2.2.4's (2.2.2's was a list)
        first = config["config"]["layers"][0]
        assert first["class_name"] == "Dense"
        assert first["config"]["batch_input_shape"] == [None, 4]
        assert first["config"]["kernel_initializer"]["class_name"] == "VarianceScaling"

        weights = f["model_weights"]
        assert sorted(weights.attrs) == ["backend", "keras_version", "layer_names"]
        assert list(weights.attrs["layer_names"]) == [b"dense_1", b"dense_2"]
        assert weights.attrs["layer_names"].dtype.kind == "S"
        assert list(weights["dense_1"].attrs["weight_names"]) == [b"dense_1/kernel:0",
                                                                  b"dense_1/bias:0"]
        np.testing.assert_array_equal(weights["dense_1/dense_1/kernel:0"][()],
                                      model.layers[0].get_weights()[0])
        assert weights["dense_2/dense_2/bias:0"].dtype == np.float32

        training = json.loads(f.attrs["training_config"].decode("utf-8"))
        assert list(training) == ["optimizer_config", "loss", "metrics", "sample_weight_mode",
                                  "loss_weights"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        assert training["optimizer_config"]["config"]["lr"] == pytest.approx(0.001)
        assert (training["loss"], training["metrics"]) == ("binary_crossentropy", ["accuracy"])
        names = [n.decode() for n in f["optimizer_weights"].attrs["weight_names"]]
        assert names[0] == "Adam/iterations:0" and len(names) == 1 + 3 * 4  # iterations, m, v, vhat
        assert f["optimizer_weights"][names[0]].shape == ()
        assert f["optimizer_weights"][names[0]].dtype == np.int64
    with h5py.File(str(tmp_path / "w.h5"), "w") as f:  # save_weights: the same, at the root
        saving.save_weights(model, f)
        assert list(f.attrs["layer_names"]) == [b"dense_1", b"dense_2"]
        assert "model_config" not in f.attrs and "dense_1/dense_1/kernel:0" in f


def test_functional_config_names_each_call_as_keras_does():
    inputs = Input(shape=(4,), name="x")
    shared = Dense(3, name="shared")
    out = Dense(1, name="out")(shared(shared(Dense(3, name="first")(inputs))))
    config = Model(inputs, out, name="net").get_config()
    assert [entry["name"] for entry in config["layers"]] == ["x", "first", "shared", "out"]
    assert config["layers"][0]["inbound_nodes"] == []
    assert config["layers"][1]["inbound_nodes"] == [[["x", 0, 0, {}]]]
    assert config["layers"][2]["inbound_nodes"] == [[["first", 0, 0, {}]],
                                                    [["shared", 0, 0, {}]]]
    assert config["layers"][3]["inbound_nodes"] == [[["shared", 1, 0, {}]]]
    assert (config["input_layers"], config["output_layers"]) == ([["x", 0, 0]], [["out", 0, 0]])
    rebuilt = Model.from_config(config)
    assert rebuilt.get_config() == config


def test_to_json_and_model_from_json_and_config():
    model = _dense_model()
    text = model.to_json()
    data = json.loads(text)
    assert (data["keras_version"], data["backend"]) == ("2.2.4", "tensorflow")
    again = model_from_json(text)
    assert [layer.get_config() for layer in again.layers] == \
        [layer.get_config() for layer in model.layers]
    legacy = {"class_name": "Sequential", "config": model.get_config()}  # Keras <= 2.2.2's list
    assert [type(layer) for layer in model_from_config(legacy).layers] == [Dense, Dense]
    nested_in = Input(shape=(4,))
    inner = _dense_model()
    nested = Model(nested_in, inner(nested_in))
    rebuilt = model_from_json(nested.to_json())
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["InputLayer", "Sequential"]
    # Keras counts a model's own node first: its first call elsewhere is node 1
    assert nested.get_config()["output_layers"] == [[inner.name, 1, 0]]
    assert rebuilt.get_config() == nested.get_config()


# -- errors and file handling -------------------------------------------------------------------
def _config_with(class_name):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": class_name, "config": {"name": "mine", "units": 2,
                                              "batch_input_shape": [None, 3]}}]}}


def test_unknown_layer_names_it_and_custom_objects_supplies_it():
    with pytest.raises(ValueError, match=r"Unknown layer: MyDense.*custom_objects"):
        model_from_config(_config_with("MyDense"))
    model = model_from_config(_config_with("MyDense"), custom_objects={"MyDense": Dense})
    assert type(model.layers[0]) is Dense


def test_a_lambda_layer_is_refused():
    with pytest.raises(ValueError, match="Lambda layer.*never runs code"):
        model_from_config(_config_with("Lambda"))


def test_later_keras_arguments_load_at_harmless_values_and_are_refused_otherwise():
    conv = {"class_name": "Conv2D", "config": {
        "name": "c", "filters": 2, "kernel_size": [3, 3], "groups": 1, "dtype": "float32",
        "batch_input_shape": [None, 5, 5, 1], "kernel_initializer": {
            "module": "keras.initializers", "class_name": "GlorotUniform",
            "config": {"seed": None}, "registered_name": None}}}
    model = model_from_config({"class_name": "Sequential", "config": {"layers": [conv]}})
    assert model.layers[0].kernel_size == (3, 3)
    conv["config"]["groups"] = 2
    with pytest.raises(ValueError, match=r"Conv2D does not support groups=2"):
        model_from_config({"class_name": "Sequential", "config": {"layers": [conv]}})
    conv["config"].update(groups=1, kernel_regularizer={"class_name": "L1L2",
                                                        "config": {"l2": 0.01}})
    with pytest.raises(ValueError, match=r"kernel_regularizer.*custom_objects"):
        model_from_config({"class_name": "Sequential", "config": {"layers": [conv]}})


def test_overwrite_false_and_missing_directory_are_clear_errors(tmp_path):
    model = _dense_model()
    path = str(tmp_path / "m.h5")
    model.save(path)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(path, overwrite=False)
    with pytest.raises(FileExistsError):
        model.save_weights(path, overwrite=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(str(tmp_path / "no" / "m.h5"))
    with pytest.raises(FileNotFoundError, match="No file or directory found"):
        load_model(str(tmp_path / "absent.h5"))
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(OSError, match="not an HDF5 file"):
        load_model(str(tmp_path / "text.h5"))


def test_an_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    model = _dense_model()
    path = tmp_path / "m.h5"
    model.save(str(path))
    old = path.read_bytes()

    def broken(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(saving, "_write_training", broken)
    with pytest.raises(KeyboardInterrupt):
        model.save(str(path))
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.h5"]            # no temporary file left behind


def test_a_saved_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        _dense_model().save(str(tmp_path / "m.h5"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "m.h5").st_mode) == 0o640


def test_without_optimizer_the_model_loads_uncompiled_with_a_warning(tmp_path):
    x, y = _binary_data()
    model = _dense_model()
    model.save(str(tmp_path / "m.h5"), include_optimizer=False)
    with pytest.warns(UserWarning, match="No training configuration found"):
        loaded = load_model(str(tmp_path / "m.h5"))
    assert loaded.optimizer is None
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_model(str(tmp_path / "m.h5"), compile=False).optimizer is None


# -- files of real Keras (tf_keras 2.21) ----------------------------------------------------------
@pytest.fixture(scope="module")
def expected():
    with np.load(os.path.join(DATA, "tf_keras_expected.npz")) as data:
        return dict(data)


def test_tf_keras_sequential_loads_predicts_evaluates_and_trains_on(expected):
    model = load_model(os.path.join(DATA, "tf_keras_sequential.h5"))
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    x, y = expected["seq_x"], expected["seq_y"]
    np.testing.assert_allclose(model.predict(x), expected["seq_pred"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected["seq_eval"], rtol=1e-5)
    state = model.optimizer.get_weights()          # tf_keras: iteration, then m, v per weight
    assert int(state[0]) == int(expected["seq_opt_0"]) == 3
    for i in range(4):
        np.testing.assert_array_equal(state[1 + i], expected[f"seq_opt_{1 + 2 * i}"])
        np.testing.assert_array_equal(state[5 + i], expected[f"seq_opt_{2 + 2 * i}"])
    model.train_on_batch(expected["seq_next_x"], expected["seq_next_y"])
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, expected[f"seq_next_w{i}"], rtol=1e-5, atol=1e-6)


def test_tf_keras_functional_cnn_loads(expected):
    model = load_model(os.path.join(DATA, "tf_keras_functional.h5"))
    assert type(model) is Model and model.name == "small_cnn"
    assert [layer.name for layer in model.layers] == ["image", "conv", "pool", "norm", "flat",
                                                     "drop", "probs"]
    x, y = expected["fun_x"], expected["fun_y"]
    np.testing.assert_allclose(model.predict(x), expected["fun_pred"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected["fun_eval"], rtol=1e-5)
    assert type(model.optimizer).__name__ == "SGD"
    assert float(K.get_value(model.optimizer.momentum)) == pytest.approx(0.9)
    _same(model.optimizer.get_weights(), [expected[f"fun_opt_{i}"] for i in range(7)])


def test_tf_keras_embedding_lstm_loads(expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # its RMSprop state loads without a warning
        model = load_model(os.path.join(DATA, "tf_keras_lstm.h5"))
    x, y = expected["lstm_x"], expected["lstm_y"]
    np.testing.assert_allclose(model.predict(x), expected["lstm_pred"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected["lstm_eval"],
                               rtol=1e-5)


def test_tf_keras_weights_load_into_a_model_built_here(expected):
    with h5py.File(os.path.join(DATA, "tf_keras_sequential.h5"), "r") as f:
        model = Sequential([Dense(8, input_dim=4, activation="relu"),
                            Dense(1, activation="sigmoid")])
        model.load_weights(f)                       # an open h5py file works too
    np.testing.assert_allclose(model.predict(expected["seq_x"]), expected["seq_pred"],
                               rtol=1e-5, atol=1e-6)


# -- ModelCheckpoint, end to end -----------------------------------------------------------------
def test_model_checkpoint_saves_models_that_load_and_weights_that_load(tmp_path):
    x, y = _binary_data(64)
    model = _dense_model()
    best = ModelCheckpoint(str(tmp_path / "{epoch:02d}-{val_loss:.4f}.hdf5"),
                           monitor="val_loss", save_best_only=True)
    last = ModelCheckpoint(str(tmp_path / "last.h5"))
    weights = ModelCheckpoint(str(tmp_path / "weights.h5"), save_weights_only=True)
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
              callbacks=[best, last, weights])
    saved = sorted(p for p in os.listdir(tmp_path) if p.endswith(".hdf5"))
    assert saved and saved[0].startswith("01-")
    loaded = load_model(str(tmp_path / "last.h5"))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    _same(loaded.optimizer.get_weights(), model.optimizer.get_weights())
    fresh = _dense_model()
    fresh.load_weights(str(tmp_path / "weights.h5"))
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))
    first = load_model(str(tmp_path / saved[0]))
    assert int(first.optimizer.get_weights()[0]) == 3      # saved after epoch 1 (48 / 16)
