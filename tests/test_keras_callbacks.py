"""flowgraph.keras's callbacks and progress bar behave and print as Keras 2.2.4's did, driven by
a small fake model and a loop that calls them as Keras 2.2.4's `fit_loop` does. Expected
output is written out by hand from Keras 2.2.4's code, with the bar's clock fixed."""
import json
import sys
import warnings

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import backend as K
from flowgraph.keras import callbacks as cbks
from flowgraph.keras.utils import generic_utils
from flowgraph.keras.utils.generic_utils import Progbar


# -- a fake model and a fit-like loop ----------------------------------------------------------
class FakeOptimizer:
    def __init__(self, lr):
        self.lr = K.variable(lr, name="lr")


class FakeLayer:
    def __init__(self, name):
        self.name = name


class FakeModel:
    """The model interface callbacks use: stop_training, save, save_weights, get/set_weights,
    optimizer.lr, graph, layers. Saves write a small file and are recorded."""

    def __init__(self, lr=0.1):
        self.graph = tf.get_default_graph()
        with self.graph.as_default():
            x = tf.placeholder(tf.float32, [None, 2], name="x")
            tf.identity(x * 2.0, name="y")
            self.optimizer = FakeOptimizer(lr)
        self.layers = [FakeLayer("dense_1")]
        self.stop_training = False
        self.weights = [np.zeros(2, np.float32)]
        self.saved = []   # (kind, filepath)

    def save(self, filepath, overwrite=True):
        self._write("model", filepath)

    def save_weights(self, filepath, overwrite=True):
        self._write("weights", filepath)

    def _write(self, kind, filepath):
        with open(filepath, "w") as f:
            f.write(kind)
        self.saved.append((kind, str(filepath)))

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def fit_like(model, callbacks, epochs, batches, val=None, verbose=0, metrics=("loss", "acc")):
    """Call `callbacks` as Keras 2.2.4's fit_loop does. `batches`: per epoch, a list of batch
    logs (dicts with 'size' and the metric values), or one list used for every epoch;
    `val`: per epoch, a dict of val_ values. Each epoch sets the model's weights to [epoch].
    Returns (History, epochs run)."""
    history = cbks.History()
    chain = [cbks.BaseLogger()] + ([cbks.ProgbarLogger()] if verbose else [])
    callbacks = cbks.CallbackList(chain + list(callbacks) + [history])
    names = list(metrics) + (["val_" + m for m in metrics] if val else [])
    per_epoch = batches if isinstance(batches[0], list) else [batches] * epochs
    callbacks.set_model(model)
    callbacks.set_params({"batch_size": per_epoch[0][0]["size"], "epochs": epochs,
                          "steps": None, "samples": sum(b["size"] for b in per_epoch[0]),
                          "verbose": verbose, "do_validation": bool(val), "metrics": names})
    callbacks.on_train_begin()
    model.stop_training = False
    ran = 0
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        epoch_logs = {}
        for index, batch in enumerate(per_epoch[epoch]):
            callbacks.on_batch_begin(index, {"batch": index, "size": batch["size"]})
            model.weights = [np.full(2, epoch, np.float32)]
            callbacks.on_batch_end(index, dict(batch, batch=index))
            if model.stop_training:
                break
        if val:
            epoch_logs.update(val[epoch])
        callbacks.on_epoch_end(epoch, epoch_logs)
        ran += 1
        if model.stop_training:
            break
    callbacks.on_train_end()
    return history, ran


def one_batch(**values):
    return [dict(size=10, **values)]


@pytest.fixture
def clock(monkeypatch):
    """Fix the progress bar's clock: `clock(t0, t1, ...)` makes it read those times in turn."""
    def set_times(*times):
        it = iter(times)
        monkeypatch.setattr(generic_utils, "_clock", lambda: next(it))
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    return set_times


class TtyOut:
    """A stdout that says it is a terminal and keeps what is written."""

    def __init__(self):
        self.parts = []

    def isatty(self):
        return True

    def write(self, s):
        self.parts.append(s)

    def flush(self):
        pass


