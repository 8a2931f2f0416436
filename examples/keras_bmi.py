"""The BMI classifier the Keras way: a Sequential model of Dense layers, compiled with
RMSprop, trained with `fit` until the validation loss stops improving, then evaluated.

The same data as examples/bmi.py (the Session way): height and weight scaled to about
[0, 1], three classes one-hot. Runs as a Keras program (`from keras...`) under
`flowgraph run`, or as here with `flowgraph.keras` imported directly.

    flowgraph run examples/keras_bmi.py [--epochs 20]
"""
import argparse
import os

import numpy as np
import pandas as pd

import flowgraph as tf
from flowgraph.keras.callbacks import EarlyStopping
from flowgraph.keras.layers import Dense, Dropout
from flowgraph.keras.models import Sequential
from flowgraph.keras.utils import to_categorical

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = ["thin", "normal", "fat"]


def load(path):
    table = pd.read_csv(path)
    x = np.column_stack([table["weight"] / 100, table["height"] / 200])
    y = to_categorical(table["label"].map(CLASSES.index), num_classes=3)
    return x, y


def build():
    model = Sequential()
    model.add(Dense(64, input_dim=2, activation="relu"))
    model.add(Dropout(0.1))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    np.random.seed(3)
    tf.set_random_seed(3)
    x, y = load(os.path.join(HERE, "data", "bmi.csv"))
    model = build()
    model.summary()
    model.fit(x[:15000], y[:15000], batch_size=100, epochs=args.epochs, verbose=2,
              validation_split=0.1, callbacks=[EarlyStopping(monitor="val_loss", patience=2)])
    loss, accuracy = model.evaluate(x[15000:], y[15000:], verbose=0)
    print(f"test loss = {loss:.4f}, test accuracy = {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
