"""Central finite differences, the reference every gradient test compares against."""
import numpy as np


def central_differences(f, x, eps=1e-6, indices=None):
    """(f(x + eps) - f(x - eps)) / (2 eps) along each entry of the array `x` (only `indices`,
    when given; zeros elsewhere); `f` maps an array like `x` to a number."""
    out = np.zeros(np.shape(x))
    for idx in (np.ndindex(*np.shape(x)) if indices is None else indices):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        out[idx] = (f(plus) - f(minus)) / (2 * eps)
    return out
