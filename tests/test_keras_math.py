"""flowgraph.keras's math against NumPy versions of Keras 2.2.4's formulas: activations, losses,
metrics (and resolving 'accuracy'), initializers (statistics, fans, orthogonality, seeding),
and optimizers step by step (Adam's epsilon 1e-7 and t from 1, RMSprop's and Adagrad's
epsilon outside the root, decay), with their configs and weights."""
import numpy as np
import pytest

import flowgraph as tf
from flowgraph.keras import activations, initializers, losses, metrics, optimizers
from flowgraph.keras import backend as K

F32 = np.float32
EPS = F32(1e-7)
X = np.array([[-3., -1., -0.2, 0., 0.2, 1., 3.], [-10., -2.5, -0.5, 0.5, 2.5, 6., 10.]], F32)


@pytest.fixture(autouse=True)
def _numpy_global_state_kept():
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def run(t):
    return K.get_session().run(t)


# --- activations ----------------------------------------------------------------------------
def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _elu(x, alpha=1.):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1), "softmax": _softmax,
    "tanh": np.tanh, "linear": lambda x: x, "elu": _elu,
    "selu": lambda x: 1.0507009873554805 * _elu(x, 1.6732632423543772),
    "softplus": lambda x: np.log1p(np.exp(x)), "softsign": lambda x: x / (1 + np.abs(x)),
    "exponential": np.exp,
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_numpy(name):
    fn = activations.get(name)
    assert activations.serialize(fn) == name
    np.testing.assert_allclose(run(fn(tf.constant(X))), ACTIVATIONS[name](X.astype(float)),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("alpha,max_value,threshold", [
    (0.1, None, 0.), (0., 6., 0.), (0., 2., 0.), (0., None, 0.5), (0.3, 2., 0.5), (0.2, 6., 0.)])
def test_relu_options_follow_the_backend(alpha, max_value, threshold):
    x = X.astype(float)
    want = np.clip(x * (x > threshold), 0, np.inf if max_value is None else max_value)
    want = want - alpha * np.maximum(threshold - x, 0)
    np.testing.assert_allclose(run(activations.relu(tf.constant(X), alpha, max_value,
                                                    threshold)), want, rtol=1e-6, atol=1e-7)


def test_elu_alpha_softmax_axes_and_get():
    np.testing.assert_allclose(run(activations.elu(tf.constant(X), 0.5)), _elu(X, 0.5),
                               rtol=1e-6)
    x3 = np.random.RandomState(0).randn(2, 3, 4).astype(F32)
    np.testing.assert_allclose(run(activations.softmax(tf.constant(x3), axis=1)),
                               _softmax(x3, axis=1), rtol=1e-5)
    with pytest.raises(ValueError, match="1D"):
        activations.softmax(tf.constant(X[0]))
    assert activations.get(None) is activations.linear
    assert activations.get(np.tanh) is np.tanh
    with pytest.raises(ValueError, match="hard_sigmoid"):  # names the known ones
        activations.get("swish")


# --- losses ---------------------------------------------------------------------------------
Y_TRUE = np.array([[0., 1., 0.], [1., 0., 0.], [0., 0., 1.], [0., 1., 0.]], F32)
Y_PRED = np.array([[0.2, 0.7, 0.1], [0.0, 0.5, 0.5], [0.1, 0.1, 0.8], [0.3, 1.0, 0.2]], F32)
HI = F32(1) - EPS   # 1 - epsilon as float32 has it


def _clip(p, lo=EPS, hi=HI):
    return np.clip(p, lo, hi).astype(float)


def _cce(t, p):
    p = p / p.sum(-1, keepdims=True)
    return -(t * np.log(_clip(p.astype(F32)))).sum(-1)


def _bce(t, p):
    p = _clip(p)
    return (-(t * np.log(p) + (1 - t) * np.log(1 - p))).mean(-1)


def _unit(x):
    return x / np.sqrt(np.maximum((x * x).sum(-1, keepdims=True), 1e-12))


LOSSES = {
    "mean_squared_error": lambda t, p: ((p - t) ** 2).mean(-1),
    "mean_absolute_error": lambda t, p: np.abs(p - t).mean(-1),
    "mean_absolute_percentage_error":
        lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
    "mean_squared_logarithmic_error": lambda t, p: (
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1),
    "squared_hinge": lambda t, p: (np.maximum(1 - t * p, 0) ** 2).mean(-1),
    "hinge": lambda t, p: np.maximum(1 - t * p, 0).mean(-1),
    "categorical_hinge": lambda t, p: np.maximum(
        0, ((1 - t) * p).max(-1) - (t * p).sum(-1) + 1),
    "logcosh": lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    "categorical_crossentropy": _cce, "binary_crossentropy": _bce,
    "kullback_leibler_divergence": lambda t, p: (
        _clip(t, EPS, 1) * np.log(_clip(t, EPS, 1) / _clip(p, EPS, 1))).sum(-1),
    "poisson": lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    "cosine_proximity": lambda t, p: -(_unit(t) * _unit(p)).sum(-1),
}
ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
           "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
           "kld": "kullback_leibler_divergence", "cosine": "cosine_proximity"}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_numpy_per_sample(name):
    fn = losses.get(name)
    assert losses.serialize(fn) == name and losses.deserialize(name) is fn
    got = run(fn(Y_TRUE, tf.constant(Y_PRED)))
    assert got.shape == (4,)
    np.testing.assert_allclose(got, LOSSES[name](Y_TRUE.astype(float), Y_PRED.astype(float)),
                               rtol=2e-5, atol=1e-6)


