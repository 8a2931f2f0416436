"""Makes the model files of real Keras that tests/test_keras_saving.py loads.

Needs TensorFlow and tf_keras (Keras 2's API; `pip install tensorflow tf_keras h5py`), which
flowgraph's tests never import: run it by hand, from any directory, when the fixtures should
change, and commit what it writes next to it:

    python tests/data/keras/make_fixtures.py

It writes, each small (well under 50 KB):
- tf_keras_sequential.h5: Sequential Dense(8, relu) -> Dense(1, sigmoid), compiled with
  loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"], trained 3 steps (so the
  file holds Adam's iteration count and its m and v slots);
- tf_keras_functional.h5: a functional model Input(8, 8, 1) -> Conv2D -> MaxPooling2D ->
  BatchNormalization -> Flatten -> Dropout -> Dense(3, softmax), compiled with SGD(momentum)
  and categorical_crossentropy, trained 2 steps;
- tf_keras_lstm.h5: Sequential Embedding(20, 4, input_length=6) -> LSTM(5) -> Dense(1),
  compiled with "mse" and RMSprop (tf.keras's legacy one), untrained;
- tf_keras_expected.npz: for each file (prefix seq_, fun_, lstm_) the inputs `x`, targets
  `y`, real Keras's `pred` (predict) and `eval` (evaluate: loss, metrics), and its optimizer
  state `opt_<i>` in tf.keras's own order; for the sequential model also `next_x`, `next_y`
  and the weights `next_w<i>` after one more train_on_batch, which tells whether training
  goes on where it stopped.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
L = keras.layers


def _optimizer_state(model):
    opt = model.optimizer
    variables = opt.variables() if callable(opt.variables) else opt.weights
    return {f"opt_{i}": np.asarray(v.numpy()) for i, v in enumerate(variables)}


def sequential(rng):
    model = keras.Sequential([L.Dense(8, input_dim=4, activation="relu"),
                              L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    x = rng.rand(24, 4).astype("float32")
    y = (x.sum(axis=1) > 2.0).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(os.path.join(HERE, "tf_keras_sequential.h5"))
    out = {"x": x, "y": y, "pred": model.predict(x, verbose=0),
           "eval": np.asarray(model.evaluate(x, y, verbose=0)), **_optimizer_state(model)}
    next_x, next_y = x[:8] * 0.5 + 0.25, y[:8]
    model.train_on_batch(next_x, next_y)
    out.update(next_x=next_x, next_y=next_y,
               **{f"next_w{i}": w for i, w in enumerate(model.get_weights())})
    return out


def functional(rng):
    inputs = keras.Input(shape=(8, 8, 1), name="image")
    h = L.Conv2D(3, (3, 3), activation="relu", name="conv")(inputs)
    h = L.MaxPooling2D(pool_size=2, name="pool")(h)
    h = L.BatchNormalization(name="norm")(h)
    h = L.Flatten(name="flat")(h)
    h = L.Dropout(0.25, name="drop")(h)
    outputs = L.Dense(3, activation="softmax", name="probs")(h)
    model = keras.Model(inputs, outputs, name="small_cnn")
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"],
                  optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))
    x = rng.rand(16, 8, 8, 1).astype("float32")
    y = np.eye(3, dtype="float32")[rng.randint(0, 3, 16)]
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(os.path.join(HERE, "tf_keras_functional.h5"))
    return {"x": x, "y": y, "pred": model.predict(x, verbose=0),
            "eval": np.asarray(model.evaluate(x, y, verbose=0)), **_optimizer_state(model)}


def lstm(rng):
    model = keras.Sequential([L.Embedding(20, 4, input_length=6), L.LSTM(5), L.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.legacy.RMSprop())
    x = rng.randint(0, 20, size=(10, 6)).astype("float32")
    y = rng.rand(10, 1).astype("float32")
    model.save(os.path.join(HERE, "tf_keras_lstm.h5"))
    return {"x": x, "y": y, "pred": model.predict(x, verbose=0),
            "eval": np.asarray(model.evaluate(x, y, verbose=0))}


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    arrays = {}
    for prefix, make in (("seq", sequential), ("fun", functional), ("lstm", lstm)):
        arrays.update({f"{prefix}_{k}": v for k, v in make(rng).items()})
    np.savez_compressed(os.path.join(HERE, "tf_keras_expected.npz"), **arrays)
    print(f"tf_keras {keras.__version__}: wrote the fixtures to {HERE}")


if __name__ == "__main__":
    main()