# -- Progbar ------------------------------------------------------------------------------------
def test_progbar_piped_output_byte_for_byte(capsys, clock):
    clock(1000.0, 1000.01, 1000.03, 1000.0917)
    bar = Progbar(target=470)
    bar.update(100, [("loss", 0.7), ("acc", 0.2), ("mae", 0.0002)])
    bar.update(200, [("loss", 0.4), ("acc", 0.5), ("mae", 0.0002)])   # within 0.05 s: not drawn
    bar.update(470, [("loss", 0.1), ("acc", 0.8), ("mae", 0.0002)])
    # weighted: loss (0.7*100 + 0.4*100 + 0.1*270) / 470 = 0.29149; acc 286/470 = 0.60851
    assert capsys.readouterr().out == (
        "\n100/470 [=====>........................] - ETA: 0s"
        " - loss: 0.7000 - acc: 0.2000 - mae: 2.0000e-04"
        "\n470/470 [==============================] - 0s 195us/step"
        " - loss: 0.2915 - acc: 0.6085 - mae: 2.0000e-04\n")


def test_progbar_eta_formats_and_add(capsys, clock):
    clock(0.0, 100.0, 200.0, 4000.0, 4000.5)
    bar = Progbar(target=1000)
    bar.update(1)            # 100 s per unit: ETA 99900 s
    bar.add(199)             # 1 s per unit: ETA 800 s
    bar.add(600)             # 5 s per unit: ETA 1000 s
    bar.add(200)             # done: 4.0005 s per unit
    lines = capsys.readouterr().out.split("\n")
    assert lines[0] == ""
    assert lines[1].endswith("] - ETA: 27:45:00")
    assert lines[2].endswith("] - ETA: 13:20   ")    # padded to the longer line before
    assert lines[3].endswith("] - ETA: 16:40")
    assert lines[4] == "1000/1000 [==============================] - 4000s 4s/step"
    assert lines[5] == ""
    assert lines[1].startswith("   1/1000 [")


@pytest.mark.parametrize("target, shown", [(30, "43s"), (61, "1:30"), (2500, "1:02:28")])
def test_progbar_eta_minutes_and_seconds(capsys, clock, target, shown):
    clock(1000.0, 1001.5)
    Progbar(target=target).update(1)   # 1.5 s per unit; ETA 43.5, 90, 3748.5 s (truncated)
    assert capsys.readouterr().out.split(" - ETA: ")[1] == shown


def test_progbar_negative_values_use_their_size(capsys, clock):
    clock(1000.0, 1001.0)
    Progbar(target=2).update(2, [("loss", -0.25), ("tiny", -0.0002)])
    assert capsys.readouterr().out.endswith(" - loss: -0.2500 - tiny: -2.0000e-04\n")


def test_progbar_terminal_redraws_and_pads_a_shorter_line(monkeypatch, clock):
    out = TtyOut()
    monkeypatch.setattr(sys, "stdout", out)
    clock(1000.0, 1000.01, 1000.023)
    bar = Progbar(target=10)
    bar.update(5, [("x", -0.0001)])
    bar.update(10, [("x", 1.0001)])        # (-0.0005 + 5.0005) / 10 = 0.5
    line1 = " 5/10 [" + "=" * 14 + ">" + "." * 15 + "] - ETA: 0s - x: -1.0000e-04"
    line2 = "10/10 [" + "=" * 30 + "] - 0s 2ms/step - x: 0.5000"
    assert len(line1) == len(line2) + 1
    assert "".join(out.parts) == "\r" + line1 + "\b" * len(line1) + "\r" + line2 + " " + "\n"


def test_progbar_verbose_2_prints_one_line_at_the_end(capsys, clock):
    clock(0.0, 0.5, 2.6)
    bar = Progbar(target=10, verbose=2)
    bar.update(5, [("loss", 0.25), ("delta", -0.5)])
    assert capsys.readouterr().out == ""
    bar.update(10, [("loss", 0.75), ("delta", -0.5)])
    # Keras 2.2.4's verbose=2 tests avg > 1e-3 without abs: negative values print %.4e
    assert capsys.readouterr().out == " - 3s - loss: 0.5000 - delta: -5.0000e-01\n"


