"""Pure ranking: blend, eligibility, time-zone overlap and reasons (no database)."""

from __future__ import annotations

from datetime import date, time

import numpy as np
import pytest

from mentorloom.matching import ranking
from mentorloom.matching.ranking import MenteeQuery, MentorFeatures, MentorTable
from mentorloom.matching.reasons import explain

ON = date(2025, 3, 3)  # a Monday, before any DST switch


def mentor(user_id: int, **fields) -> MentorFeatures:
    return MentorFeatures(user_id=user_id, zone=fields.pop("zone", "Europe/Berlin"), **fields)


QUERY = MenteeQuery(
    user_id=99,
    goals=("Become a product manager",),
    interests=("Remote work",),
    skills={"sql": "SQL"},
    industries={"fintech": "Fintech"},
    languages={"spanish": "Spanish", "english": "English"},
    zone="Europe/Madrid",
)


def test_overlap_between_sydney_and_los_angeles_crosses_the_day_boundary():
    # Sydney 08:30-17:00 (UTC+11) is 13:30-22:00 the previous day in LA (UTC-8): 3.5 h shared.
    hours = ranking.overlap_hours(
        "Australia/Sydney", time(8, 30), time(17), "America/Los_Angeles", time(9), time(17), ON
    )
    assert hours == pytest.approx(3.5)


def test_overlap_handles_overnight_hours_and_unknown_zones():
    night = ranking.overlap_hours(
        "Europe/Berlin", time(22), time(6), "Europe/Berlin", time(5), time(9), ON
    )
    assert night == pytest.approx(1.0)
    assert ranking.overlap_hours("", time(9), time(17), "UTC", time(9), time(17), ON) is None


def test_overlap_follows_daylight_saving_on_the_given_date():
    winter = ranking.overlap_hours(
        "Europe/London", time(9), time(17), "America/New_York", time(9), time(17), ON
    )
    # 10-30 March 2025: the US has moved its clocks, the UK not yet -> one hour more.
    gap_week = ranking.overlap_hours(
        "Europe/London", time(9), time(17), "America/New_York", time(9), time(17), date(2025, 3, 12)
    )
    assert (winter, gap_week) == (3.0, 4.0)


def test_recommend_excludes_paused_not_accepting_full_blocked_and_self():
    mentors = [
        mentor(1, topics=("Becoming a product manager",)),
        mentor(2, topics=("Becoming a product manager",), paused_until=date(2025, 4, 1)),
        mentor(3, topics=("Becoming a product manager",), accepting=False),
        mentor(4, topics=("Becoming a product manager",), capacity=2),
        mentor(5, topics=("Becoming a product manager",)),
        mentor(99, topics=("Becoming a product manager",)),
        mentor(6, topics=("Pottery",), paused_until=date(2025, 3, 1)),  # pause is over
    ]
    table = MentorTable(mentors, ON)
    recs = ranking.recommend(
        table,
        np.ones(len(mentors), dtype=np.float32),
        QUERY,
        exclude_user_ids={5},
        active_counts={4: 2, 1: 1},
    )
    assert [r.user_id for r in recs] == [1, 6]
    assert all(r.reasons for r in recs)


def test_a_whole_shared_tag_lifts_a_close_fit_but_not_a_clearly_better_one():
    mentors = [
        mentor(1, topics=("Pottery",)),
        mentor(2, topics=("Becoming a product manager",), skills={"sql": "SQL"}),
    ]
    table = MentorTable(mentors, ON)
    recs = ranking.recommend(table, np.array([0.51, 0.5], dtype=np.float32), QUERY)
    assert [r.user_id for r in recs] == [2, 1]
    assert recs[0].components["overlap"] > recs[1].components["overlap"] == 0
    no_overlap = ranking.Weights(overlap=0)
    recs = ranking.recommend(table, np.array([0.51, 0.5], np.float32), QUERY, weights=no_overlap)
    assert [r.user_id for r in recs] == [1, 2]
    recs = ranking.recommend(table, np.array([0.6, 0.5], dtype=np.float32), QUERY)
    assert [r.user_id for r in recs] == [1, 2]


