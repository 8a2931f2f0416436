"""Keras 2.2.4's `BatchNormalization` layer (`keras.layers.normalization`) on its TensorFlow 1
backend, moving statistics included.

While training (the learning phase is True) the layer normalizes with the batch's mean and
(biased) variance and registers the updates of its moving statistics with `add_update`, which
the Model runs with each training step; in evaluate and predict it uses the moving statistics.
The updates are Keras 2.2.4's exactly:
- the variance that enters the moving variance is made unbiased as Keras does it,
  var * n / (n - (1 + epsilon)), n the number of values per feature; for 4-D inputs normalized
  over the last axis Keras used TF's fused kernel, whose variance already carries Bessel's
  n / (n - 1), so there it is corrected twice (as it was);
- `K.moving_average_update` was TF1's `assign_moving_average(..., zero_debias=True)`: a
  hidden "biased" average that starts at 0 (moving = momentum * moving + (1 - momentum) * value)
  and a step count t, and the moving variable is set to biased / (1 - momentum ** t). So the
  first update gives the batch statistics exactly, whatever the moving initializers said.
  (Keras 2.3 dropped the debiasing: moving = moving * momentum + value * (1 - momentum).)

Example:
    model.add(Dense(64, input_dim=8))
    model.add(BatchNormalization())
    model.add(Activation("relu"))
"""
from __future__ import annotations

from ...graph import get_default_graph
from ...nn import batch_normalization, moments
from ...ops.array_ops import reshape, shape as shape_of
from ...ops.core import convert_to_tensor
from ...ops.index_ops import gather
from ...ops.math_ops import cast, maximum, where
from ...ops.reduction_ops import reduce_prod
from ...ops.source_ops import zeros
from ...ops.state_ops import Variable, assign, assign_add, assign_sub
from .. import backend as K, initializers
from ..engine.base_layer import Layer

# TF's fused batch norm refuses a smaller epsilon (a cuDNN limit) and raises it to this.
_FUSED_MIN_EPSILON = 1.001e-5


class BatchNormalization(Layer):
    """Normalize each feature (along `axis`) to mean 0, variance 1 over the batch, then scale
    by `gamma` and shift by `beta`: (x - mean) / sqrt(var + epsilon) * gamma + beta.

    Weights, in get_weights order: gamma (ones), beta (zeros), moving_mean (zeros),
    moving_variance (ones); the last two are not trainable.
    Example: `BatchNormalization(momentum=0.9)(x)`; after a Conv2D with channels_first,
    `BatchNormalization(axis=1)`.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint

    def build(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"{self.name}: axis {self.axis} is out of range for inputs of "
                             f"shape {input_shape}")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        shape = (dim,)
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    @property
    def updates(self) -> list:
        # Keras 2.2.4: a frozen layer (trainable=False) keeps its moving statistics
        return list(self._updates) if self.trainable else []

    def call(self, inputs, training=None):
        ndim = inputs.shape.ndims
        axis = self.axis % ndim
        reduction_axes = [i for i in range(ndim) if i != axis]
        fused = ndim == 4 and axis == 3   # where Keras 2.2.4 used TF's fused kernel
        eps = max(self.epsilon, _FUSED_MIN_EPSILON) if fused else self.epsilon
        shape = [1] * ndim
        shape[axis] = int(inputs.shape.dims[axis])

        def normalize(mean, variance):
            def bc(v):  # broadcast a (features,) vector along `axis`
                return None if v is None else reshape(_value(v), shape)
            return batch_normalization(inputs, bc(mean), bc(variance), bc(self.beta),
                                       bc(self.gamma), eps)

        inference = normalize(self.moving_mean, self.moving_variance)
        static = training if isinstance(training, (bool, int)) else None  # 0/1 as Keras
        if static is not None and not static:
            return inference
        mean, variance = moments(inputs, reduction_axes)
        normed = normalize(mean, variance)
        self.add_update([self._moving_average_update(self.moving_mean, mean),
                         self._moving_average_update(
                             self.moving_variance,
                             _unbiased(inputs, variance, reduction_axes, self.epsilon, fused))],
                        inputs)
        if static:
            return normed
        phase = K.learning_phase() if training is None else convert_to_tensor(training)
        return where(phase, normed, inference)

    def _moving_average_update(self, variable, value):
        """Keras 2.2.4's K.moving_average_update (TF1's zero-debiased moving average): the op
        that updates `variable`, whose output is the new value."""
        dtype = variable.dtype
        with get_default_graph().name_scope(variable.op.name + "/"):
            # the hidden state TF1 kept beside each moving variable (not layer weights)
            biased = Variable(lambda: zeros(variable.shape.as_list(), dtype), name="biased",
                              trainable=False)
            step = Variable(lambda: zeros([], dtype), name="local_step", trainable=False)
            with get_default_graph().name_scope("AssignMovingAvg"):
                new_biased = assign_sub(biased, (biased.value() - value) * (1. - self.momentum))
                new_step = assign_add(step, 1.)
                return assign(variable, new_biased / (1. - self.momentum ** new_step))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": self.beta_regularizer,
                "gamma_regularizer": self.gamma_regularizer,
                "beta_constraint": self.beta_constraint,
                "gamma_constraint": self.gamma_constraint}


def _value(v):
    return v.value() if isinstance(v, Variable) else v


def _unbiased(x, variance, reduction_axes, epsilon, fused):
    """The batch variance as Keras 2.2.4 fed it to the moving variance."""
    n = cast(reduce_prod(gather(shape_of(x), reduction_axes)), x.dtype)
    if fused:  # TF's fused kernel reports n / (n - 1) times the variance already
        variance = variance * n / maximum(n - 1., 1.)
    return variance * n / (n - (1. + epsilon))