def test_progbar_stateful_metrics_show_the_last_value(capsys, clock):
    clock(1000.0, 1000.1, 1000.2)
    bar = Progbar(target=4, stateful_metrics=["count"])
    bar.update(2, [("count", 7.0)])
    bar.update(4, [("count", 3.0)])
    assert capsys.readouterr().out.endswith(" - count: 3.0000\n")


def test_progbar_verbose_0_is_silent(capsys, clock):
    clock(0.0, 0.1)
    Progbar(target=4, verbose=0).update(4, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


# -- BaseLogger, ProgbarLogger, History ---------------------------------------------------------
BATCHES = [dict(size=10, loss=0.9, acc=0.5), dict(size=10, loss=0.6, acc=0.7),
           dict(size=5, loss=0.3, acc=1.0)]
VAL = [dict(val_loss=0.55, val_acc=0.72), dict(val_loss=0.45, val_acc=0.8)]


def test_base_logger_weights_batches_by_size():
    logs = []
    watch = cbks.LambdaCallback(on_epoch_end=lambda epoch, l: logs.append(dict(l)))
    fit_like(FakeModel(), [watch], epochs=1, batches=BATCHES)
    assert logs[0]["loss"] == pytest.approx((9 + 6 + 1.5) / 25)      # not the plain mean 0.6
    assert logs[0]["acc"] == pytest.approx((5 + 7 + 5) / 25)
    assert set(logs[0]) == {"loss", "acc"}


def test_base_logger_stateful_metrics_and_only_params_metrics():
    logger = cbks.BaseLogger(stateful_metrics=["count"])
    logger.set_params({"metrics": ["loss", "count"]})
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"size": 4, "loss": 1.0, "count": 4, "other": 9.0})
    logger.on_batch_end(1, {"size": 2, "loss": 4.0, "count": 6, "other": 9.0})
    logs = {}
    logger.on_epoch_end(0, logs)
    assert logs == {"loss": 2.0, "count": 6}


def test_progbar_logger_prints_the_epochs_with_validation(capsys, clock):
    clock(1000.0, 1000.1, 1000.2, 1000.3, 2000.0, 2000.1, 2000.2, 2000.3)
    fit_like(FakeModel(), [], epochs=2, batches=BATCHES, val=VAL, verbose=1)
    epoch_tail = (" - 0s 12ms/step - loss: 0.6600 - acc: 0.6800 - val_loss: %s - val_acc: %s\n")
    running = ("\n10/25 [" + "=" * 11 + ">" + "." * 18 + "] - ETA: 0s - loss: 0.9000 - acc: 0.5000"
               "\n20/25 [" + "=" * 23 + ">" + "." * 6 + "] - ETA: 0s - loss: 0.7500 - acc: 0.6000"
               "\n25/25 [" + "=" * 30 + "]")
    assert capsys.readouterr().out == (
        "Epoch 1/2\n" + running + epoch_tail % ("0.5500", "0.7200")
        + "Epoch 2/2\n" + running + epoch_tail % ("0.4500", "0.8000"))


def test_progbar_logger_verbose_2(capsys, clock):
    clock(0.0, 0.1, 0.2, 0.4)
    fit_like(FakeModel(), [], epochs=1, batches=BATCHES, val=VAL[:1], verbose=2)
    assert capsys.readouterr().out == (
        "Epoch 1/1\n - 0s - loss: 0.6600 - acc: 0.6800 - val_loss: 0.5500 - val_acc: 0.7200\n")


def test_progbar_logger_rejects_an_unknown_count_mode():
    with pytest.raises(ValueError, match="count_mode"):
        cbks.ProgbarLogger("batches")


