"""Where the directory's "has free slots in the next N days" filter gets its answers.

A free slot is scheduling's to define, and scheduling sits above discovery, so scheduling
plugs its per-mentor cache (scheduling/freeslots.py) in from SchedulingConfig.ready() with
`provide()`. Without a provider the filter is hidden from the page and the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol


class NextSlot(Protocol):
    @property
    def at(self) -> datetime | None: ...  # first free slot start (UTC); None = none soon


class Check(Protocol):
    @property
    def free(self) -> set[int]: ...  # user ids with a free slot within the days asked

    @property
    def unchecked(self) -> set[int]: ...  # not checked yet (left out of the results for now)


class Provider(Protocol):
    def check(self, user_ids: Sequence[int], days: int, now: datetime) -> Check:
        """Which of `user_ids` (in the order they are shown) have a free slot within `days`."""
        ...

    def known(self, user_ids: Iterable[int], now: datetime) -> Mapping[int, NextSlot]:
        """Values already computed and still usable at `now` (for the cards)."""
        ...


_provider: Provider | None = None


def provide(provider: Provider) -> None:
    global _provider
    _provider = provider


def provider() -> Provider | None:
    return _provider
