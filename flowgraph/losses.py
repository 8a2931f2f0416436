"""`tf.losses`: losses made of ops."""
from .graph import name_scope
from .ops.core import convert_to_tensor
from .ops.math_ops import add, cast, multiply, not_equal, square, subtract
from .ops.reduction_ops import reduce_mean, reduce_sum
from .ops.source_ops import zeros_like
from .shapes import fmt

__all__ = ["mean_squared_error"]


def __dir__():  # `tf.losses.<tab>` lists the API, not the ops this module is built from
    return __all__


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=None,
                       reduction=None):
    """mean((predictions - labels)**2) over entries whose weight is nonzero, as TF1's losses."""
    with name_scope(scope, "mean_squared_error"):
        predictions = convert_to_tensor(predictions)
        labels = convert_to_tensor(labels, dtype=predictions.dtype)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {fmt(predictions.shape)} and {fmt(labels.shape)} are "
                             f"incompatible")
        losses = square(subtract(predictions, labels))
        if isinstance(weights, (int, float)) and weights == 1.0:
            return reduce_mean(losses, name="value")
        w = convert_to_tensor(weights, dtype=predictions.dtype)
        w = add(w, zeros_like(losses))  # weights broadcast to the losses' shape
        present = cast(not_equal(w, 0), predictions.dtype)
        return reduce_sum(multiply(losses, w)) / reduce_sum(present)
