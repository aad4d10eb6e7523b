"""Who is acting right now. Set by the middleware for requests and by imports/commands."""

from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar = ContextVar("audit_actor", default=None)


class _Actor:
    def __init__(self, *, request=None, user=None, source="command", batch=None):
        self.request, self._user, self.source, self.batch = request, user, source, batch

    @property
    def user(self):
        # Read lazily: DRF authenticates tokens inside the view and sets request.user then.
        user = self._user if self.request is None else getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


@contextmanager
def acting(*, request=None, user=None, source="command", batch=None):
    token = _current.set(_Actor(request=request, user=user, source=source, batch=batch))
    try:
        yield
    finally:
        _current.reset(token)


def current():
    return _current.get() or _Actor()


def attributed(func):
    """Service decorator: changes made inside are attributed to the ``manager`` (or ``user``)
    keyword argument, even when called outside a request (tasks, shell, tests)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        user = kwargs.get("manager") or kwargs.get("user")
        actor = current()
        if user is None or actor.user == user:
            return func(*args, **kwargs)
        with acting(user=user, source=actor.source, batch=actor.batch):
            return func(*args, **kwargs)

    return wrapper
