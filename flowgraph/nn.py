"""`tf.nn`: activations, softmax and the cross-entropies, convolution and pooling, the RNN
functions (and `tf.nn.rnn_cell`), and the compositions of ops TF1 programs use beside them:
dropout, bias_add, l2_loss, moments, batch_normalization, embedding_lookup."""
import numbers

from .graph import name_scope
from .ops.array_ops import shape as shape_of, squeeze, stack, stop_gradient
from .ops.core import convert_to_tensor, same_dtype
from .ops.math_ops import (add, cast, exp, greater_equal, log1p, multiply, reciprocal,  # noqa: F401
                           relu, sigmoid, square, subtract, tanh, where)
from .ops.nn_ops import (elu, leaky_relu, log_softmax, relu6, selu, softmax,  # noqa: F401
                         softmax_cross_entropy_with_logits,
                         softmax_cross_entropy_with_logits_v2, softplus, softsign,
                         sparse_softmax_cross_entropy_with_logits)
from .ops.pool_ops import avg_pool, avg_pool2d, max_pool, max_pool2d  # noqa: F401
from .ops.random_ops import random_uniform, random_uniform_dynamic
from .ops.conv_ops import (conv1d, conv2d, conv2d_backprop_filter,  # noqa: F401
                           conv2d_backprop_input, conv2d_transpose)
from .ops.index_ops import gather
from .ops.math_ops import rsqrt, squared_difference
from .ops.reduction_ops import reduce_mean, reduce_sum
from .ops.source_ops import zeros_like
from . import rnn_cell  # noqa: F401  (tf.nn.rnn_cell)
from .rnn import bidirectional_dynamic_rnn, dynamic_rnn, static_rnn  # noqa: F401
from .shapes import fmt
from .tensor import Tensor

__all__ = ["avg_pool", "avg_pool2d", "batch_normalization", "bias_add",
           "bidirectional_dynamic_rnn", "conv1d", "conv2d", "conv2d_backprop_filter",
           "conv2d_backprop_input", "conv2d_transpose", "dropout", "dynamic_rnn", "elu",
           "embedding_lookup", "l2_loss", "leaky_relu", "log_softmax", "max_pool",
           "max_pool2d", "moments", "relu", "relu6", "rnn_cell", "selu", "sigmoid",
           "sigmoid_cross_entropy_with_logits", "softmax", "softmax_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits_v2", "softplus", "softsign",
           "sparse_softmax_cross_entropy_with_logits", "static_rnn", "tanh"]


def __dir__():  # `tf.nn.<tab>` lists the API, not the ops this module is built from
    return __all__


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """max(x, 0) - x * z + log(1 + exp(-|x|)): stable for logits of any size."""
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits takes only named arguments "
                         "(labels=..., logits=...)")
    with name_scope(name, "logistic_loss"):
        x = convert_to_tensor(logits)
        z = convert_to_tensor(labels, dtype=x.dtype)
        same_dtype([x, z])
        if not x.shape.is_compatible_with(z.shape):
            raise ValueError(f"logits and labels must have the same shape ({fmt(x.shape)} vs "
                             f"{fmt(z.shape)})")
        # TF's form: where() rather than relu and abs, whose zero gradients at x == 0 would
        # drop the 1/2 of sigmoid(0) from the gradient there
        nonneg = greater_equal(x, zeros_like(x))
        relu_x = where(nonneg, x, zeros_like(x))
        neg_abs_x = where(nonneg, -x, x)
        return add(subtract(relu_x, x * z), log1p(exp(neg_abs_x)))