def test_history_answers_both_accuracy_spellings():
    batches = [dict(size=10, loss=np.float32(0.5), acc=np.float32(0.25))]
    history, _ = fit_like(FakeModel(), [], epochs=2, batches=batches, val=VAL)
    h = history.history
    assert history.epoch == [0, 1]
    assert h["acc"] == [0.25, 0.25] and h["accuracy"] is h["acc"]
    assert h["val_accuracy"] is h["val_acc"] and h["val_accuracy"] == [0.72, 0.8]
    assert all(type(v) is float for values in h.values() for v in values)
    assert "accuracy" in h and "val_accuracy" in h and h.get("accuracy") is h["acc"]
    assert sorted(h) == sorted(h.keys()) == ["acc", "loss", "val_acc", "val_loss"]
    assert len(h) == 4
    assert sorted(json.loads(json.dumps(h))) == ["acc", "loss", "val_acc", "val_loss"]
    with pytest.raises(KeyError):
        h["mae"]
    assert "mae" not in h and h.get("mae", 1) == 1


def test_history_answers_acc_when_logs_say_accuracy():
    history, _ = fit_like(FakeModel(), [], epochs=1, metrics=("loss", "accuracy"),
                          batches=one_batch(loss=0.5, accuracy=0.75),
                          val=[dict(val_loss=0.4, val_accuracy=0.7)])
    h = history.history
    assert h["acc"] == [0.75] and h["val_acc"] == [0.7]
    assert sorted(h) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_history_dict_writes_through_the_other_spelling():
    h = cbks.HistoryDict(acc=[1.0])
    h["accuracy"] = [2.0]
    assert dict(h) == {"acc": [2.0]}
    del h["accuracy"]
    assert h == {}


def test_history_restarts_with_each_fit():
    model, history = FakeModel(), cbks.History()
    for _ in range(2):
        history.set_model(model)
        history.on_train_begin()
        history.on_epoch_end(0, {"loss": 1.0})
    assert history.history == {"loss": [1.0]} and history.epoch == [0]


# -- ModelCheckpoint ----------------------------------------------------------------------------
def test_model_checkpoint_save_best_only_names_and_messages(tmp_path, capsys):
    model = FakeModel()
    path = str(tmp_path / "{epoch:02d}-{val_loss:.4f}.hdf5")
    check = cbks.ModelCheckpoint(path, monitor="val_loss", verbose=1, save_best_only=True)
    losses = [0.5, 0.4, 0.4, 0.45, 0.271683]
    fit_like(model, [check], epochs=5, batches=one_batch(loss=1.0, acc=0.5),
             val=[dict(val_loss=v, val_acc=0.5) for v in losses])
    names = ["01-0.5000.hdf5", "02-0.4000.hdf5", "05-0.2717.hdf5"]
    assert model.saved == [("model", str(tmp_path / n)) for n in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    assert capsys.readouterr().out == (
        "\nEpoch 00001: val_loss improved from inf to 0.50000, saving model to %s\n"
        "\nEpoch 00002: val_loss improved from 0.50000 to 0.40000, saving model to %s\n"
        "\nEpoch 00003: val_loss did not improve from 0.40000\n"
        "\nEpoch 00004: val_loss did not improve from 0.40000\n"
        "\nEpoch 00005: val_loss improved from 0.40000 to 0.27168, saving model to %s\n"
        % tuple(str(tmp_path / n) for n in names))


def test_model_checkpoint_auto_mode_maximises_accuracy_names(tmp_path, capsys):
    for monitor in ("val_acc", "val_accuracy", "fmeasure_x"):
        model = FakeModel()
        check = cbks.ModelCheckpoint(str(tmp_path / "w{epoch}.h5"), monitor=monitor,
                                     save_best_only=True, save_weights_only=True)
        fit_like(model, [check], epochs=4, batches=one_batch(loss=1.0, acc=0.5),
                 val=[{"val_loss": 1.0, monitor: v} for v in (0.5, 0.7, 0.6, 0.8)])
        assert model.saved == [("weights", str(tmp_path / f"w{e}.h5")) for e in (1, 2, 4)]
    assert capsys.readouterr().out == ""   # verbose=0


def test_model_checkpoint_every_period_epochs(tmp_path, capsys):
    model = FakeModel()
    check = cbks.ModelCheckpoint(str(tmp_path / "m{epoch:03d}-{loss:.2f}.h5"), verbose=1,
                                 period=2)
    fit_like(model, [check], epochs=5, batches=one_batch(loss=0.25, acc=0.5))
    files = [str(tmp_path / "m002-0.25.h5"), str(tmp_path / "m004-0.25.h5")]
    assert model.saved == [("model", f) for f in files]
    assert capsys.readouterr().out == "".join(
        "\nEpoch %05d: saving model to %s\n" % (e, f) for e, f in zip((2, 4), files))


def test_model_checkpoint_missing_monitor_warns_and_missing_name_raises(tmp_path):
    model = FakeModel()
    check = cbks.ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True)
    with pytest.warns(RuntimeWarning, match="Can save best model only with val_loss "
                                            "available, skipping."):
        fit_like(model, [check], epochs=1, batches=one_batch(loss=0.25, acc=0.5))
    assert model.saved == []
    typo = cbks.ModelCheckpoint(str(tmp_path / "{epoch:02d}-{valloss:.4f}.hdf5"))
    with pytest.raises(KeyError, match="valloss"):
        fit_like(model, [typo], epochs=1, batches=one_batch(loss=0.25, acc=0.5),
                 val=[dict(val_loss=0.3, val_acc=0.5)])


