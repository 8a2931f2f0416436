"""The default session: the innermost `with sess.as_default():` (and Session's `with`) of this
thread, which `Tensor.eval()`, `Operation.run()` and `Variable.load()` use."""
from __future__ import annotations

import contextlib
import threading


class _DefaultSessionStack(threading.local):
    def __init__(self):
        self.stack: list = []

    @contextlib.contextmanager
    def controller(self, sess):
        self.stack.append(sess)
        try:
            yield sess
        finally:
            if sess in self.stack:
                self.stack.remove(sess)

    def get(self):
        return self.stack[-1] if self.stack else None


_stack = _DefaultSessionStack()
controller = _stack.controller


def get_default_session():
    """The innermost session made default by `with sess.as_default():` (or None)."""
    return _stack.get()


def session_for(session, element):
    """`session`, or the default session, checked to run `element` (for eval() and run())."""
    sess = session if session is not None else get_default_session()
    if sess is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default()` or pass an explicit session "
                         "to `eval(session=sess)`")
    if element.graph is not sess.graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph "
                         "is different from the session's graph.")
    return sess