def test_practical_signals_break_ties_but_never_override_a_clearly_better_fit():
    far = mentor(1, zone="Pacific/Kiritimati", work_start=time(9), work_end=time(12))
    near = mentor(2, zone="Europe/Madrid", languages={"spanish": "Spanish"})
    table = MentorTable([far, near], ON)
    fast = {2: 1.0, 1: 500.0}
    tie = np.array([0.5, 0.5], dtype=np.float32)
    recs = ranking.recommend(table, tie, QUERY, response_hours=lambda ids: fast)
    assert [r.user_id for r in recs] == [2, 1]
    # Every practical signal favours mentor 2 and mentor 1 shares no working hour; a fit
    # TIE_BREAK + NO_OVERLAP_PENALTY higher still wins.
    margin = ranking.TIE_BREAK + ranking.NO_OVERLAP_PENALTY + 0.001
    better = np.array([0.5 + margin, 0.5], dtype=np.float32)
    recs = ranking.recommend(table, better, QUERY, response_hours=lambda ids: fast)
    assert [r.user_id for r in recs] == [1, 2]
    # Overrides cannot lift the cap either.
    loud = ranking.Weights(language=1, timezone=1, responsiveness=1, load=1)
    assert sum(loud.tie_weights()) == pytest.approx(ranking.TIE_BREAK)
    recs = ranking.recommend(table, better, QUERY, response_hours=lambda ids: fast, weights=loud)
    assert [r.user_id for r in recs] == [1, 2]


# Issue 26 item 4: a Mexico City mentee's first recommendation had 0 h overlap (Tokyo).
MEXICO = MenteeQuery(user_id=99, goals=("Become a product manager",), zone="America/Mexico_City")
TOKYO = {"zone": "Asia/Tokyo"}  # 09-17 Tokyo is 18-02 in Mexico City: 0 h shared
BOGOTA = {"zone": "America/Bogota"}  # an hour ahead: 7 h shared


def test_zero_overlap_loses_to_an_equally_good_fit_that_shares_hours():
    table = MentorTable([mentor(1, **TOKYO), mentor(2, **BOGOTA)], ON)
    recs = ranking.recommend(table, np.array([0.5, 0.5], np.float32), MEXICO)
    assert [r.user_id for r in recs] == [2, 1]
    # Even when every other practical signal favours the Tokyo mentor: 0 h counts more.
    tokyo_fast = {1: 1.0, 2: 500.0}
    recs = ranking.recommend(
        table,
        np.array([0.5, 0.5], np.float32),
        MEXICO,
        response_hours=lambda ids: tokyo_fast,
        active_counts={2: 2},  # Bogota has one place of three left
    )
    assert [r.user_id for r in recs] == [2, 1]
    tokyo, bogota = recs[1], recs[0]
    assert bogota.score - tokyo.score > 0.005  # not a coin toss


def test_zero_overlap_is_a_tie_break_only_when_the_fit_is_close():
    table = MentorTable([mentor(1, **TOKYO), mentor(2, **BOGOTA)], ON)
    close = np.array([0.512, 0.5], np.float32)  # within TIE_BREAK of each other
    assert [r.user_id for r in ranking.recommend(table, close, MEXICO)] == [2, 1]
    much_better = np.array([0.6, 0.5], np.float32)
    assert [r.user_id for r in ranking.recommend(table, much_better, MEXICO)] == [1, 2]


def test_meeting_outside_hours_orders_by_score_alone():
    table = MentorTable([mentor(1, **TOKYO), mentor(2, **BOGOTA)], ON)
    anytime = MenteeQuery(
        user_id=99,
        goals=("Become a product manager",),
        zone="America/Mexico_City",
        meets_outside_hours=True,
    )
    slightly_better = np.array([0.501, 0.5], np.float32)
    recs = ranking.recommend(table, slightly_better, anytime)
    assert [r.user_id for r in recs] == [1, 2]
    assert recs[0].components["timezone"] == recs[1].components["timezone"] == ranking.NEUTRAL
    # Ties stay ties (stable order), and the overlap is still explained truthfully.
    recs = ranking.recommend(table, np.array([0.5, 0.5], np.float32), anytime)
    assert recs[0].score == recs[1].score
    assert "7 h overlap with your working hours" in next(r for r in recs if r.user_id == 2).reasons
    # Without the flag the same slightly better 0 h fit goes second.
    assert [r.user_id for r in ranking.recommend(table, slightly_better, MEXICO)] == [2, 1]


def test_lexical_evidence_counts_only_above_its_absolute_floor():
    table = MentorTable([mentor(1), mentor(2)], ON)
    semantic = np.array([0.50, 0.49], dtype=np.float32)
    weak = np.array([0.0, 0.12], dtype=np.float32)  # one generic shared word
    strong = np.array([0.0, 0.45], dtype=np.float32)  # the same rare words
    assert ranking.recommend(table, semantic, QUERY, lexical=weak)[0].user_id == 1
    assert ranking.recommend(table, semantic, QUERY, lexical=strong)[0].user_id == 2
    assert ranking.lexical_confidence(np.array([0.1, 0.275, 0.9]), 0.15, 0.4).tolist() == [
        0.0,
        pytest.approx(0.5),
        1.0,
    ]