def test_crossentropies_clip_at_epsilon():
    # a prediction of exactly 0 or 1 costs -log(1e-7), not inf (and not -log(1e-8))
    t, p = np.array([[1.], [0.]], F32), tf.constant(np.array([[0.], [1.]], F32))
    np.testing.assert_allclose(run(losses.binary_crossentropy(t, p)),
                               [-np.log(1e-7)] * 2, rtol=2e-2)
    assert run(losses.categorical_crossentropy(Y_TRUE, tf.constant(Y_PRED)))[1] == \
        pytest.approx(-np.log(float(EPS)), rel=1e-5)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_loss_aliases(alias):
    assert losses.get(alias) is losses.get(ALIASES[alias])


def test_losses_take_same_rank_inputs():
    t, p = np.array([[1.], [0.], [1.]], F32), np.array([[0.9], [0.2], [0.4]], F32)
    assert run(losses.mse(t, tf.constant(p))).shape == (3,)   # one loss per sample
    assert run(losses.mse(t[:, 0], tf.constant(p[:, 0]))).shape == ()  # (N,): one number
    with pytest.raises(ValueError, match="Unknown loss function"):
        losses.get("msee")
    assert losses.get(None) is None


@pytest.mark.parametrize("labels", [np.array([1, 0, 2, 1]), np.array([[1.], [0.], [2.], [1.]])])
def test_sparse_categorical_crossentropy_renormalizes_after_clipping(labels):
    p = _clip(Y_PRED)
    want = -np.log(p[np.arange(4), labels.ravel().astype(int)] / p.sum(-1))
    got = run(losses.sparse_categorical_crossentropy(labels, tf.constant(Y_PRED)))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    seq = np.stack([Y_PRED, Y_PRED[::-1]], 1)   # (batch, time, classes) -> (batch, time)
    got = run(losses.sparse_categorical_crossentropy(np.zeros((4, 2)), tf.constant(seq)))
    assert got.shape == (4, 2)


# --- metrics --------------------------------------------------------------------------------
def test_binary_accuracy_rounds_half_to_even():
    p = np.array([[0.5, 0.5000001, 0.49999997, 1.7, -0.4, 2.5, 1.5, 0.7]], F32)
    t = np.array([[0., 1., 0., 2., 0., 2., 2., 1.]], F32)
    assert (np.round(p) == t).all()   # all right under Keras's K.round, not under `p > 0.5`
    assert run(metrics.binary_accuracy(t, tf.constant(p))) == pytest.approx([1.0])
    p2 = np.array([[0.2, 0.9], [0.6, 0.4]], F32)
    np.testing.assert_allclose(run(metrics.binary_accuracy(np.array([[0., 1.], [0., 0.]]),
                                                           tf.constant(p2))), [1., 0.5])


def test_categorical_accuracies():
    t = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], F32)
    p = np.array([[0.1, 0.8, 0.1], [0.4, 0.4, 0.2], [0.5, 0.3, 0.2]], F32)  # a tie: first wins
    np.testing.assert_array_equal(run(metrics.categorical_accuracy(t, tf.constant(p))),
                                  [1., 1., 0.])
    np.testing.assert_array_equal(run(metrics.sparse_categorical_accuracy(
        np.array([[1.], [0.], [2.]], F32), tf.constant(p))), [1., 1., 0.])


