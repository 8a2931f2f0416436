"""Static shapes with unknown (None) dimensions, and the shape rules ops share."""
from __future__ import annotations

from typing import Iterable, Optional


class TensorShape:
    """A static shape: unknown rank (`dims is None`) or a tuple of int-or-None dimensions."""

    __slots__ = ("dims",)

    def __init__(self, dims: Optional[Iterable] = None):
        if dims is None:
            self.dims = None
        elif isinstance(dims, TensorShape):
            self.dims = dims.dims
        else:
            if isinstance(dims, int):
                dims = (dims,)
            out = []
            for d in dims:
                if d is None or (hasattr(d, "value") and d.value is None):
                    out.append(None)
                else:
                    d = int(getattr(d, "value", d))
                    if d < 0:
                        if d == -1:
                            out.append(None)
                            continue
                        raise ValueError(f"Dimension {d} must be >= 0")
                    out.append(d)
            self.dims = tuple(out)

    @property
    def ndims(self) -> Optional[int]:
        return None if self.dims is None else len(self.dims)

    rank = ndims

    def as_list(self) -> list:
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.dims)

    def is_fully_defined(self) -> bool:
        return self.dims is not None and all(d is not None for d in self.dims)

    def num_elements(self) -> Optional[int]:
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self.dims:
            n *= d
        return n

    def is_compatible_with(self, other) -> bool:
        other = as_shape(other)
        if self.dims is None or other.dims is None:
            return True
        if len(self.dims) != len(other.dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self.dims, other.dims))

    def merge_with(self, other) -> "TensorShape":
        other = as_shape(other)
        if self.dims is None:
            return other
        if other.dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape(a if a is not None else b for a, b in zip(self.dims, other.dims))

    def __len__(self):
        if self.dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self.dims)

    def __iter__(self):
        if self.dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self.dims)

    def __getitem__(self, key):
        if self.dims is None:
            return None if isinstance(key, int) else TensorShape(None)
        if isinstance(key, slice):
            return TensorShape(self.dims[key])
        return self.dims[key]

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self.dims == other.dims

    def __hash__(self):
        return hash(self.dims)

    def __repr__(self):
        return f"TensorShape({list(self.dims) if self.dims is not None else None})"

    def __str__(self):
        if self.dims is None:
            return "<unknown>"
        return "(" + ", ".join("?" if d is None else str(d) for d in self.dims) + \
            ("," if len(self.dims) == 1 else "") + ")"


def as_shape(value) -> TensorShape:
    return value if isinstance(value, TensorShape) else TensorShape(value)


def fmt(shape) -> str:
    """A shape as users read it: [2, 3], [?, 2], <unknown>."""
    dims = shape.dims if isinstance(shape, TensorShape) else tuple(shape)
    if dims is None:
        return "<unknown>"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def broadcast(a: TensorShape, b: TensorShape) -> TensorShape:
    """NumPy broadcasting over static shapes; raises ValueError where it can never work."""
    if a.dims is None or b.dims is None:
        return TensorShape(None)
    x, y = a.dims, b.dims
    n = max(len(x), len(y))
    x = (1,) * (n - len(x)) + x
    y = (1,) * (n - len(y)) + y
    out = []
    for p, q in zip(x, y):
        if p == 1:
            out.append(q)
        elif q == 1:
            out.append(p)
        elif p is None:
            out.append(q)
        elif q is None or p == q:
            out.append(p)
        else:
            raise ValueError(f"Dimensions must be equal, but are {p} and {q}")
    return TensorShape(out)


def broadcast_keeps(x: TensorShape, other: TensorShape) -> bool:
    """True when broadcasting x with `other` surely leaves x's run-time shape unchanged."""
    if x.dims is None or other.dims is None or len(other.dims) > len(x.dims):
        return False
    for xd, od in zip(reversed(x.dims), reversed(other.dims)):
        if od != 1 and (od is None or xd is None or od != xd):
            return False
    return True


def normalize_axis(axis, ndims: Optional[int]):
    """Axis attr (None, int or list) -> sorted tuple of non-negative axes, or None (all)."""
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, int) else list(axis)
    if ndims is None:
        return tuple(axes)
    out = []
    for ax in axes:
        if not -ndims <= ax < max(ndims, 1):
            raise ValueError(f"axis {ax} is out of range for a tensor of rank {ndims}")
        out.append(ax % ndims if ndims else 0)
    return tuple(sorted(set(out)))


def reduce(shape: TensorShape, axis, keepdims: bool) -> TensorShape:
    if shape.dims is None:
        return TensorShape(None)
    nd = len(shape.dims)
    axes = normalize_axis(axis, nd)
    if axes is None:
        axes = tuple(range(nd))
    if keepdims:
        return TensorShape(1 if i in axes else d for i, d in enumerate(shape.dims))
    return TensorShape(d for i, d in enumerate(shape.dims) if i not in axes)
