"""Keras programs as learners have them, run unchanged under `flowgraph run`: the old
`keras.*` import paths, `tensorflow.keras`, and what the programs print."""
import os
import subprocess
import sys
import textwrap

import numpy as np

from test_cli import ROOT, script

PIMA_LIKE = """\
from keras.models import Sequential
from keras.layers.core import Dense
from keras.layers import Dropout
from keras.callbacks import EarlyStopping, ModelCheckpoint
from keras.utils import np_utils
from keras.utils.np_utils import to_categorical
from keras.preprocessing.sequence import pad_sequences
import keras.backend as K
import numpy
import tensorflow as tf
from tensorflow.keras import layers

seed = 0
numpy.random.seed(seed)
tf.set_random_seed(seed)
dataset = numpy.loadtxt("data.csv", delimiter=",")
X, Y = dataset[:, 0:8], dataset[:, 8]
model = Sequential()
model.add(Dense(12, input_dim=8, activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
history = model.fit(X, Y, epochs=3, batch_size=10, verbose=2)
print("\\n Accuracy: %.4f" % (model.evaluate(X, Y, verbose=0)[1]))
print(layers.Dense is Dense, tf.keras.layers.Dense is Dense, K.epsilon(),
      to_categorical([1, 0]).tolist(), len(history.history['acc']))
"""


def _pima_data(folder):
    rng = np.random.RandomState(4)
    x = rng.rand(60, 8) * 5
    y = (x[:, 0] + x[:, 4] > 5).astype(float)
    np.savetxt(folder / "data.csv", np.column_stack([x, y]), delimiter=",", fmt="%.3f")


def _run(folder, prog):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]))
    return subprocess.run([sys.executable, "-m", "flowgraph.cli", "run", "--no-log", prog],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_a_book_style_keras_program_runs_unchanged(tmp_path):
    _pima_data(tmp_path)
    result = _run(tmp_path, script(tmp_path, PIMA_LIKE))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Epoch 1/3"
    assert lines[1].startswith(" - 0s - loss: ") and " - acc: " in lines[1]
    assert lines[-2].startswith(" Accuracy: 0.") and len(lines[-2]) == len(" Accuracy: 0.0000")
    assert lines[-1] == "True True 1e-07 [[0.0, 1.0], [1.0, 0.0]] 3"


def test_keras_aliases_are_gone_after_the_script(tmp_path):
    from flowgraph.script import run_script
    prog = script(tmp_path, "import keras\nfrom keras.models import Sequential\n")
    assert run_script(prog) == 0
    assert not [n for n in sys.modules if n == "keras" or n.startswith("keras.")]


def test_child_processes_import_keras_too(tmp_path):
    prog = script(tmp_path, textwrap.dedent("""\
        import subprocess, sys
        out = subprocess.run([sys.executable, "-c",
                              "from keras.layers import Dense; print(Dense.__module__)"],
                             capture_output=True, text=True)
        print(out.stdout.strip() or out.stderr)
        """))
    result = _run(tmp_path, prog)
    assert result.stdout.strip() == "flowgraph.keras.layers.core", result.stderr


def test_read_csv_delim_whitespace_works_again_while_a_script_runs(tmp_path, capsys):
    import pandas as pd
    from flowgraph.script import run_script
    (tmp_path / "housing.csv").write_text(" 0.1  18.0   2.3\n 0.2  0.0    7.0\n")
    prog = script(tmp_path, textwrap.dedent("""\
        import pandas as pd
        df = pd.read_csv("housing.csv", delim_whitespace=True, header=None)
        print(df.shape, df.iloc[1, 2])
        """))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert run_script(prog) == 0
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out == "(2, 3) 7.0\n"
    assert not hasattr(pd.read_csv, "__wrapped__")  # pandas is itself again after the script


def test_k_fold_style_models_in_one_process_train_independently():
    # the book's K-fold program builds and trains a new model per fold in one process
    import flowgraph as tf
    from flowgraph.keras.layers import Dense
    from flowgraph.keras.models import Sequential
    np.random.seed(0)
    tf.set_random_seed(0)
    rng = np.random.RandomState(2)
    x = rng.rand(40, 6)
    y = (x[:, 0] > 0.5).astype(float)
    names, scores = [], []
    for fold in range(3):
        model = Sequential()
        model.add(Dense(8, input_dim=6, activation="relu"))
        model.add(Dense(1, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.fit(x[fold:], y[fold:], epochs=2, batch_size=5, verbose=0)
        names.append(model.layers[0].name)
        scores.append(model.evaluate(x, y, verbose=0)[1])
    assert len(set(names)) == 3  # new layers (and weights) per fold: dense_1, dense_3, dense_5
    assert all(0.0 <= s <= 1.0 for s in scores)