def test_top_k_counts_ties_inside_and_non_finite_rows_out():
    p = np.array([[0.1, 0.5, 0.5, 0.2], [0.4, 0.3, 0.2, 0.1], [np.nan, 0.1, 0.9, 0.],
                  [0.1, 0.2, 0.3, 0.4]], F32)
    labels = np.array([2, 3, 2, 0])
    hits = run(metrics.in_top_k(tf.constant(p), labels, 1))
    np.testing.assert_array_equal(hits, [True, False, False, False])
    assert run(metrics.sparse_top_k_categorical_accuracy(labels, tf.constant(p), k=3)) == \
        pytest.approx(0.25)
    one_hot = np.eye(4, dtype=F32)[labels]
    assert run(metrics.top_k_categorical_accuracy(one_hot, tf.constant(p), k=4)) == \
        pytest.approx(0.75)


@pytest.mark.parametrize("name,loss,shape,want", [
    ("accuracy", "mean_squared_error", (None, 1), ("binary_accuracy", "acc")),
    ("acc", "binary_crossentropy", (None, 3), ("binary_accuracy", "acc")),
    ("accuracy", "categorical_crossentropy", (None, 10), ("categorical_accuracy", "acc")),
    ("accuracy", "sparse_categorical_crossentropy", (None, 10),
     ("sparse_categorical_accuracy", "acc")),
    ("ce", "categorical_crossentropy", (None, 3), ("categorical_crossentropy", "ce")),
    ("crossentropy", "mse", (None, 1), ("binary_crossentropy", "ce")),
    ("mse", "mse", (None, 1), ("mean_squared_error", "mean_squared_error")),
])
def test_resolve_accuracy_as_keras_compile(name, loss, shape, want):
    fn, log_name = metrics.resolve_accuracy(name, losses.get(loss), shape)
    assert (fn.__name__, log_name) == want
    assert metrics.get(want[0]) is fn and metrics.serialize(fn) == want[0]


# --- initializers ---------------------------------------------------------------------------
@pytest.mark.parametrize("name,shape,limit", [
    ("glorot_uniform", (300, 200), np.sqrt(6 / 500)),
    ("glorot_uniform", (3, 3, 16, 32), np.sqrt(6 / (9 * 16 + 9 * 32))),   # conv fans
    ("glorot_uniform", (5, 64, 128), np.sqrt(6 / (5 * 64 + 5 * 128))),
    ("he_uniform", (400, 50), np.sqrt(6 / 400)), ("lecun_uniform", (400, 50), np.sqrt(3 / 400)),
    ("uniform", (200, 100), 0.05)])
def test_uniform_initializers_fill_their_range(name, shape, limit):
    np.random.seed(0)   # the op seed comes from NumPy: a fixed draw, no flaky statistics
    w = run(initializers.get(name)(shape))
    assert w.shape == shape and w.dtype == np.float32
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.97 * limit
    std = limit / np.sqrt(3)
    assert abs(w.mean()) < 5 * std / np.sqrt(w.size) and w.std() == pytest.approx(std, rel=0.03)


@pytest.mark.parametrize("name,shape,std", [
    ("glorot_normal", (300, 200), np.sqrt(2 / 500)), ("he_normal", (3, 3, 32, 64),
                                                      np.sqrt(2 / 288)),
    ("lecun_normal", (400, 50), np.sqrt(1 / 400)), ("normal", (300, 300), 0.05),
    ("truncated_normal", (300, 300), 0.05 * 0.8796)])
def test_normal_initializers_have_their_spread(name, shape, std):
    np.random.seed(0)
    w = run(initializers.get(name)(shape))
    assert w.std() == pytest.approx(std, rel=0.03) and abs(w.mean()) < 5 * std / np.sqrt(w.size)
    if name != "normal":  # truncated at two standard deviations of the untruncated normal
        assert np.abs(w).max() <= 2 * std / 0.8796 * 1.0001


def test_fans_constants_and_identity():
    assert initializers.compute_fans((3, 3, 1, 32)) == (9, 288)
    assert initializers.compute_fans((7,)) == (np.sqrt(7), np.sqrt(7))
    np.testing.assert_array_equal(run(initializers.Constant(0.3)((2, 2))),
                                  np.full((2, 2), F32(0.3)))
    assert run(initializers.get("zeros")((2,))).tolist() == [0, 0]
    assert run(initializers.ones()((2,), dtype="float64")).dtype == np.float64
    np.testing.assert_array_equal(run(initializers.Identity(2.)((2, 4))),
                                  2 * np.hstack([np.eye(2)] * 2))
    with pytest.raises(ValueError, match="multiple"):
        initializers.Identity()((2, 3))