def test_model_checkpoint_epoch_100_has_three_digits(tmp_path):
    model = FakeModel()
    check = cbks.ModelCheckpoint(str(tmp_path / "{epoch:02d}.h5"))
    check.set_model(model)
    check.on_epoch_end(99, {})
    assert model.saved == [("model", str(tmp_path / "100.h5"))]


# -- EarlyStopping ------------------------------------------------------------------------------
def early_stop_run(stopper, values, monitor="val_loss", **fit_args):
    """Fit until the stopper stops (at most len(values) epochs); returns the epochs run."""
    model = FakeModel()
    val = [{"val_loss": 1.0, "val_acc": 0.5, monitor: v} for v in values]
    _, ran = fit_like(model, [stopper], epochs=len(values),
                      batches=one_batch(loss=1.0, acc=0.5), val=val, **fit_args)
    return ran, model


def test_early_stopping_stops_patience_epochs_after_the_last_improvement(capsys):
    stopper = cbks.EarlyStopping(monitor="val_loss", patience=2, verbose=1)
    # epoch (1-based): 1 best, 2 best, 3 tie (no improvement), 4 worse -> stop after epoch 4
    ran, _ = early_stop_run(stopper, [1.0, 0.9, 0.9, 0.95, 0.1, 0.1])
    assert ran == 2 + 2
    assert (stopper.stopped_epoch, stopper.wait, stopper.best) == (3, 2, 0.9)
    assert capsys.readouterr().out == "Epoch 00004: early stopping\n"


def test_early_stopping_epoch_by_epoch_state():
    stopper = cbks.EarlyStopping(patience=3)
    stopper.set_model(FakeModel())
    stopper.on_train_begin()
    seen = []
    for epoch, v in enumerate([0.5, 0.6, 0.4, 0.4, 0.45, 0.41]):
        stopper.on_epoch_end(epoch, {"val_loss": v})
        seen.append((stopper.wait, stopper.best, stopper.model.stop_training))
    assert seen == [(0, 0.5, False), (1, 0.5, False), (0, 0.4, False), (1, 0.4, False),
                    (2, 0.4, False), (3, 0.4, True)]
    assert stopper.stopped_epoch == 5


def test_early_stopping_patience_0_and_silence_by_default(capsys):
    stopper = cbks.EarlyStopping(patience=0)
    ran, _ = early_stop_run(stopper, [0.5, 0.4, 0.41, 0.3])
    assert ran == 3 and stopper.stopped_epoch == 2
    assert capsys.readouterr().out == ""


