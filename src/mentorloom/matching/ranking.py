"""Ranking mentors for a mentee: fit first, practicalities only as a tie-break. Pure: numpy +
zoneinfo, no Django. docs/matching.md documents the method and its measured effect on
benchmarks/data/matching_hard.json (tuned on the dev half only).

  fit        how well the mentor matches what the mentee asked for, on absolute scales (never
             divided by the best score of the query, so weak evidence stays weak):
               semantic  (1 - passage_share) x cosine(request, whole profile)
                         + passage_share x max cosine(request, one passage of the profile)
               lexical   TF-IDF cosine mapped to [0, 1] between a floor and a ceiling: below the
                         floor it says nothing (one shared generic word), above the ceiling it
                         is sure. Without embeddings the raw TF-IDF cosine is the whole meaning.
               overlap   1 - exp(-sum of IDF of the mentor's whole tags found in the mentee's
                         goals, interests, skills, industries or free text)
  tie-break  language, time-zone overlap, responsiveness, capacity left: each in [0, 1], with
             weights summing to at most TIE_BREAK (0.03); a mentor whose working hours share
             no time at all with the mentee's loses NO_OVERLAP_PENALTY (0.015) more, unless
             the mentee said they can meet outside their hours (then overlap plays no part).
             So a mentor whose fit is 0.045 higher always ranks first, and among close fits
             the practical one wins (issue 26: a 0 h Tokyo mentor first for Mexico City).

Ineligible mentors (not accepting, paused, full, blocked either way, the mentee themselves)
never appear. Two cheap first stages keep a call fast at 100k mentors: passages (max-sim) are
scored only for the best `PASSAGE_POOL` by everything else, and responsiveness (a database read)
only for the best `pool` after that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from .documents import has_words
from .phrases import idf, matchable, phrase_key, query_phrases
from .reasons import Closest, explain

MINUTES_PER_DAY = 24 * 60
FULL_OVERLAP_HOURS = 4.0  # four shared working hours is plenty for weekly sessions
NEUTRAL = 0.5
TIE_BREAK = 0.03  # the most all practical signals together can add
NO_OVERLAP_PENALTY = 0.015  # what 0 h shared working time costs on top (never a much better fit)
PASSAGE_POOL = 300


@dataclass(frozen=True)
class Weights:
    """Weights of the fit and of the tie-break (tuned on the dev half of the hard set)."""

    semantic: float = 1.0
    passage_share: float = 0.5
    lexical: float = 0.1
    lexical_floor: float = 0.15
    lexical_ceiling: float = 0.4
    overlap: float = 0.05
    # Tie-break: their sum is capped at TIE_BREAK whatever the overrides say.
    language: float = 0.008
    timezone: float = 0.01
    responsiveness: float = 0.008
    load: float = 0.004

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)

    def tie_weights(self) -> tuple[float, float, float, float]:
        raw = (self.language, self.timezone, self.responsiveness, self.load)
        total = sum(max(w, 0.0) for w in raw)
        scale = min(1.0, TIE_BREAK / total) if total > 0 else 0.0
        return tuple(max(w, 0.0) * scale for w in raw)  # type: ignore[return-value]


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
    """The mentee's side of a match. `help_with` is their own words (up to 1,000 characters)."""

    user_id: int | None
    goals: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    skills: Mapping[str, str] = field(default_factory=dict)
    industries: Mapping[str, str] = field(default_factory=dict)
    languages: Mapping[str, str] = field(default_factory=dict)
    zone: str = ""
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)
    help_with: str = ""
    meets_outside_hours: bool = False  # "I can meet outside my working hours"

    @property
    def has_goals(self) -> bool:
        """Anything to match on: a goal or interest tag, or free text with at least one word."""
        return bool(
            any(has_words(g) for g in (*self.goals, *self.interests)) or has_words(self.help_with)
        )

    def phrases(self) -> dict[str, tuple[str, str]]:
        tags = [*self.skills.values(), *self.industries.values()]
        found = query_phrases(self.goals, self.interests, self.help_with)
        for name in tags:
            found.setdefault(phrase_key(name), ("tag", name))
        return found


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


