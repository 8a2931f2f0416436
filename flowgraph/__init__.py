"""flowgraph: a TensorFlow-1.x-style define-then-run graph engine on NumPy.

    import flowgraph as tf
    a = tf.placeholder(tf.float32, [None])
    with tf.Session() as sess:
        print(sess.run(a * 2, feed_dict={a: [1, 2, 3]}))
"""
from .version import __version__  # noqa: F401

from . import contrib, errors, initializers, layers, losses, nn, train  # noqa: F401
from .dtypes import (DType, as_dtype, bool_ as bool, double, float16, float32, float64,  # noqa: F401
                     half, int8, int16, int32, int64, uint8, uint16)
from .gradients import gradients  # noqa: F401
from .graph import (Graph, GraphKeys, add_to_collection, control_dependencies, device,  # noqa: F401
                    get_collection, get_collection_ref, get_default_graph, name_scope,
                    reset_default_graph, set_random_seed)
from .ops.array_ops import (concat, expand_dims, identity, pack, rank, reshape, shape,  # noqa: F401
                            size, split, squeeze, stack, stop_gradient, tile, transpose,
                            unstack)
from .ops.control_flow_ops import group, no_op, tuple_ as tuple, with_dependencies  # noqa: F401
from .ops.core import constant, convert_to_tensor  # noqa: F401
from .ops.index_ops import (gather, one_hot, reverse, reverse_sequence, reverse_v2,  # noqa: F401
                            strided_slice)
from .ops.math_ops import (abs, add, add_n, cast, clip_by_value, cos, div, divide, equal, exp,  # noqa: F401
                           floor, floor_div, floordiv, floormod, greater, greater_equal, less,
                           less_equal, log, log1p, logical_and, logical_not, logical_or,
                           logical_xor, matmul, maximum, minimum, mod, multiply, negative,
                           not_equal, pow, reciprocal, relu, round, rsqrt, scalar_mul, sigmoid,
                           sign, sin, sqrt, square, squared_difference, subtract, tanh, to_double,
                           to_float, to_int32, to_int64, truediv, where)
from .ops.reduction_ops import (argmax, argmin, reduce_all, reduce_any, reduce_max,  # noqa: F401
                                reduce_mean, reduce_min, reduce_prod, reduce_sum)
from .ops.source_ops import (fill, ones, ones_like, placeholder,  # noqa: F401
                             placeholder_with_default, range_ as range, zeros, zeros_like)
from .ops.random_ops import random_normal, random_uniform, truncated_normal  # noqa: F401
from .ops.state_ops import (Variable, all_variables, assign, assign_add, assign_sub,  # noqa: F401
                            global_variables, global_variables_initializer,
                            initialize_all_variables, initialize_variables,
                            is_variable_initialized, local_variables, local_variables_initializer,
                            trainable_variables, variables_initializer)
from .session import InteractiveSession, Session, get_default_session  # noqa: F401
from .shapes import TensorShape  # noqa: F401
from .tensor import Operation, Tensor  # noqa: F401
from .initializers import (constant_initializer, glorot_normal_initializer,  # noqa: F401
                           glorot_uniform_initializer, ones_initializer,
                           random_normal_initializer, random_uniform_initializer,
                           truncated_normal_initializer, variance_scaling_initializer,
                           zeros_initializer)
from .variable_scopes import (AUTO_REUSE, VariableScope, get_local_variable,  # noqa: F401
                              get_variable, get_variable_scope, variable_scope)
from .ops.math_ops import install_operators as _install_operators

_install_operators(Tensor)

newaxis = None
from . import summary, viz  # noqa: E402,F401  (viz also gives Graph its Jupyter drawing)
from . import compat  # noqa: E402,F401  (tf.compat.v1 and TF2's switches, for TF1 scripts)
from .compat import disable_eager_execution, disable_v2_behavior, executing_eagerly  # noqa: E402,F401


def __getattr__(name):
    # `tf.keras` (and, under `flowgraph run`, `import tensorflow as tf; tf.keras...`) imports
    # flowgraph.keras only when a program asks for it
    if name == "keras":
        import importlib  # (only here: every other import of this module is eager)
        return importlib.import_module(".keras", __name__)
    raise AttributeError(f"module 'flowgraph' has no attribute {name!r}")
