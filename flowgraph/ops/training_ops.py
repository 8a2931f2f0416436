"""Fused optimizer updates: ApplyGradientDescent, ApplyMomentum, ApplyAdagrad, ApplyRMSProp,
ApplyCenteredRMSProp, ApplyAdam, ApplyAdadelta.

Each op takes its variable and slot variables first (written in place of the old values, as ref
inputs) and then scalars and the gradient, in TensorFlow's input order; its output is the new
value of the variable. The update formulas are those of TF's `core/kernels/training_ops.cc`.
Kernels are written once against `xp` and build new arrays: stored values are never changed in
place.
"""
from __future__ import annotations

from ..errors import InvalidArgumentError, op_error
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from .core import convert_to_tensor, make
from .state_ops import Variable


def _infer(op_type, signature, nrefs, grad_name):
    def infer(inputs, attrs):
        if len(inputs) != len(signature):
            raise TypeError(f"{op_type} takes {len(signature)} inputs ({', '.join(signature)}), "
                            f"got {len(inputs)}")
        var = inputs[0]
        for name, t in zip(signature, inputs):
            if t.dtype is not var.dtype:
                raise TypeError(f"input '{name}' {t.describe()} must be {var.dtype.name} like "
                                f"variable '{var.op.name}'")
            if name == grad_name or signature.index(name) < nrefs:
                if signature.index(name) < nrefs and t.op.type != "VariableV2":
                    raise TypeError(f"input '{name}' must be a variable, got {t.describe()}")
                if not var.shape.is_compatible_with(t.shape):
                    raise ValueError(f"input '{name}' of shape {fmt(t.shape)} does not fit "
                                     f"variable '{var.op.name}' of shape {fmt(var.shape)}")
            elif not t.shape.is_compatible_with(TensorShape([])):
                raise ValueError(f"input '{name}' must be a scalar, got {t.describe()}")
        return [(var.dtype, var.shape)]
    return infer


def _mismatch(op, var, grad):
    return op_error(InvalidArgumentError, op,
                    f"{op.type}: var and grad do not have the same shape: variable "
                    f"'{op.inputs[0].op.name}' is {fmt(var.shape)}, grad is {fmt(grad.shape)}")


def _stored(xp, value, dtype):
    """`value` as an array of the variable's dtype (0-d results come back as scalars)."""
    return value if getattr(value, "ndim", 0) and value.dtype == dtype else \
        xp.asarray(value, dtype=dtype)


def _kernel(update, nrefs, grad_at):
    def kernel(op, runtime):
        xp = runtime.xp
        refs = [t.op for t in op.inputs[:nrefs]]
        reads = [runtime.variable_reader(r) for r in refs]
        writes = [runtime.variable_writer(r) for r in refs]
        lock = runtime.update_lock(refs)  # the variable and its slots, read to write
        attrs = op.attrs

        # The scalar inputs as NumPy scalars (`x[()]` of a 0-d array; a CuPy array stays as
        # it is): the same float32 arithmetic, at two thirds of the cost of 0-d arrays (Adam
        # on an 8 x 12 variable: 10.5 us against 17.6 us).
        scalars = [i for i in range(len(op.inputs) - nrefs) if i != grad_at]

        def run(*args):
            args = list(args)
            for i in scalars:
                args[i] = args[i][()]
            with lock:
                old = [read() for read in reads]
                if args[grad_at].shape != old[0].shape:
                    raise _mismatch(op, old[0], args[grad_at])
                new = update(xp, *old, *args, **attrs)
                dtype = old[0].dtype
                for write, value in zip(writes[1:], new[1:]):
                    write(_stored(xp, value, dtype))
                return writes[0](_stored(xp, new[0], dtype))
        return run
    return kernel


def _gradient_descent_kernel(op, runtime):
    """ApplyGradientDescent's own kernel: the update of every small graph's training step, one
    expression with no slots to write (half a microsecond less than the shared kernel)."""
    read, write = runtime.variable_reader(op.inputs[0].op), runtime.variable_writer(op.inputs[0].op)
    lock = runtime.update_lock([op.inputs[0].op])

    def run(alpha, delta):
        with lock:
            var = read()
            if delta.shape != var.shape:
                raise _mismatch(op, var, delta)
            return write(var - alpha * delta)
    return run


