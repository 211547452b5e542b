"""Ranking mentors for a mentee: a documented blend of signals, each with plain-language reasons.

Pure: numpy + zoneinfo, no Django. docs/matching.md documents the blend and how the weights
were tuned on benchmarks/data/matching_eval.json. Every signal is scaled to [0, 1]:

  meaning         cosine(mentee goals+interests, mentor profile), divided by the best eligible
                  cosine for this query; with embeddings an even mix of the embedding cosine and
                  the TF-IDF cosine (semantic_share), without them TF-IDF alone
  structured      1 - exp(-shared/2), shared = shared skills + shared industries + goal/interest
                  words found in the mentor's topics
  language        1 if they share a language, 0 if they share none, 0.5 if either listed none
  timezone        daily working-hours overlap, min(hours, 4) / 4 (0.5 when a zone is unknown)
  responsiveness  median first response: <=4 h 1.0, <=24 h 0.8, <=72 h 0.4, else 0.1; unknown 0.5
  load            capacity left / capacity (mentors with none left are excluded)

Ineligible mentors (not accepting, paused, full, blocked either way, the mentee themselves)
never appear. Responsiveness comes from the database, so it is fetched only for a candidate pool
(the best `pool` mentors by every other signal, scored with a neutral 0.5) and then re-scored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from .lexical import stems

MINUTES_PER_DAY = 24 * 60
FULL_OVERLAP_HOURS = 4.0  # four shared working hours is plenty for weekly sessions
NEUTRAL = 0.5
MAX_REASONS = 5


@dataclass(frozen=True)
class Weights:
    """Weights of the blend (they need not sum to 1; only the order of scores matters)."""

    meaning: float = 0.6
    structured: float = 0.15
    language: float = 0.05
    timezone: float = 0.08
    responsiveness: float = 0.04
    load: float = 0.03
    # With embeddings, meaning = share x semantic + (1 - share) x lexical (hybrid retrieval:
    # embeddings catch paraphrases, TF-IDF catches exact rare words like "FRM" or "dbt").
    semantic_share: float = 0.5

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class MentorFeatures:
    """What ranking needs to know about one mentor. Tag maps are normalised key -> display name."""

    user_id: int
    skills: Mapping[str, str] = field(default_factory=dict)
    industries: Mapping[str, str] = field(default_factory=dict)
    languages: Mapping[str, str] = field(default_factory=dict)
    topics: tuple[str, ...] = ()
    capacity: int = 3
    accepting: bool = True
    paused_until: date | None = None
    zone: str = ""
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)


@dataclass(frozen=True)
class MenteeQuery:
    """The mentee's side of a match."""

    user_id: int | None
    goals: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    skills: Mapping[str, str] = field(default_factory=dict)
    industries: Mapping[str, str] = field(default_factory=dict)
    languages: Mapping[str, str] = field(default_factory=dict)
    zone: str = ""
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)

    @property
    def has_goals(self) -> bool:
        return bool(self.goals or self.interests)


@dataclass(frozen=True)
class Recommendation:
    index: int  # row in the MentorTable
    user_id: int
    score: float
    components: dict[str, float]
    reasons: list[str]


# --- Time-zone overlap ------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _utc_offset_minutes(zone: str, on: date) -> int | None:
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    # Midday avoids the DST switch hour; the offset is the one in force on `on`.
    offset = datetime.combine(on, time(12, 0), tzinfo=tz).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else None


def utc_window(zone: str, start: time, end: time, on: date) -> tuple[int, int] | None:
    """A daily working window as (start minute of the UTC day 0..1439, length in minutes).

    `end <= start` is an overnight block. None if the zone is unknown.
    """
    offset = _utc_offset_minutes(zone, on) if zone else None
    if offset is None:
        return None
    start_min = start.hour * 60 + start.minute
    end_min = end.hour * 60 + end.minute
    length = (end_min - start_min) % MINUTES_PER_DAY or MINUTES_PER_DAY
    return (start_min - offset) % MINUTES_PER_DAY, length


def overlap_minutes(a_start, a_len, b_start, b_len):  # type: ignore[no-untyped-def]
    """Minutes shared by two daily windows on the circular 24 h UTC clock (numpy-vectorised).

    Rotating the clock so A starts at 0 leaves B at `d`; B's part before midnight and its part
    wrapped past midnight each meet A at most once. That wrap is what happens between Sydney
    mornings and Los Angeles afternoons.
    """
    d = np.mod(b_start - a_start, MINUTES_PER_DAY)
    before_midnight = np.clip(np.minimum(a_len - d, b_len), 0, None)
    wrapped = np.clip(np.minimum(d + b_len - MINUTES_PER_DAY, a_len), 0, None)
    return np.minimum(before_midnight + wrapped, np.minimum(a_len, b_len))