def lexical_confidence(cosines: np.ndarray, floor: float, ceiling: float) -> np.ndarray:
    """TF-IDF cosines mapped to [0, 1] on an absolute scale: 0 at or below `floor`, 1 from
    `ceiling`. Calibrated on the dev half: below ~0.15 a match is one shared common word."""
    span = max(ceiling - floor, 1e-6)
    out = (np.asarray(cosines, dtype=np.float32) - np.float32(floor)) / np.float32(span)
    return np.clip(out, 0.0, 1.0, out=out)


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
        phrase_rows: dict[str, set[int]] = {}
        for i, m in enumerate(self.mentors):
            window = utc_window(m.zone, m.work_start, m.work_end, on)
            if window is not None:
                starts[i], lengths[i], known[i] = window[0], window[1], True
            for k in m.languages:
                postings.setdefault(f"l:{k}", []).append(i)
            for name in (*m.topics, *m.skills.values(), *m.industries.values()):
                key = _phrase_key(name)
                if matchable(key):
                    phrase_rows.setdefault(key, set()).add(i)
        self.starts, self.lengths, self.zone_known = starts, lengths, known
        # Working windows repeat (a few zones x a few office hours): overlap is computed once
        # per distinct window per query and gathered, instead of six passes over every mentor.
        windows = np.stack([starts, lengths], axis=1) if n else np.zeros((0, 2), np.float32)
        unique, self.window_index = np.unique(windows, axis=0, return_inverse=True)
        self.window_index = self.window_index.reshape(-1)
        self.window_starts, self.window_lengths = unique[:, 0], unique[:, 1]
        self.postings = {t: np.asarray(rows, dtype=np.int64) for t, rows in postings.items()}
        self.phrase_postings = {
            k: (np.fromiter(sorted(rows), dtype=np.int64, count=len(rows)), idf(len(rows), n))
            for k, rows in phrase_rows.items()
        }
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
        """For each mentor, how many of `terms` it has (in-place adds over the postings)."""
        out = np.zeros(len(self), dtype=np.float32)
        for term in set(terms):
            rows = self.postings.get(term)
            if rows is not None:
                out[rows] += 1.0  # rows are distinct within one posting list
        return out

    def overlap(self, phrases: Iterable[str]) -> np.ndarray:
        """1 - exp(-sum of IDF of each mentor's tags among `phrases`), float32 in [0, 1)."""
        out = np.zeros(len(self), dtype=np.float32)
        for key in set(phrases) & self.phrase_postings.keys():
            rows, weight = self.phrase_postings[key]
            out[rows] += np.float32(weight)
        np.negative(out, out=out)
        np.exp(out, out=out)
        return np.subtract(np.float32(1.0), out, out=out)

    def overlap_minutes_with(self, window: tuple[int, int]) -> np.ndarray:
        """Shared minutes of every mentor's working window with `window` (float32)."""
        per_window = overlap_minutes(
            self.window_starts, self.window_lengths, np.float32(window[0]), np.float32(window[1])
        ).astype(np.float32)
        return per_window[self.window_index]


@lru_cache(maxsize=65536)
def _phrase_key(name: str) -> str:
    return phrase_key(name)