def test_early_stopping_min_delta():
    stopper = cbks.EarlyStopping(min_delta=0.05, patience=2)
    # 0.96 is only 0.04 better than 1.0: no; 0.94 is: yes; then 0.90 and 0.93 are not
    ran, _ = early_stop_run(stopper, [1.0, 0.96, 0.94, 0.90, 0.93, 0.1])
    assert ran == 5 and stopper.best == 0.94


def test_early_stopping_baseline_and_max_mode(capsys):
    stopper = cbks.EarlyStopping(monitor="val_acc", baseline=0.8, patience=2, verbose=1)
    ran, _ = early_stop_run(stopper, [0.5, 0.6, 0.9], monitor="val_acc")
    assert ran == 2 and stopper.best == 0.8 and stopper.stopped_epoch == 1
    assert capsys.readouterr().out == "Epoch 00002: early stopping\n"
    maxer = cbks.EarlyStopping(monitor="val_accuracy", patience=1)
    ran, _ = early_stop_run(maxer, [0.5, 0.6, 0.55, 0.9], monitor="val_accuracy")
    assert ran == 3 and maxer.best == 0.6


def test_early_stopping_restore_best_weights(capsys):
    stopper = cbks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    ran, model = early_stop_run(stopper, [1.0, 0.5, 0.7, 0.8, 0.1])
    assert ran == 4
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])   # epoch index 1's weights
    assert capsys.readouterr().out == ("Restoring model weights from the end of the best "
                                       "epoch\nEpoch 00004: early stopping\n")
    keep = cbks.EarlyStopping(patience=2)
    ran, model = early_stop_run(keep, [1.0, 0.5, 0.7, 0.8, 0.1])
    np.testing.assert_array_equal(model.weights[0], [3.0, 3.0])   # the last epoch's


def test_early_stopping_is_reset_by_each_fit_and_warns_on_a_missing_monitor():
    stopper = cbks.EarlyStopping(patience=1)
    early_stop_run(stopper, [0.5, 0.6, 0.1])
    ran, _ = early_stop_run(stopper, [0.9, 0.8, 0.7])
    assert ran == 3 and stopper.stopped_epoch == 0 and stopper.best == 0.7
    missing = cbks.EarlyStopping(monitor="val_mae", patience=0)
    with pytest.warns(RuntimeWarning, match="Early stopping conditioned on metric `val_mae` "
                                            "which is not available. Available metrics are: "
                                            "val_loss,val_acc,loss,acc"):
        ran, _ = early_stop_run(missing, [0.5, 0.6])
    assert ran == 2


# -- learning rate ------------------------------------------------------------------------------
def lr_of(model):
    return float(K.get_value(model.optimizer.lr))


def test_reduce_lr_on_plateau_patience_cooldown_and_min_lr(capsys):
    model = FakeModel(lr=0.1)
    reducer = cbks.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.02,
                                     verbose=1)
    history, _ = fit_like(model, [reducer], epochs=10, batches=one_batch(loss=1.0, acc=0.5),
                          val=[dict(val_loss=1.0, val_acc=0.5)] * 10)
    # lr logged at each epoch's end, before that epoch's reduction: reductions at epochs 3,
    # 5, 7 (1-based); the cooldown epoch is counted again once its counter reaches 0
    np.testing.assert_allclose(history.history["lr"],
                               [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02],
                               rtol=1e-6)
    assert lr_of(model) == pytest.approx(0.02)
    assert capsys.readouterr().out == (
        "\nEpoch 00003: ReduceLROnPlateau reducing learning rate to 0.05000000074505806.\n"
        "\nEpoch 00005: ReduceLROnPlateau reducing learning rate to 0.02500000037252903.\n"
        "\nEpoch 00007: ReduceLROnPlateau reducing learning rate to 0.02.\n")