def overlap_hours(
    zone_a: str, start_a: time, end_a: time, zone_b: str, start_b: time, end_b: time, on: date
) -> float | None:
    """Hours per working day that two people's working hours overlap, on date `on`."""
    a = utc_window(zone_a, start_a, end_a, on)
    b = utc_window(zone_b, start_b, end_b, on)
    if a is None or b is None:
        return None
    return float(overlap_minutes(a[0], a[1], b[0], b[1])) / 60


# --- Signals ------------------------------------------------------------------------------------


def responsiveness_score(hours: float | None) -> float:
    if hours is None or math.isnan(hours):
        return NEUTRAL
    if hours <= 4:
        return 1.0
    if hours <= 24:
        return 0.8
    if hours <= 72:
        return 0.4
    return 0.1


def structured_score(shared: np.ndarray) -> np.ndarray:
    # Saturating: the first shared skill or goal word matters most, the fifth barely.
    return 1.0 - np.exp(-shared / 2.0)


def goal_words(query: MenteeQuery) -> frozenset[str]:
    return stems(" ".join((*query.goals, *query.interests)))


class MentorTable:
    """Column arrays over all mentors so every signal is a handful of numpy operations.

    Built once per process when mentors change (see matching.index); `on` fixes the date used
    for pauses and UTC offsets, so the owner rebuilds it when the date changes.
    """

    def __init__(self, mentors: Sequence[MentorFeatures], on: date) -> None:
        self.mentors = list(mentors)
        self.on = on
        n = len(self.mentors)
        self.user_ids = np.fromiter((m.user_id for m in self.mentors), dtype=np.int64, count=n)
        self.position = {int(uid): i for i, uid in enumerate(self.user_ids)}
        self._by_id = np.argsort(self.user_ids, kind="stable")
        self._sorted_ids = self.user_ids[self._by_id]
        self.capacity = np.fromiter((m.capacity for m in self.mentors), dtype=np.float32, count=n)
        self.available = np.fromiter(
            (m.accepting and not (m.paused_until and m.paused_until > on) for m in self.mentors),
            dtype=bool,
            count=n,
        )
        self.has_languages = np.fromiter(
            (bool(m.languages) for m in self.mentors), dtype=bool, count=n
        )
        starts = np.zeros(n, dtype=np.float32)
        lengths = np.zeros(n, dtype=np.float32)
        known = np.zeros(n, dtype=bool)
        postings: dict[str, list[int]] = {}
        for i, m in enumerate(self.mentors):
            window = utc_window(m.zone, m.work_start, m.work_end, on)
            if window is not None:
                starts[i], lengths[i], known[i] = window[0], window[1], True
            topic_stems = stems(" ".join(m.topics))
            terms = [f"s:{k}" for k in m.skills]
            terms += [f"i:{k}" for k in m.industries]
            terms += [f"l:{k}" for k in m.languages]
            terms += [f"t:{s}" for s in topic_stems]
            for term in terms:
                postings.setdefault(term, []).append(i)
        self.starts, self.lengths, self.zone_known = starts, lengths, known
        # Working windows repeat (a few zones x a few office hours): overlap is computed once
        # per distinct window per query and gathered, instead of six passes over every mentor.
        windows = np.stack([starts, lengths], axis=1) if n else np.zeros((0, 2), np.float32)
        unique, self.window_index = np.unique(windows, axis=0, return_inverse=True)
        self.window_index = self.window_index.reshape(-1)
        self.window_starts, self.window_lengths = unique[:, 0], unique[:, 1]
        self.postings = {t: np.asarray(rows, dtype=np.int64) for t, rows in postings.items()}
        self.capacity_at_least_one = np.maximum(self.capacity, np.float32(1))
        self.language_default = np.where(self.has_languages, 0.0, NEUTRAL).astype(np.float32)
        # user id -> row as a dense array when ids are compact (they are auto-increment keys):
        # a gather instead of a binary search for the 20,000 active mentorships of each call.
        top = int(self.user_ids.max()) + 1 if n else 0
        self._dense: np.ndarray | None = None
        if n and self.user_ids.min() >= 0 and top <= 4 * n + 1_000_000:
            self._dense = np.full(top, -1, dtype=np.int64)
            self._dense[self.user_ids] = np.arange(n, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.mentors)

    def rows_of(self, user_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(table rows, mask of `user_ids` that are mentors here): vectorised id lookup."""
        if len(self) == 0 or len(user_ids) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(len(user_ids), dtype=bool)
        if self._dense is not None:
            inside = (user_ids >= 0) & (user_ids < len(self._dense))
            rows = np.full(len(user_ids), -1, dtype=np.int64)
            rows[inside] = self._dense[user_ids[inside]]
            found = rows >= 0
            return rows[found], found
        at = np.minimum(np.searchsorted(self._sorted_ids, user_ids), len(self) - 1)
        found = self._sorted_ids[at] == user_ids
        return self._by_id[at[found]], found

    def count_shared(self, terms: Iterable[str]) -> np.ndarray:
        """For each mentor, how many of `terms` it has (one bincount over the postings)."""
        out = np.zeros(len(self), dtype=np.float32)
        for term in set(terms):
            rows = self.postings.get(term)
            if rows is not None:
                out[rows] += 1.0  # rows are distinct within one posting list
        return out

    def overlap_minutes_with(self, window: tuple[int, int]) -> np.ndarray:
        """Shared minutes of every mentor's working window with `window` (float32)."""
        per_window = overlap_minutes(
            self.window_starts, self.window_lengths, np.float32(window[0]), np.float32(window[1])
        ).astype(np.float32)
        return per_window[self.window_index]


def scale_meaning(meaning: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Cosines divided by the best eligible one, clipped to [0, 1].

    Embedding and TF-IDF cosines live on different scales (MiniLM rarely exceeds 0.7, TF-IDF
    0.4); scaling per query lets one set of weights serve both.
    """
    # A masked copy beats both meaning[eligible] (gather) and max(where=) (slow reduce path).
    best = float(np.where(eligible, meaning, -np.inf).max()) if len(meaning) else 0.0
    if not best > 0:
        return np.zeros_like(meaning, dtype=np.float32)
    out = np.divide(meaning, np.float32(best), dtype=np.float32)
    return np.clip(out, 0.0, 1.0, out=out)


def recommend(
    table: MentorTable,
    meaning: np.ndarray,
    query: MenteeQuery,
    *,
    exclude_user_ids: Iterable[int] = (),
    active_counts: Mapping[int, int] | None = None,
    response_hours: Callable[[list[int]], Mapping[int, float]] | None = None,
    limit: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    pool: int | None = None,
    lexical: np.ndarray | None = None,
) -> list[Recommendation]:
    """The best `limit` eligible mentors for `query`, best first, each with its reasons.

    `meaning` holds one cosine per table row (embeddings, or TF-IDF without them); `lexical`,
    if given alongside embeddings, is mixed in by `weights.semantic_share`. `active_counts`
    maps mentor user id -> active mentorships; `response_hours(user_ids)` returns median
    first-response hours for those it knows (missing means neutral).
    """
    n = len(table)
    if n == 0 or limit <= 0:
        return []
    w = weights
    eligible = table.available.copy()
    capacity_left = table.capacity.copy()
    if active_counts:
        # Vectorised: at 100k mentors a Python loop over 20k active mentors costs ~40 ms.
        ids = np.fromiter(active_counts.keys(), dtype=np.int64, count=len(active_counts))
        counts = np.fromiter(active_counts.values(), dtype=np.float32, count=len(active_counts))
        rows, found = table.rows_of(ids)
        np.subtract.at(capacity_left, rows, counts[found])
    eligible &= capacity_left > 0
    excluded = {int(u) for u in exclude_user_ids}
    if query.user_id is not None:
        excluded.add(int(query.user_id))
    if excluded:
        rows, _ = table.rows_of(np.fromiter(excluded, dtype=np.int64, count=len(excluded)))
        eligible[rows] = False
    eligible_count = int(np.count_nonzero(eligible))
    if not eligible_count:
        return []

    meaning_s = scale_meaning(np.asarray(meaning, dtype=np.float32), eligible)
    if lexical is not None:
        share = w.semantic_share
        meaning_s = share * meaning_s + (1 - share) * scale_meaning(lexical, eligible)
    skills_shared = table.count_shared(f"s:{k}" for k in query.skills)
    industries_shared = table.count_shared(f"i:{k}" for k in query.industries)
    topic_hits = table.count_shared(f"t:{s}" for s in goal_words(query))
    structured = structured_score(skills_shared + industries_shared + topic_hits)
    if query.languages:
        lang_shared = table.count_shared(f"l:{k}" for k in query.languages)
        language = table.language_default.copy()
        language[table.has_languages & (lang_shared > 0)] = 1.0
    else:
        language = np.full(n, NEUTRAL, dtype=np.float32)
    mine = utc_window(query.zone, query.work_start, query.work_end, table.on)
    if mine is None:
        tz_hours = np.full(n, np.nan, dtype=np.float32)
        tz = np.full(n, NEUTRAL, dtype=np.float32)
    else:
        hours = table.overlap_minutes_with(mine) / np.float32(60.0)
        tz_hours = np.where(table.zone_known, hours, np.float32(np.nan))
        tz = np.where(
            table.zone_known, np.minimum(hours, np.float32(FULL_OVERLAP_HOURS)) / 4, NEUTRAL
        ).astype(np.float32, copy=False)
    load = np.clip(capacity_left / table.capacity_at_least_one, 0.0, 1.0)

    # One float32 accumulator, updated in place: no 100k-element float64 temporaries.
    base = np.multiply(meaning_s, np.float32(w.meaning), dtype=np.float32)
    for weight, signal in (
        (w.structured, structured),
        (w.language, language),
        (w.timezone, tz),
        (w.load, load),
    ):
        base += np.float32(weight) * signal
    base += np.float32(w.responsiveness * NEUTRAL)
    base[~eligible] = -np.inf

    k = min(pool or max(5 * limit, 50), eligible_count)
    candidates = np.argpartition(-base, k - 1)[:k]
    user_ids = [int(table.user_ids[i]) for i in candidates]
    known_hours = dict(response_hours(user_ids)) if response_hours else {}
    resp = np.fromiter(
        (responsiveness_score(known_hours.get(uid)) for uid in user_ids),
        dtype=np.float32,
        count=len(user_ids),
    )
    final = base[candidates] + w.responsiveness * (resp - NEUTRAL)
    order = np.argsort(-final, kind="stable")[:limit]

    results = []
    for j in order:
        i = int(candidates[j])
        uid = user_ids[j]
        components = {
            "meaning": float(meaning_s[i]),
            "structured": float(structured[i]),
            "language": float(language[i]),
            "timezone": float(tz[i]),
            "responsiveness": float(resp[j]),
            "load": float(load[i]),
        }
        hours = float(tz_hours[i])
        reasons = explain(
            table.mentors[i],
            query,
            meaning=float(meaning_s[i]),
            overlap=None if math.isnan(hours) else hours,
            response=known_hours.get(uid),
            capacity_left=int(capacity_left[i]),
        )
        results.append(Recommendation(i, uid, round(float(final[j]), 4), components, reasons))
    return results


# --- Reasons --------------------------------------------------------------------------------


def _fragment(text: str) -> str:
    """'Become a product manager' -> 'become a product manager'; 'UX research' stays."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_hours(hours: float) -> str:
    """Rounded to the half hour: '4', '1.5'."""
    half = round(hours * 2) / 2
    return f"{half:g}"


def _matches(goal: frozenset[str], phrases: Iterable[frozenset[str]]) -> bool:
    """A goal matches a topic or skill sharing two words with it, or containing all of it.

    Phrase by phrase, so words scattered over different topics do not add up to a match.
    ("Find remote work" contains "Remote work"; "Get my first developer job" shares only
    "developer" with "Developer relations", which is not a match.)
    """
    for phrase in phrases:
        shared = goal & phrase
        if len(shared) >= 2 or (shared and shared == phrase):
            return True
    return False


def explain(
    mentor: MentorFeatures,
    query: MenteeQuery,
    *,
    meaning: float = 0.0,
    overlap: float | None = None,
    response: float | None = None,
    capacity_left: int = 0,
) -> list[str]:
    """Plain-language reasons, strongest first, at most MAX_REASONS."""
    reasons: list[str] = []
    offer = [stems(p) for p in (*mentor.topics, *mentor.skills.values())]
    goal_hit = next((g for g in query.goals if _matches(stems(g), offer)), None)
    if goal_hit:
        reasons.append(f"Shares your goal: {_fragment(goal_hit)}")
    interest_hit = next((t for t in query.interests if _matches(stems(t), offer)), None)
    if interest_hit:
        reasons.append(f"Can talk about your interest: {_fragment(interest_hit)}")
    if not goal_hit and not interest_hit and meaning >= 0.75 and query.has_goals:
        reasons.append("Their experience closely matches your goals")
    industries = [name for key, name in mentor.industries.items() if key in query.industries]
    if industries:
        reasons.append(f"Works in your industry: {_join(industries[:2])}")
    skills = [name for key, name in mentor.skills.items() if key in query.skills]
    if skills:
        reasons.append(f"Also works with {_join(skills[:3])}")
    if overlap is not None and overlap >= 1:
        reasons.append(f"{format_hours(overlap)} h overlap with your working hours")
    if response is not None and response <= 4:
        reasons.append("Usually replies within a few hours")
    elif response is not None and response <= 24:
        reasons.append("Usually replies within a day")
    # English is the platform's common language; naming it would say nothing.
    spoken = [n for k, n in mentor.languages.items() if k in query.languages and k != "english"]
    if spoken:
        reasons.append(f"Speaks {_join(spoken[:2])}")
    if capacity_left > 0:
        more = "mentee" if capacity_left == 1 else "mentees"
        reasons.append(f"Has room for {capacity_left} more {more}")
    return reasons[:MAX_REASONS]