def recommend(
    table: MentorTable,
    meaning: np.ndarray,
    query: MenteeQuery,
    *,
    exclude_user_ids: Iterable[int] = (),
    only_user_ids: Iterable[int] | None = None,
    active_counts: Mapping[int, int] | None = None,
    response_hours: Callable[[list[int]], Mapping[int, float]] | None = None,
    limit: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    pool: int | None = None,
    lexical: np.ndarray | None = None,
    passages: Callable[[np.ndarray], np.ndarray] | None = None,
    closest: Callable[[list[int]], Mapping[int, Closest]] | None = None,
) -> list[Recommendation]:
    """The best `limit` eligible mentors for `query`, best first, each with its reasons.

    With embeddings, `meaning` holds cosine(request, whole profile) per table row, `lexical` the
    TF-IDF cosines, `passages(rows)` the best passage cosine of those rows, and `closest(rows)`
    the closest (mentee passage, mentor passage, cosine) of the recommended rows, for the
    "closely matches" reason.
    Without them `meaning` is the TF-IDF cosine and the others are None. `active_counts` maps
    mentor user id -> active mentorships; `response_hours(user_ids)` returns median
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
    if only_user_ids is not None:
        only = np.fromiter((int(u) for u in only_user_ids), dtype=np.int64)
        eligible &= np.isin(table.user_ids, only)
    eligible_count = int(np.count_nonzero(eligible))
    if not eligible_count:
        return []

    phrases = query.phrases()
    meaning = np.asarray(meaning, dtype=np.float32)
    semantic = lexical is not None
    overlap = table.overlap(phrases)
    if semantic:
        # Stage 1 scores the whole-profile cosine; passages refine it for the pool below.
        fit = np.multiply(meaning, np.float32(w.semantic), dtype=np.float32)
        confidence = lexical_confidence(lexical, w.lexical_floor, w.lexical_ceiling)
        fit += np.float32(w.lexical) * confidence
    else:
        fit = meaning.copy()
        confidence = np.zeros(n, dtype=np.float32)
    fit += np.float32(w.overlap) * overlap

    w_lang, w_tz, w_resp, w_load = w.tie_weights()
    if query.languages:
        lang_shared = table.count_shared(f"l:{k}" for k in query.languages)
        language = table.language_default.copy()
        language[table.has_languages & (lang_shared > 0)] = 1.0
    else:
        language = np.full(n, NEUTRAL, dtype=np.float32)
    mine = utc_window(query.zone, query.work_start, query.work_end, table.on)
    no_overlap = None
    if mine is None:
        tz_hours = np.full(n, np.nan, dtype=np.float32)
        tz = np.full(n, NEUTRAL, dtype=np.float32)
    else:
        hours = table.overlap_minutes_with(mine) / np.float32(60.0)
        tz_hours = np.where(table.zone_known, hours, np.float32(np.nan))
        if query.meets_outside_hours:
            # They said they can meet at any hour: overlap neither helps nor hurts anyone.
            tz = np.full(n, NEUTRAL, dtype=np.float32)
        else:
            tz = np.where(
                table.zone_known, np.minimum(hours, np.float32(FULL_OVERLAP_HOURS)) / 4, NEUTRAL
            ).astype(np.float32, copy=False)
            no_overlap = table.zone_known & (hours <= 0)
    load = np.clip(capacity_left / table.capacity_at_least_one, 0.0, 1.0)

    base = fit.copy()
    base += np.float32(w_lang) * language
    base += np.float32(w_tz) * tz
    base += np.float32(w_load) * load
    base += np.float32(w_resp * NEUTRAL)
    if no_overlap is not None:
        base[no_overlap] -= np.float32(NO_OVERLAP_PENALTY)
    base[~eligible] = -np.inf

    best_passage = meaning.copy()
    if semantic and passages is not None:
        k1 = min(max(PASSAGE_POOL, 20 * limit), eligible_count)
        first = np.argpartition(-base, k1 - 1)[:k1]
        best_passage[first] = passages(first)
        # (1 - s) x whole + s x best passage, for the pool only; the rest keep the whole cosine
        # and are not eligible for the final pool below (their best passage is unknown).
        change = np.float32(w.semantic * w.passage_share) * (best_passage[first] - meaning[first])
        refined = np.full(n, -np.inf, dtype=np.float32)
        refined[first] = base[first] + change
        fit[first] += change
        base = refined

    k = min(pool or max(5 * limit, 50), eligible_count)
    candidates = np.argpartition(-base, k - 1)[:k]
    candidates = candidates[np.isfinite(base[candidates])]
    user_ids = [int(table.user_ids[i]) for i in candidates]
    known_hours = dict(response_hours(user_ids)) if response_hours else {}
    resp = np.fromiter(
        (responsiveness_score(known_hours.get(uid)) for uid in user_ids),
        dtype=np.float32,
        count=len(user_ids),
    )
    final = base[candidates] + w_resp * (resp - NEUTRAL)
    order = np.argsort(-final, kind="stable")[:limit]

    chosen = [int(candidates[j]) for j in order]
    pairs = dict(closest(chosen)) if closest is not None and semantic else {}
    results = []
    for j in order:
        i = int(candidates[j])
        uid = user_ids[j]
        components = {
            "fit": float(fit[i]),
            "semantic": float(meaning[i]) if semantic else 0.0,
            "passage": float(best_passage[i]) if semantic else 0.0,
            "lexical": float(confidence[i]) if semantic else float(meaning[i]),
            "overlap": float(overlap[i]),
            "language": float(language[i]),
            "timezone": float(tz[i]),
            "responsiveness": float(resp[j]),
            "load": float(load[i]),
        }
        hours = float(tz_hours[i])
        reasons = explain(
            table.mentors[i],
            query,
            phrases,
            closest=pairs.get(i),
            overlap=None if math.isnan(hours) else hours,
            response=known_hours.get(uid),
            capacity_left=int(capacity_left[i]),
        )
        results.append(Recommendation(i, uid, round(float(final[j]), 4), components, reasons))
    return results
