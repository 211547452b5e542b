"""Call points a lower app offers to the apps above it, so layers point down
(tests/test_layers.py) while a write in a low app still reaches what depends on it.

A hook is declared next to the code that calls it (`profiles.services.profile_changed`), and
the higher app connects a plain function to it in its `AppConfig.ready()`, so
`grep "<hook name>.connect"` finds every listener. Not a place for business rules: a listener
is one direct call into the higher app's service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    """An ordered list of functions called with the same arguments (in connection order, which
    is INSTALLED_APPS order when connected from `ready()`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[..., Any]] = []

    def connect(self, listener: Callable[..., Any]) -> Callable[..., Any]:
        """Add `listener` once (a second `ready()` or a reload does not double it)."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def disconnect(self, listener: Callable[..., Any]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Call every listener; returns their results in order."""
        return [listener(*args, **kwargs) for listener in self._listeners]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._listeners)} listener(s)>"