def test_reduce_lr_on_plateau_cooldown_skips_counting():
    model = FakeModel(lr=1.0)
    reducer = cbks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)
    lrs = []
    watch = cbks.LambdaCallback(on_epoch_end=lambda e, logs: lrs.append(lr_of(model)))
    fit_like(model, [reducer, watch], epochs=6, batches=one_batch(loss=1.0, acc=0.5),
             val=[dict(val_loss=1.0, val_acc=0.5)] * 6)
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]


def test_reduce_lr_on_plateau_min_delta_epsilon_and_max_mode():
    model = FakeModel(lr=1.0)
    reducer = cbks.ReduceLROnPlateau(patience=1, min_delta=0.01, factor=0.5)
    values = [1.0, 0.995, 0.98, 0.975]   # 0.995 and 0.975 are within min_delta: no improvement
    fit_like(model, [reducer], epochs=4, batches=one_batch(loss=1.0, acc=0.5),
             val=[dict(val_loss=v, val_acc=0.5) for v in values])
    assert lr_of(model) == 0.25
    with pytest.warns(UserWarning, match="`epsilon` argument is deprecated"):
        old = cbks.ReduceLROnPlateau(epsilon=0.3)
    assert old.min_delta == 0.3
    model = FakeModel(lr=1.0)
    acc = cbks.ReduceLROnPlateau(monitor="val_acc", patience=1, factor=0.5)
    fit_like(model, [acc], epochs=3, batches=one_batch(loss=1.0, acc=0.5),
             val=[dict(val_loss=1.0, val_acc=v) for v in (0.5, 0.6, 0.7)])
    assert lr_of(model) == 1.0   # rising accuracy is improvement
    with pytest.raises(ValueError, match="factor >= 1.0"):
        cbks.ReduceLROnPlateau(factor=1.0)
    with pytest.raises(TypeError, match="paitence"):
        cbks.ReduceLROnPlateau(paitence=3)


def test_learning_rate_scheduler(capsys):
    model = FakeModel(lr=0.1)
    sched = cbks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch >= 1 else lr,
                                       verbose=1)
    history, _ = fit_like(model, [sched], epochs=3, batches=one_batch(loss=1.0, acc=0.5))
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.025], rtol=1e-6)
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 00001: LearningRateScheduler setting learning rate to "
                          "0.10000000149011612.\n")
    one_arg = cbks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    fit_like(model, [one_arg], epochs=2, batches=one_batch(loss=1.0, acc=0.5))
    assert lr_of(model) == pytest.approx(0.02)
    bad = cbks.LearningRateScheduler(lambda epoch, lr: "fast")
    with pytest.raises(ValueError, match="should be float"):
        fit_like(model, [bad], epochs=1, batches=one_batch(loss=1.0, acc=0.5))


# -- CSVLogger, TerminateOnNaN, LambdaCallback, CallbackList ------------------------------------
def test_csv_logger_file_content_and_append(tmp_path):
    path = tmp_path / "log.csv"
    fit_like(FakeModel(), [cbks.CSVLogger(str(path))], epochs=2,
             batches=one_batch(loss=0.5, acc=0.75), val=VAL)
    expected = ("epoch,acc,loss,val_acc,val_loss\r\n0,0.75,0.5,0.72,0.55\r\n"
                "1,0.75,0.5,0.8,0.45\r\n")
    assert path.read_bytes().decode() == expected
    fit_like(FakeModel(), [cbks.CSVLogger(str(path), append=True)], epochs=1,
             batches=one_batch(loss=0.25, acc=1.0), val=VAL)
    assert path.read_bytes().decode() == expected + "0,1.0,0.25,0.72,0.55\r\n"
    fresh = tmp_path / "fresh.csv"
    fit_like(FakeModel(), [cbks.CSVLogger(str(fresh), separator=";", append=True)], epochs=1,
             batches=one_batch(loss=0.25, acc=1.0))
    assert fresh.read_bytes().decode() == "epoch;acc;loss\r\n0;1.0;0.25\r\n"


