"""`tf.contrib.seq2seq.sequence_loss`: the weighted cross-entropy of a sequence of logits."""
from __future__ import annotations

from ..graph import name_scope
from ..nn import sparse_softmax_cross_entropy_with_logits
from ..ops.array_ops import reshape, shape as shape_of
from ..ops.core import convert_to_tensor
from ..ops.math_ops import equal, sign, where
from ..ops.reduction_ops import reduce_sum
from ..ops.source_ops import ones_like, zeros_like

__all__ = ["sequence_loss"]


def _div_no_nan(x, y):
    zero = equal(y, zeros_like(y))
    return where(zero, zeros_like(x), x / where(zero, ones_like(y), y))


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, sum_over_timesteps=False, sum_over_batch=False,
                  softmax_loss_function=None, name=None):
    """Cross-entropy of `logits` [batch, time, classes] against int `targets` [batch, time],
    each term weighted by `weights` [batch, time]. With both averages (the default) the
    result is sum(weights * crossent) / sum(weights), a scalar; averaging over only one axis
    keeps the other; the sum_over_* flags divide the sum by the number of nonzero weights;
    with no flag the result is the weighted [batch, time] cross-entropy.

    Example:
        loss = tf.contrib.seq2seq.sequence_loss(logits, y, tf.ones([batch, steps]))
    """
    if average_across_timesteps and sum_over_timesteps or average_across_batch and sum_over_batch:
        raise ValueError("sequence_loss: average_across_* and sum_over_* are exclusive")
    logits = convert_to_tensor(logits)
    if logits.shape.ndims != 3:
        raise ValueError(f"sequence_loss: logits must be [batch, time, classes], got "
                         f"{logits.describe()}")
    classes = logits.shape.dims[2]
    targets = convert_to_tensor(targets)
    weights = convert_to_tensor(weights, dtype=logits.dtype)
    with name_scope(name, "sequence_loss"):
        flat_logits = reshape(logits, [-1, classes if classes is not None else shape_of(logits)[2]])
        flat_targets = reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = sparse_softmax_cross_entropy_with_logits(labels=flat_targets,
                                                                logits=flat_logits)
        else:
            crossent = softmax_loss_function(labels=flat_targets, logits=flat_logits)
        crossent = crossent * reshape(weights, [-1])
        if average_across_timesteps and average_across_batch:
            return _div_no_nan(reduce_sum(crossent), reduce_sum(weights))
        if sum_over_timesteps and sum_over_batch:
            return _div_no_nan(reduce_sum(crossent), reduce_sum(sign(weights)))
        crossent = reshape(crossent, shape_of(logits)[0:2])
        if average_across_timesteps or average_across_batch:
            axis = 0 if average_across_batch else 1
            return _div_no_nan(reduce_sum(crossent, axis), reduce_sum(weights, axis))
        if sum_over_timesteps or sum_over_batch:
            axis = 0 if sum_over_batch else 1
            return _div_no_nan(reduce_sum(crossent, axis), reduce_sum(sign(weights), axis))
        return crossent