@pytest.mark.parametrize("shape", [(6, 6), (4, 10), (10, 4), (3, 3, 4, 8)])
def test_orthogonal_is_orthogonal_and_computed_as_keras(shape):
    w = run(initializers.Orthogonal(gain=1.5, seed=7)(shape)).reshape(-1, shape[-1]) / 1.5
    small = min(w.shape)
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)
    a = np.random.RandomState(7).normal(0., 1., w.shape)   # Keras 2.2.4: SVD of a normal matrix
    u, _, v = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(w, u if u.shape == w.shape else v, atol=1e-6)


def _initial_values(seed, graph_seed=None):
    """Initial values of a fresh graph after seeding NumPy and the graph as the book does."""
    with tf.Graph().as_default() as g:
        np.random.seed(seed)
        tf.set_random_seed(seed if graph_seed is None else graph_seed)
        tensors = [initializers.get(n)((4, 5)) for n in
                   ("glorot_uniform", "uniform", "normal", "he_normal", "orthogonal")]
        with tf.Session(graph=g) as sess:
            return sess.run(tensors)


def test_numpy_and_graph_seeds_make_a_program_repeat():
    first, again, other = _initial_values(3), _initial_values(3), _initial_values(4)
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(a, c)
    assert not np.allclose(first[0], first[1] * 20)   # two calls draw two op seeds
    # the op seeds come from NumPy: another NumPy seed alone changes every random value
    for a, c in zip(first, _initial_values(4, graph_seed=3)):
        assert not np.allclose(a, c)


def test_a_missing_seed_is_one_randint_from_numpy():
    np.random.seed(5)
    initializers.glorot_uniform()((3, 4))
    follows = np.random.randint(10e6)
    expected = np.random.RandomState(5)
    expected.randint(10e6)
    assert follows == expected.randint(10e6)


def test_initializer_configs_round_trip():
    config = initializers.serialize(initializers.glorot_uniform(seed=3))
    assert config == {"class_name": "VarianceScaling", "config": {
        "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": 3}}
    assert initializers.get(config).get_config() == config["config"]
    assert initializers.get("uniform").get_config() == {"minval": -0.05, "maxval": 0.05,
                                                        "seed": None}
    init = initializers.deserialize({"class_name": "RandomNormal",
                                     "config": {"mean": 1., "stddev": 2., "seed": 1,
                                                "dtype": "float32"}})  # tf.keras's extra key
    assert init.get_config() == {"mean": 1., "stddev": 2., "seed": 1}
    with pytest.raises(ValueError, match="glorot_uniform"):
        initializers.get("glorot")


# --- optimizers -----------------------------------------------------------------------------
# loss = sum(0.5 * A * p**2): gradient A * p, large for two entries and tiny for two, so that
# epsilon's place shows in every step
A = np.array([1., 2., 1e-4, 3e-4])
P0 = np.array([0.01, -0.02, 0.005, 0.03])
STEPS = 5


def _keras_steps(opt, steps=STEPS):
    p = K.variable(P0)
    updates = opt.get_updates(tf.reduce_sum(0.5 * A.astype(F32) * p * p), [p])
    out = []
    for _ in range(steps):
        run(updates)
        out.append(run(p))
    return out


def _sgd(h, g, s, i):
    lr = h["lr"] / (1 + h.get("decay", 0) * i)
    s["m"] = h.get("momentum", 0) * s.get("m", 0) - lr * g
    if h.get("nesterov"):
        return h.get("momentum", 0) * s["m"] - lr * g
    return s["m"]


def _rmsprop(h, g, s, i):
    s["a"] = h["rho"] * s.get("a", 0) + (1 - h["rho"]) * g * g
    return -h["lr"] / (1 + h.get("decay", 0) * i) * g / (np.sqrt(s["a"]) + h["eps"])


def _adagrad(h, g, s, i):
    s["a"] = s.get("a", 0) + g * g
    return -h["lr"] * g / (np.sqrt(s["a"]) + h["eps"])


def _adadelta(h, g, s, i):
    s["a"] = h["rho"] * s.get("a", 0) + (1 - h["rho"]) * g * g
    u = g * np.sqrt(s.get("d", 0) + h["eps"]) / np.sqrt(s["a"] + h["eps"])
    s["d"] = h["rho"] * s.get("d", 0) + (1 - h["rho"]) * u * u
    return -h["lr"] * u


