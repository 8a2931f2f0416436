"""TF1's error classes.

`OpError` and its subclasses are raised by `Session.run`; build-time mistakes raise Python's
own `TypeError` / `ValueError`, as TensorFlow 1.x does.
"""

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """An error raised while running a graph: carries the op involved (or None)."""

    error_code = UNKNOWN

    def __init__(self, node_def, op, message, error_code=None):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    def __str__(self):
        return self.message

    def __reduce__(self):
        # pickles and copies keep the message and code; the op (a graph record) is left out
        return (type(self), (self.node_def, None, self.message, self.error_code))


def _kind(name, code):
    cls = type(name, (OpError,), {"error_code": code})
    cls.__init__ = lambda self, node_def, op, message, error_code=code: OpError.__init__(
        self, node_def, op, message, error_code)
    cls.__module__ = __name__
    cls.__doc__ = f"TF1's {name} (error code {code})."
    return cls


CancelledError = _kind("CancelledError", CANCELLED)
UnknownError = _kind("UnknownError", UNKNOWN)
InvalidArgumentError = _kind("InvalidArgumentError", INVALID_ARGUMENT)
DeadlineExceededError = _kind("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _kind("NotFoundError", NOT_FOUND)
AlreadyExistsError = _kind("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _kind("PermissionDeniedError", PERMISSION_DENIED)
ResourceExhaustedError = _kind("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _kind("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _kind("AbortedError", ABORTED)
OutOfRangeError = _kind("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _kind("UnimplementedError", UNIMPLEMENTED)
InternalError = _kind("InternalError", INTERNAL)
UnavailableError = _kind("UnavailableError", UNAVAILABLE)
DataLossError = _kind("DataLossError", DATA_LOSS)
UnauthenticatedError = _kind("UnauthenticatedError", UNAUTHENTICATED)


def op_error(cls, op, message: str) -> OpError:
    """An error of kind `cls` whose message ends with the op and the user's line that created
    it: `...\\n  [[node 'name' (Type) defined at file:line]]`."""
    return cls(None, op, f"{message}\n  [[node {op.describe()}]]")
