"""`keras.utils.conv_utils`: the argument and shape rules convolution and pooling layers share,
as Keras 2.2.4 states them (window sizes as tuples, padding names, data formats, and the
output length of a window sliding over an axis).

Example:
    conv_output_length(28, 3, "valid", 1)   # 26
    normalize_tuple(3, 2, "kernel_size")    # (3, 3)
"""
from __future__ import annotations

PADDINGS = ("valid", "same", "causal")
DATA_FORMATS = ("channels_last", "channels_first")


def normalize_tuple(value, n: int, name: str) -> tuple:
    """An int, or an iterable of n ints, as a tuple of n ints.

    Example: `normalize_tuple((2, 3), 2, "strides") == (2, 3)`.
    """
    if isinstance(value, int):
        return (value,) * n
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                         f"{value!r}") from None
    if len(values) != n or not all(isinstance(v, int) for v in values):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                         f"{value!r}")
    return values


def normalize_padding(value: str, allowed=PADDINGS) -> str:
    """'valid', 'same' (or 'causal' where allowed), whatever the case.

    Example: `normalize_padding("SAME") == "same"`.
    """
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {', '.join(map(repr, allowed))}."
                         f" Received: {value!r}")
    return padding


def normalize_data_format(value) -> str:
    """'channels_last' (also for None, Keras's default image_data_format) or 'channels_first'.

    Example: `normalize_data_format(None) == "channels_last"`.
    """
    data_format = "channels_last" if value is None else str(value).lower()
    if data_format not in DATA_FORMATS:
        raise ValueError(f"The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: {value!r}")
    return data_format


def conv_output_length(input_length, filter_size: int, padding: str, stride: int,
                       dilation: int = 1):
    """The length of an axis of `input_length` after a window of `filter_size` (dilated by
    `dilation`) slides over it with `stride`: ceil(n / stride) for 'same' and 'causal',
    ceil((n - dilated + 1) / stride) for 'valid'; None when the input length is unknown.

    Example: `conv_output_length(24, 2, "valid", 2) == 12`.
    """
    if input_length is None:
        return None
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    if padding in ("same", "causal"):
        length = input_length
    elif padding == "valid":
        length = input_length - dilated + 1
    elif padding == "full":
        length = input_length + dilated - 1
    else:
        raise ValueError(f"unknown padding {padding!r}")
    return (length + stride - 1) // stride