def _adam(h, g, s, i):
    t, b1, b2 = i + 1, h["b1"], h["b2"]
    lr_t = h["lr"] / (1 + h.get("decay", 0) * i) * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    s["vhat"] = np.maximum(s.get("vhat", 0), s["v"]) if h.get("amsgrad") else s["v"]
    return -lr_t * s["m"] / (np.sqrt(s["vhat"]) + h["eps"])


def _adamax(h, g, s, i):
    s["m"] = 0.9 * s.get("m", 0) + 0.1 * g
    s["u"] = np.maximum(0.999 * s.get("u", 0), np.abs(g))
    return -h["lr"] / (1 - 0.9 ** (i + 1)) * s["m"] / (s["u"] + h["eps"])


def _nadam(h, g, s, i):
    t, b1, b2, sd = i + 1, 0.9, 0.999, 0.004
    mu_t, mu_next = b1 * (1 - 0.5 * 0.96 ** (t * sd)), b1 * (1 - 0.5 * 0.96 ** ((t + 1) * sd))
    sched = s.get("sched", 1.) * mu_t
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    m_bar = (1 - mu_t) * g / (1 - sched) + mu_next * s["m"] / (1 - sched * mu_next)
    s["sched"] = sched
    return -h["lr"] * m_bar / (np.sqrt(s["v"] / (1 - b2 ** t)) + h["eps"])


def _reference(rule, hyper, steps=STEPS):
    """Parameters after each step, in float64 from hyperparameters rounded as the float32
    variables hold them."""
    hyper = {k: v if isinstance(v, bool) else float(F32(v)) for k, v in hyper.items()}
    p, state, out = P0.copy(), {}, []
    for i in range(steps):
        p = p + rule(hyper, A * p, state, i)
        out.append(p.copy())
    return out


