"""Plain-language reasons for a recommendation. Pure: no Django.

Every reason is true and checkable by the mentee: a topical reason quotes the mentee's own whole
words (a goal, an interest, or the exact words of their request) and the mentor's whole tag or
sentence; never a stem or a stopword-cut fragment. "Closely matches" needs an absolute
similarity of at least CLOSE_MATCH between one passage of each side (calibrated on the dev half
of the hard set: 93% of pairs above it were labelled relevant, 55% of those above 0.5), never
"the best we have".
At most one reason of each kind, strongest kinds first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from .phrases import best_tag_match

if TYPE_CHECKING:
    from .ranking import MenteeQuery, MentorFeatures

MAX_REASONS = 5
CLOSE_MATCH = 0.65
MAX_QUOTE_CHARS = 160  # a longer sentence is not quoted (and never cut into a fragment)


class Closest(NamedTuple):
    """The closest pair of passages between a mentee and a mentor, and their cosine."""

    mentee: str
    mentor: str
    cosine: float


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_hours(hours: float) -> str:
    """Rounded to the half hour: '4', '1.5'."""
    half = round(hours * 2) / 2
    return f"{half:g}"


def _quote(text: str) -> str:
    return f"“{text}”"


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def topical_reasons(
    mentor: MentorFeatures,
    phrases: Mapping[str, tuple[str, str]],
    closest: Closest | None,
) -> list[str]:
    offers = [*mentor.topics, *mentor.skills.values()]
    reasons = []
    quoted: list[str] = []  # phrases a reason already quotes (both sides)
    goal = best_tag_match(phrases, offers, ("goal",))
    if goal:
        _, words, tag = goal
        quoted += [words, tag]
        if _same(words, tag):
            reasons.append(f"Helps with your goal {_quote(tag)}")
        else:
            reasons.append(f"Your goal {_quote(words)}: they help with {_quote(tag)}")
    asked = best_tag_match(phrases, offers, ("help",))
    if asked:
        _, words, tag = asked
        quoted += [words, tag]
        reasons.append(f"You asked about {_quote(words)}: they help with {_quote(tag)}")
    interest = best_tag_match(phrases, offers, ("interest",))
    if interest:
        _, words, tag = interest
        quoted += [words, tag]
        if _same(words, tag):
            reasons.append(f"Can talk about your interest {_quote(tag)}")
        else:
            reasons.append(f"Your interest {_quote(words)}: they talk about {_quote(tag)}")
    if (
        closest is not None
        and closest.cosine >= CLOSE_MATCH
        and len(closest.mentee) <= MAX_QUOTE_CHARS
        and len(closest.mentor) <= MAX_QUOTE_CHARS
        # The same words already quoted by a tag reason would say one thing twice.
        and not any(_same(closest.mentee, q) or _same(closest.mentor, q) for q in quoted)
    ):
        reasons.append(
            f"You wrote {_quote(closest.mentee)}, which closely matches their "
            f"{_quote(closest.mentor)}"
        )
    return reasons


def explain(
    mentor: MentorFeatures,
    query: MenteeQuery,
    phrases: Mapping[str, tuple[str, str]] | None = None,
    *,
    closest: Closest | None = None,
    overlap: float | None = None,
    response: float | None = None,
    capacity_left: int = 0,
) -> list[str]:
    """Plain-language reasons, strongest first, at most MAX_REASONS, one per kind."""
    reasons = topical_reasons(
        mentor,
        query.phrases() if phrases is None else phrases,
        closest if query.has_goals else None,
    )
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
