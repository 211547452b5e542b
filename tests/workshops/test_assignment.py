from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.workshops.assignment import Unassignable, assign, place_late, room_sizes


@st.composite
def groups(draw):
    n = draw(st.integers(min_value=0, max_value=40))
    rooms = draw(st.integers(min_value=1, max_value=max(1, min(10, n or 1))))
    people = list(range(1, n + 1))
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(people), st.sampled_from(people)), max_size=n)
        if people
        else st.just([])
    )
    blocked = {frozenset(p) for p in pairs if p[0] != p[1]}
    return people, rooms, blocked


@given(groups())
@settings(max_examples=200, deadline=None)
def test_assignment_is_balanced_and_never_puts_a_blocked_pair_together(case):
    people, rooms, blocked = case
    try:
        plan = assign(people, rooms, blocked=blocked)
    except Unassignable:
        # Only acceptable when the block graph is dense compared with the rooms available.
        assert rooms == 1 or any(sum(1 for p in blocked if x in p) >= rooms - 1 for x in people)
        return
    sizes = [len(r) for r in plan]
    assert max(sizes) - min(sizes) <= 1
    assert sorted(p for r in plan for p in r) == people
    for members in plan:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                assert frozenset((a, b)) not in blocked


@given(st.integers(min_value=2, max_value=60), st.integers(min_value=2, max_value=10))
@settings(max_examples=100, deadline=None)
def test_one_block_per_person_always_assignable(n, rooms):
    people = list(range(n))
    # A perfect matching of blocks: each person blocked exactly one other.
    blocked = {frozenset((i, i + 1)) for i in range(0, n - 1, 2)}
    plan = assign(people, min(rooms, n), blocked=blocked)
    for members in plan:
        assert not any(frozenset((a, b)) in blocked for a in members for b in members if a != b)


def test_one_room_with_a_blocked_pair_is_unassignable():
    with pytest.raises(Unassignable):
        assign([1, 2, 3], 1, blocked=[frozenset((1, 2))])


def test_mixing_separates_people_who_met():
    met = [frozenset((1, 2)), frozenset((3, 4))]
    plan = assign([1, 2, 3, 4], 2, met=met)
    for members in plan:
        assert frozenset(members) not in set(met)


def test_room_sizes_differ_by_at_most_one():
    assert room_sizes(7, 3) == [3, 2, 2]
    assert room_sizes(500, 100) == [5] * 100


def test_late_joiner_goes_to_the_smallest_room_without_a_blocked_person():
    rooms = [[1, 2], [3], [4]]
    assert place_late(rooms, 9) == 1
    assert place_late(rooms, 9, blocked=[frozenset((9, 3))]) == 2
    assert place_late([[1], [2]], 9, blocked=[frozenset((9, 1)), frozenset((9, 2))]) is None


def test_five_hundred_people_in_a_hundred_rooms_is_quick():
    import time

    started = time.perf_counter()
    plan = assign(list(range(500)), 100, blocked={frozenset((i, i + 1)) for i in range(0, 499)})
    assert time.perf_counter() - started < 2
    assert {len(r) for r in plan} == {5}