def bias_add(value, bias, data_format=None, name=None):
    """value + bias, with bias a vector matching value's last dimension."""
    return add(value, bias, name=name or "BiasAdd")


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of `x` over `axes`, as TF1 computes them: the variance is the mean
    squared difference from the (gradient-stopped) mean. keepdims keeps the reduced axes.

    Example: `mean, var = tf.nn.moments(x, axes=[0])` (per-feature batch statistics).
    """
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "moments"):
        x = convert_to_tensor(x)
        axes = [int(a) for a in axes]
        mean = reduce_mean(x, axes, keepdims=True, name="mean")
        variance = reduce_mean(squared_difference(x, stop_gradient(mean)), axes, keepdims=True,
                               name="variance")
        if keep:
            return mean, variance
        return squeeze(mean, axes), squeeze(variance, axes)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + variance_epsilon) + offset; offset and scale may be
    None. All broadcast against x.

    Example: `y = tf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)`.
    """
    with name_scope(name, "batchnorm"):
        x = convert_to_tensor(x)
        inv = rsqrt(convert_to_tensor(variance, dtype=x.dtype) + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        shift = -convert_to_tensor(mean, dtype=x.dtype) * inv
        if offset is not None:
            shift = shift + offset
        return x * inv + shift


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """The rows of `params` at `ids` (any shape): [*ids.shape, embedding size].

    params may be one tensor or a list holding one (sharded embeddings are not supported).
    Example: `vectors = tf.nn.embedding_lookup(embeddings, word_ids)`.
    """
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise ValueError(f"embedding_lookup: flowgraph takes one params tensor, got a list "
                             f"of {len(params)} (sharded embeddings); concatenate them first")
        params = params[0]
    if max_norm is not None:
        raise ValueError("embedding_lookup: max_norm is not supported")
    with name_scope(name, "embedding_lookup"):
        return gather(params, ids)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2."""
    with name_scope(name, "L2Loss"):
        return reduce_sum(square(t)) * 0.5


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element of `x` with probability `rate` (= 1 - keep_prob), scaling the kept ones
    by 1 / keep_prob so the expected sum is unchanged.

    Give exactly one of keep_prob and rate, each a float or a scalar tensor (a placeholder lets
    one graph train with dropout and evaluate without: feed keep_prob=1.0). noise_shape: the
    shape of the random keep/drop mask, broadcast against x (e.g. [batch, 1] drops whole rows);
    None dims take x's. seed: the op-level seed (TF1's seed rules).

    Example:
        h = tf.nn.dropout(h, keep_prob=0.8)      # or rate=0.2
    """
    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'rate' and 'keep_prob'.")
    if keep_prob is None and rate is None:
        raise ValueError("You must provide a rate to dropout.")
    for label, value, ok in (("keep_prob", keep_prob, lambda v: 0 < v <= 1),
                             ("rate", rate, lambda v: 0 <= v < 1)):
        if isinstance(value, numbers.Real) and not ok(value):
            interval = "(0, 1]" if label == "keep_prob" else "[0, 1)"
            raise ValueError(f"{label} must be a scalar tensor or a float in the range "
                             f"{interval}, got {value:g}")
        if value is not None and not isinstance(value, numbers.Real) and \
                not hasattr(value, "_as_graph_element") and not isinstance(value, Tensor):
            raise ValueError(f"{label} must be a floating point number or Tensor "
                             f"(got {value!r})")
    with name_scope(name, "dropout") as scope:
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"x has to be a floating point tensor since it's going to be "
                             f"scaled. Got a {x.dtype.name} tensor instead.")
        if (rate is not None and isinstance(rate, numbers.Real) and rate == 0) or \
                (keep_prob is not None and isinstance(keep_prob, numbers.Real) and keep_prob == 1):
            return x
        if keep_prob is not None:
            keep = convert_to_tensor(keep_prob, dtype=x.dtype, name="keep_prob")
            drop = subtract(1.0, keep, name="rate")
        else:
            drop = convert_to_tensor(rate, dtype=x.dtype, name="rate")
            keep = subtract(1.0, drop, name="keep_prob")
        for t in (keep, drop):
            if not t.shape.is_compatible_with([]):
                raise ValueError(f"keep_prob/rate must be a scalar, got {t.describe()}")
        noise = _noise(x, noise_shape, seed)
        kept = cast(greater_equal(noise, drop), x.dtype)
        out = multiply(multiply(x, reciprocal(keep)), kept, name=scope[:-1] + "/")
        out.set_shape(x.shape)  # keep_prob is a scalar: x's shape, also when keep's is unknown
        return out


def _noise(x, noise_shape, seed):
    """Uniform draws of the mask's shape: a fixed-shape op when the shape is known."""
    if noise_shape is not None and (isinstance(noise_shape, Tensor) or
                                    hasattr(noise_shape, "_as_graph_element")):
        return random_uniform_dynamic(noise_shape, dtype=x.dtype, seed=seed)
    if noise_shape is None:
        dims = x.shape.as_list() if x.shape.dims is not None else None
    else:
        dims = list(noise_shape)
        if x.shape.dims is not None and len(dims) == len(x.shape.dims):
            dims = [xd if d is None else d for d, xd in zip(dims, x.shape.dims)]
    if dims is not None and all(d is not None for d in dims):
        return random_uniform([int(d) for d in dims], dtype=x.dtype, seed=seed)
    run_shape = shape_of(x)
    if dims is None:
        return random_uniform_dynamic(run_shape, dtype=x.dtype, seed=seed)
    parts = [run_shape[i] if d is None else int(d) for i, d in enumerate(dims)]
    return random_uniform_dynamic(stack(parts), dtype=x.dtype, seed=seed)