CASES = {   # id: (optimizer, its reference rule, hyperparameters)
    "sgd": (lambda: optimizers.SGD(), _sgd, {"lr": 0.01}),
    "sgd_nesterov_decay": (lambda: optimizers.SGD(lr=0.1, momentum=0.9, decay=0.5,
                                                  nesterov=True), _sgd,
                           {"lr": 0.1, "momentum": 0.9, "decay": 0.5, "nesterov": True}),
    "rmsprop": (lambda: optimizers.RMSprop(), _rmsprop, {"lr": 1e-3, "rho": 0.9, "eps": 1e-7}),
    "rmsprop_decay": (lambda: optimizers.RMSprop(decay=0.3), _rmsprop,
                      {"lr": 1e-3, "rho": 0.9, "eps": 1e-7, "decay": 0.3}),
    "adagrad": (lambda: optimizers.Adagrad(epsilon=1e-6), _adagrad, {"lr": 0.01, "eps": 1e-6}),
    "adadelta": (lambda: optimizers.Adadelta(), _adadelta,
                 {"lr": 1.0, "rho": 0.95, "eps": 1e-7}),
    "adam": (lambda: optimizers.get("adam"), _adam,
             {"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-7}),
    "adam_amsgrad_decay": (lambda: optimizers.Adam(lr=0.01, decay=0.1, amsgrad=True), _adam,
                           {"lr": 0.01, "b1": 0.9, "b2": 0.999, "eps": 1e-7, "decay": 0.1,
                            "amsgrad": True}),
    "adamax": (lambda: optimizers.Adamax(), _adamax, {"lr": 0.002, "eps": 1e-7}),
    "nadam": (lambda: optimizers.Nadam(), _nadam, {"lr": 0.002, "eps": 1e-7}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_steps_follow_keras_formula(case):
    make, rule, hyper = CASES[case]
    got = _keras_steps(make())
    for step, (g, w) in enumerate(zip(got, _reference(rule, hyper)), 1):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-8, err_msg=f"step {step}")


@pytest.mark.parametrize("case,wrong", [
    ("adam", {"eps": 1e-8}),                      # TF1's epsilon
    ("rmsprop", {"eps": 1e-10}), ("adagrad", {"eps": 1e-7})])
def test_the_step_comparison_sees_epsilon(case, wrong):
    make, rule, hyper = CASES[case]
    got = _keras_steps(make(), steps=1)[0]
    assert not np.allclose(got, _reference(rule, {**hyper, **wrong}, steps=1)[0],
                           rtol=2e-5, atol=2e-8)


def test_rmsprop_epsilon_is_outside_the_root():
    g = A * P0
    inside = P0 - 1e-3 * g / np.sqrt(0.1 * g * g + 1e-7)
    got = _keras_steps(optimizers.RMSprop(), steps=1)[0]
    assert not np.allclose(got, inside, rtol=1e-3)


def test_adam_slots_and_iterations():
    opt = optimizers.Adam()
    _keras_steps(opt, steps=3)
    iterations, m, v, vhat = opt.get_weights()
    assert iterations == 3 and opt.iterations.name == "Adam/iterations:0"
    assert iterations.dtype == np.int64 and vhat.shape == (1,)
    p, state = P0.copy(), {}
    for i in range(3):
        p = p + _adam({"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-7}, A * p, state, i)
    np.testing.assert_allclose(m, state["m"], rtol=1e-5)
    np.testing.assert_allclose(v, state["v"], rtol=1e-4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_round_trip(case):
    opt = CASES[case][0]()
    config = opt.get_config()
    again = type(opt).from_config(config)
    assert again.get_config() == config
    assert optimizers.get(optimizers.serialize(opt)).get_config() == config


def test_learning_rate_alias_names_and_errors():
    assert optimizers.SGD(learning_rate=0.5).get_config()["lr"] == 0.5
    assert optimizers.Adam(0.25).get_config()["lr"] == 0.25
    with pytest.raises(ValueError, match="once"):
        optimizers.Adam(lr=0.1, learning_rate=0.1)
    with pytest.raises(TypeError, match="momentun"):
        optimizers.SGD(momentun=0.9)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get({"class_name": "Adam", "config": {"lr": 0.1}}),
                      optimizers.Adam)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get("adamw")
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt


def test_weights_round_trip_restores_the_state():
    opt = optimizers.Adam(lr=0.01)
    p = K.variable(P0)
    updates = opt.get_updates(tf.reduce_sum(0.5 * A.astype(F32) * p * p), [p])
    run(updates)
    saved, p_saved = opt.get_weights(), run(p)
    run(updates)
    after = run(p)
    opt.set_weights(saved)
    K.set_value(p, p_saved)
    for a, b in zip(opt.get_weights(), saved):
        np.testing.assert_array_equal(a, b)
    run(updates)
    np.testing.assert_array_equal(run(p), after)
    with pytest.raises(ValueError, match="Length"):
        opt.set_weights(saved[:2])
    with pytest.raises(ValueError, match="shape"):
        opt.set_weights([saved[0], np.zeros(3)] + saved[2:])


def test_keras_224_weight_lists_without_iterations_are_accepted():
    opt = optimizers.RMSprop()
    _keras_steps(opt, steps=2)
    opt.set_weights([np.full(4, 0.5, F32)])
    iterations, acc = opt.get_weights()
    assert iterations == 0 and acc.tolist() == [0.5] * 4


def test_lr_is_a_variable_callbacks_can_set():
    opt = optimizers.SGD(lr=0.1)
    p = K.variable(P0)
    updates = opt.get_updates(tf.reduce_sum(0.5 * A.astype(F32) * p * p), [p])
    K.set_value(opt.lr, 0.)
    run(updates)
    np.testing.assert_array_equal(run(p), P0.astype(F32))


def test_clipnorm_and_clipvalue():
    p, q = K.variable([3., 0.]), K.variable([4.])
    loss = tf.reduce_sum(p * p) / 2 + tf.reduce_sum(q * q) / 2   # gradients (3, 0), (4): norm 5
    grads = run(optimizers.SGD(clipnorm=1.).get_gradients(loss, [p, q]))
    np.testing.assert_allclose(np.concatenate(grads), [0.6, 0., 0.8], rtol=1e-6)
    grads = run(optimizers.SGD(clipvalue=3.5).get_gradients(loss, [p, q]))
    np.testing.assert_allclose(np.concatenate(grads), [3., 0., 3.5])
    assert optimizers.SGD(clipnorm=1.).get_config()["clipnorm"] == 1.
    with pytest.raises(ValueError, match="None"):
        optimizers.SGD().get_gradients(loss, [K.variable(1.)])


def test_a_tf_train_optimizer_is_wrapped():
    opt = optimizers.get(tf.train.GradientDescentOptimizer(0.1))
    assert isinstance(opt, optimizers.TFOptimizer)
    got = _keras_steps(opt, steps=2)
    np.testing.assert_allclose(got[1], P0 * (1 - 0.1 * A) ** 2, rtol=1e-6)
    assert run(opt.iterations) == 2   # one count per step