def test_csv_logger_na_on_the_stopping_epoch_and_lists(tmp_path):
    model = FakeModel()
    logger = cbks.CSVLogger(str(tmp_path / "log.csv"))
    logger.set_model(model)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "sizes": np.array([1, 2])})
    model.stop_training = True
    logger.on_epoch_end(1, {"loss": 0.25})
    logger.on_train_end()
    assert (tmp_path / "log.csv").read_bytes().decode() == (
        'epoch,loss,sizes\r\n0,0.5,"""[1, 2]"""\r\n1,0.25,NA\r\n')


def test_terminate_on_nan(capsys):
    batches = [dict(size=10, loss=0.5, acc=0.5), dict(size=10, loss=float("nan"), acc=0.5),
               dict(size=10, loss=0.5, acc=0.5)]
    seen = []
    watch = cbks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(b))
    _, ran = fit_like(FakeModel(), [cbks.TerminateOnNaN(), watch], epochs=3, batches=batches)
    assert ran == 1 and seen == [0, 1]
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"


def test_lambda_callback_and_callback_list_order():
    calls = []
    first = cbks.LambdaCallback(on_train_begin=lambda logs: calls.append("train"),
                                on_epoch_end=lambda e, logs: logs.update(extra=1.0),
                                note="kept")
    second = cbks.LambdaCallback(on_epoch_end=lambda e, logs: calls.append(dict(logs)),
                                 on_train_end=lambda logs: calls.append("end"))
    fit_like(FakeModel(), [first, second], epochs=1, batches=one_batch(loss=0.5, acc=0.5))
    assert calls == ["train", {"loss": 0.5, "acc": 0.5, "extra": 1.0}, "end"]
    assert first.note == "kept"
    base = cbks.Callback()
    assert base.model is None and base.validation_data is None


# -- TensorBoard --------------------------------------------------------------------------------
def _read_events(logdir):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    acc.Reload()
    return acc


def test_tensorboard_writes_scalars_per_epoch_and_the_graph(tmp_path):
    model = FakeModel()
    board = cbks.TensorBoard(log_dir=str(tmp_path / "run"))
    batches = [dict(size=10, loss=0.5 + e, acc=0.25 * e) for e in range(3)]
    val = [dict(val_loss=1.5 - e / 2, val_acc=0.1 * e) for e in range(3)]
    fit_like(model, [board], epochs=3, batches=[[b] for b in batches], val=val)
    acc = _read_events(tmp_path / "run")
    assert sorted(acc.Tags()["scalars"]) == ["acc", "loss", "val_acc", "val_loss"]
    for tag, expected in [("loss", [0.5, 1.5, 2.5]), ("acc", [0.0, 0.25, 0.5]),
                          ("val_loss", [1.5, 1.0, 0.5]), ("val_acc", [0.0, 0.1, 0.2])]:
        events = acc.Scalars(tag)
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose([e.value for e in events], expected, rtol=1e-6)
    assert acc.Tags()["graph"]
    names = {node.name for node in acc.Graph().node}
    assert {"x", "y"} <= names


def test_tensorboard_without_graph_and_per_batch(tmp_path):
    model = FakeModel()
    board = cbks.TensorBoard(log_dir=str(tmp_path / "run"), write_graph=False,
                             update_freq="batch")
    batches = [dict(size=10, loss=0.5, acc=0.5), dict(size=5, loss=0.25, acc=1.0)]
    fit_like(model, [board], epochs=2, batches=batches)
    acc = _read_events(tmp_path / "run")
    assert not acc.Tags()["graph"]
    # per batch at samples seen 10, 15, 25, 30, and each epoch's means at 15 and 30
    steps = [(e.step, round(e.value, 4)) for e in acc.Scalars("loss")]
    assert steps == [(10, 0.5), (15, 0.25), (15, 0.4167), (25, 0.5), (30, 0.25), (30, 0.4167)]


def test_tensorboard_warns_about_what_it_does_not_write(tmp_path):
    with pytest.warns(UserWarning, match="histogram_freq"):
        cbks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cbks.TensorBoard(log_dir=str(tmp_path))
