"""Who goes into which breakout room: pure functions, no Django (property-tested).

Rules from the brief: room sizes differ by at most one, two people where either blocked the other
never share a room, and (optionally) people who have already met are spread out.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

Pair = frozenset[int]


class Unassignable(Exception):
    """No balanced assignment keeps every blocked pair apart."""


def room_sizes(people: int, rooms: int) -> list[int]:
    """Balanced sizes: the first `people % rooms` rooms take one more."""
    if rooms < 1:
        raise ValueError("at least one room")
    base, extra = divmod(people, rooms)
    return [base + (1 if i < extra else 0) for i in range(rooms)]


def _neighbours(pairs: Iterable[Pair]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for pair in pairs:
        if len(pair) != 2:
            continue
        a, b = tuple(pair)
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def _conflicts(person: int, members: Iterable[int], blocked: set[Pair]) -> bool:
    return any(frozenset((person, other)) in blocked for other in members)


def assign(
    people: Sequence[int],
    rooms: int,
    *,
    blocked: Iterable[Pair] = (),
    met: Iterable[Pair] = (),
    seed: int = 0,
    max_steps: int = 200_000,
) -> list[list[int]]:
    """Split `people` into `rooms` balanced rooms with no blocked pair together.

    Most-constrained people are placed first; among allowed rooms the one with the fewest
    people they have met wins, then the emptiest. A bounded backtracking search undoes a
    choice that leaves someone with nowhere to go. Raises Unassignable if none is found.
    """
    enemies = _neighbours(blocked)
    acquaintances = _neighbours(met)
    sizes = room_sizes(len(people), rooms)
    rng = random.Random(seed)  # noqa: S311 - a shuffle, not a secret
    order = list(dict.fromkeys(people))
    rng.shuffle(order)
    order.sort(key=lambda p: -len(enemies.get(p, ())))
    result: list[list[int]] = [[] for _ in range(rooms)]
    members: list[set[int]] = [set() for _ in range(rooms)]
    steps = 0
    no_one: frozenset[int] = frozenset()

    def options(person: int) -> list[int]:
        mine = enemies.get(person, no_one)
        known = acquaintances.get(person, no_one)
        allowed = [
            i
            for i in range(rooms)
            if len(result[i]) < sizes[i] and (not mine or mine.isdisjoint(members[i]))
        ]
        allowed.sort(
            key=lambda i: (
                len(known & members[i]) if known else 0,
                len(result[i]) - sizes[i],
                i,
            )
        )
        return allowed

    def place(index: int) -> bool:
        nonlocal steps
        if index == len(order):
            return True
        steps += 1
        if steps > max_steps:
            return False
        person = order[index]
        tried_shapes: set[tuple[int, int]] = set()
        for room in options(person):
            # Two rooms with the same size and capacity and no conflicts are interchangeable
            # for the rest of the search only when both are empty: skip the repeat.
            shape = (len(result[room]), sizes[room])
            if not result[room] and shape in tried_shapes:
                continue
            tried_shapes.add(shape)
            result[room].append(person)
            members[room].add(person)
            if place(index + 1):
                return True
            result[room].pop()
            members[room].discard(person)
        return False

    if not place(0):
        raise Unassignable("No balanced assignment keeps every blocked pair apart.")
    return result


def place_late(
    rooms: Sequence[Sequence[int]], person: int, *, blocked: Iterable[Pair] = ()
) -> int | None:
    """Index of the room a late joiner goes to: the smallest one without anyone they blocked
    (or who blocked them), lowest index on ties; None if every room holds such a person."""
    blocked_set = {frozenset(p) for p in blocked if len(p) == 2}
    allowed = [i for i, members in enumerate(rooms) if not _conflicts(person, members, blocked_set)]
    if not allowed:
        return None
    return min(allowed, key=lambda i: (len(rooms[i]), i))