def _adam_kernel(op, runtime):
    """ApplyAdam's own kernel (TF's update: alpha = lr sqrt(1 - beta2_power) / (1 -
    beta1_power); m += (grad - m) (1 - beta1); v += (grad^2 - v) (1 - beta2); var -= m alpha /
    (sqrt(v) + epsilon)) without the shared kernel's per-call lists, loops and keyword
    arguments: the update of every Keras model compiled with Adam, once per parameter and
    batch."""
    xp = runtime.xp
    refs = [t.op for t in op.inputs[:3]]
    read_var, read_m, read_v = (runtime.variable_reader(r) for r in refs)
    write_var, write_m, write_v = (runtime.variable_writer(r) for r in refs)
    lock = runtime.update_lock(refs)
    nesterov = op.attrs.get("use_nesterov", False)

    def run(beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
        # 0-d inputs as NumPy scalars (`x[()]`; a CuPy array stays as it is): the same float
        # arithmetic at two thirds of the cost (Adam of an 8 x 12 variable: 10.5 us, 17.6 us)
        beta1, beta2 = beta1[()], beta2[()]
        alpha = lr[()] * xp.sqrt(1 - beta2_power[()]) / (1 - beta1_power[()])
        with lock:
            var, m, v = read_var(), read_m(), read_v()
            if grad.shape != var.shape:
                raise _mismatch(op, var, grad)
            m = m + (grad - m) * (1 - beta1)
            v = v + (grad * grad - v) * (1 - beta2)
            if nesterov:
                new = var - (grad * (1 - beta1) + beta1 * m) * alpha / (xp.sqrt(v) + epsilon[()])
            else:
                new = var - m * alpha / (xp.sqrt(v) + epsilon[()])
            dtype = var.dtype
            write_m(_stored(xp, m, dtype))
            write_v(_stored(xp, v, dtype))
            return write_var(_stored(xp, new, dtype))
    return run


def _register(op_type, signature, nrefs, update, grad_name="grad", kernel=None):
    kernel = kernel or _kernel(update, nrefs, signature.index(grad_name) - nrefs)
    register(OpDef(op_type, infer=_infer(op_type, signature, nrefs, grad_name), kernel=kernel,
                   grad=NOT_DIFFERENTIABLE, stateful=True, ref_inputs=tuple(range(nrefs)),
                   role="update"))


# --- the update rules, one per op ---------------------------------------------------------
def _momentum(xp, var, accum, lr, grad, momentum, use_nesterov=False):
    accum = accum * momentum + grad
    if use_nesterov:
        return var - (grad * lr + accum * momentum * lr), accum
    return var - accum * lr, accum


def _adagrad(xp, var, accum, lr, grad):
    accum = accum + grad * grad
    return var - grad * lr * (1 / xp.sqrt(accum)), accum


def _rmsprop(xp, var, ms, mom, lr, rho, momentum, epsilon, grad):
    ms = ms + (grad * grad - ms) * (1 - rho)
    mom = mom * momentum + grad * lr / xp.sqrt(ms + epsilon)
    return var - mom, ms, mom


def _centered_rmsprop(xp, var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    ms = ms + (grad * grad - ms) * (1 - rho)
    mg = mg + (grad - mg) * (1 - rho)
    mom = mom * momentum + grad * lr / xp.sqrt(ms - mg * mg + epsilon)
    return var - mom, mg, ms, mom


def _adadelta(xp, var, accum, accum_update, lr, rho, epsilon, grad):
    accum = accum * rho + grad * grad * (1 - rho)
    update = xp.sqrt(accum_update + epsilon) / xp.sqrt(accum + epsilon) * grad
    accum_update = accum_update * rho + update * update * (1 - rho)
    return var - update * lr, accum, accum_update


_register("ApplyGradientDescent", ("var", "alpha", "delta"), 1, None, grad_name="delta",
          kernel=_gradient_descent_kernel)
_register("ApplyMomentum", ("var", "accum", "lr", "grad", "momentum"), 2, _momentum)
_register("ApplyAdagrad", ("var", "accum", "lr", "grad"), 2, _adagrad)
_register("ApplyRMSProp", ("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"), 3,
          _rmsprop)
_register("ApplyCenteredRMSProp",
          ("var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"), 4,
          _centered_rmsprop)
_register("ApplyAdam", ("var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
                        "epsilon", "grad"), 3, None, kernel=_adam_kernel)
_register("ApplyAdadelta", ("var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"), 3,
          _adadelta)


# --- graph builders (TF's gen_training_ops names) ------------------------------------------
def _apply(op_type, refs, values, name, **attrs):
    ins = [r._as_graph_element() if isinstance(r, Variable) else r for r in refs]
    ins += [convert_to_tensor(v, dtype=ins[0].dtype) for v in values]
    return make(op_type, ins, name=name or op_type, **attrs)


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    """var -= alpha * delta. Returns the new value of var."""
    return _apply("ApplyGradientDescent", [var], [alpha, delta], name)


def apply_momentum(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False,
                   name=None):
    """accum = accum * momentum + grad; var -= lr * accum (Nesterov: var -= lr * (grad +
    momentum * accum)). Returns the new value of var."""
    return _apply("ApplyMomentum", [var, accum], [lr, grad, momentum], name,
                  use_nesterov=bool(use_nesterov))


def apply_adagrad(var, accum, lr, grad, use_locking=False, name=None):
    """accum += grad ** 2; var -= lr * grad / sqrt(accum)."""
    return _apply("ApplyAdagrad", [var, accum], [lr, grad], name)


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False, name=None):
    """ms = rho * ms + (1 - rho) * grad ** 2; mom = momentum * mom + lr * grad / sqrt(ms + eps);
    var -= mom."""
    return _apply("ApplyRMSProp", [var, ms, mom], [lr, rho, momentum, epsilon, grad], name)


def apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad,
                            use_locking=False, name=None):
    """As apply_rms_prop with ms - mg ** 2 (mg: the moving mean of grad) under the root."""
    return _apply("ApplyCenteredRMSProp", [var, mg, ms, mom], [lr, rho, momentum, epsilon, grad],
                  name)


def apply_adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
               use_locking=False, use_nesterov=False, name=None):
    """lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m, v moving moments of grad;
    var -= lr_t * m / (sqrt(v) + epsilon)."""
    return _apply("ApplyAdam", [var, m, v],
                  [beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad], name,
                  use_nesterov=bool(use_nesterov))


def apply_adadelta(var, accum, accum_update, lr, rho, epsilon, grad, use_locking=False,
                   name=None):
    """Adadelta: accum and accum_update are moving means of grad ** 2 and update ** 2."""
    return _apply("ApplyAdadelta", [var, accum, accum_update], [lr, rho, epsilon, grad], name)