def test_passages_refine_the_pool_with_the_best_sentence():
    table = MentorTable([mentor(1), mentor(2)], ON)
    whole = np.array([0.40, 0.38], dtype=np.float32)
    best = {0: 0.40, 1: 0.70}  # mentor 2 has one sentence that is exactly what was asked

    def passages(rows):
        return np.array([best[int(r)] for r in rows], dtype=np.float32)

    lexical = np.zeros(2, dtype=np.float32)
    assert ranking.recommend(table, whole, QUERY, lexical=lexical)[0].user_id == 1
    recs = ranking.recommend(table, whole, QUERY, lexical=lexical, passages=passages)
    assert recs[0].user_id == 2 and recs[0].components["passage"] == pytest.approx(0.7)


def test_responsiveness_reorders_close_candidates_and_missing_is_neutral():
    mentors = [mentor(1), mentor(2), mentor(3)]
    table = MentorTable(mentors, ON)
    meaning = np.array([0.5, 0.5, 0.5], dtype=np.float32)
    recs = ranking.recommend(table, meaning, QUERY, response_hours=lambda ids: {3: 2.0, 1: 200.0})
    assert [r.user_id for r in recs] == [3, 2, 1]
    assert "Usually replies within a few hours" in recs[0].reasons


def test_reasons_are_plain_language():
    m = mentor(
        1,
        topics=("Becoming a product manager", "Remote work"),
        skills={"sql": "SQL"},
        industries={"fintech": "Fintech"},
        languages={"spanish": "Spanish", "english": "English"},
        capacity=3,
    )
    reasons = explain(m, QUERY, overlap=4.2, response=20, capacity_left=2)
    assert reasons == [
        "Your goal “Become a product manager”: they help with “Becoming a product manager”",
        "Can talk about your interest “Remote work”",
        "Works in your industry: Fintech",
        "Also works with SQL",
        "4 h overlap with your working hours",
    ]
    reasons = explain(mentor(2, languages={"spanish": "Spanish"}), QUERY, response=20)
    assert reasons == ["Usually replies within a day", "Speaks Spanish"]


def test_a_goal_does_not_match_a_topic_sharing_one_loose_word():
    m = mentor(1, topics=("Developer relations",))
    query = MenteeQuery(user_id=None, goals=("Get my first developer job",))
    assert not any("goal" in r for r in explain(m, query))


def test_lexical_mix_changes_meaning_only_when_given():
    mentors = [mentor(1), mentor(2)]
    table = MentorTable(mentors, ON)
    semantic = np.array([0.9, 0.8], dtype=np.float32)
    lexical = np.array([0.0, 0.4], dtype=np.float32)
    assert ranking.recommend(table, semantic, QUERY)[0].user_id == 1
    assert ranking.recommend(table, semantic, QUERY, lexical=lexical)[0].user_id == 2


def test_nobody_eligible_gives_an_empty_list():
    table = MentorTable([mentor(1, accepting=False)], ON)
    assert ranking.recommend(table, np.ones(1, dtype=np.float32), QUERY) == []
    assert ranking.recommend(MentorTable([], ON), np.zeros(0, dtype=np.float32), QUERY) == []


def test_fast_paths_agree_with_the_direct_computations():
    """The per-call shortcuts (dense id lookup, overlap per distinct window, in-place posting
    counts) give exactly what the plain formulas give."""
    zones = ["Australia/Sydney", "America/Los_Angeles", "Asia/Kolkata", "", "Europe/Berlin"]
    mentors = [
        mentor(
            uid,
            zone=zones[uid % len(zones)],
            work_start=time(6 + uid % 5),
            work_end=time(15 + uid % 7),
            skills={"sql": "SQL"} if uid % 2 else {"python": "Python"},
        )
        for uid in range(3, 400, 3)
    ]
    table = MentorTable(mentors, ON)
    sparse = MentorTable([*mentors, mentor(10**9)], ON)  # ids too spread for a dense array
    asked = np.array([3, 4, 6, 399, 10**9, -1, 10**12], dtype=np.int64)
    for t in (table, sparse):
        rows, found = t.rows_of(asked)
        assert [int(t.user_ids[r]) for r in rows] == [u for u in asked.tolist() if u in t.position]
        assert found.tolist() == [u in t.position for u in asked.tolist()]
    window = ranking.utc_window("Europe/Madrid", time(9), time(17), ON)
    direct = ranking.overlap_minutes(table.starts, table.lengths, window[0], window[1])
    assert np.array_equal(table.overlap_minutes_with(window), direct.astype(np.float32))
    overlap = table.overlap(["sql", "python", "sql", "unknown"])
    has_sql = sum(1 for m in mentors if "sql" in m.skills)
    df = [has_sql if "sql" in m.skills else len(mentors) - has_sql for m in mentors]
    expected = [1 - np.exp(-ranking.idf(d, len(mentors))) for d in df]
    assert np.allclose(overlap, expected, atol=1e-6)
