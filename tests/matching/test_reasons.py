"""Reasons are true: whole phrases from both sides, absolute thresholds, one per kind (pure)."""

from __future__ import annotations

import re

from mentorloom.matching.phrases import matchable, phrase_key, phrases_in, query_phrases
from mentorloom.matching.ranking import MenteeQuery, MentorFeatures
from mentorloom.matching.reasons import CLOSE_MATCH, Closest, explain

SPEAKER = MentorFeatures(
    user_id=1,
    topics=("Public speaking", "Presentation nerves"),
    skills={"speech writing": "Speech writing", "go": "Go"},
    industries={"media": "Media"},
    languages={"spanish": "Spanish"},
)


def _quoted(reason: str) -> list[str]:
    return re.findall(r"“([^”]*)”", reason)


def test_goal_reason_quotes_the_whole_goal_and_the_whole_tag():
    query = MenteeQuery(user_id=None, goals=("Get better at public speaking",))
    reasons = explain(SPEAKER, query)
    assert (
        reasons[0] == "Your goal “Get better at public speaking”: they help with “Public speaking”"
    )
    same = MenteeQuery(user_id=None, goals=("Public speaking",))
    assert explain(SPEAKER, same)[0] == "Helps with your goal “Public speaking”"


def test_help_text_reason_quotes_the_mentees_exact_words():
    query = MenteeQuery(user_id=None, help_with="My hands shake before presentations. Nerves!")
    assert not any(r.startswith("You asked") for r in explain(SPEAKER, query))
    query = MenteeQuery(user_id=None, help_with="I'm terrified of Public Speaking at work.")
    reason = explain(SPEAKER, query)[0]
    assert reason == "You asked about “Public Speaking”: they help with “Public speaking”"
    mentee_words, tag = _quoted(reason)
    assert mentee_words in query.help_with and tag in SPEAKER.topics


def test_interest_reason_and_at_most_one_reason_per_kind():
    query = MenteeQuery(
        user_id=None,
        goals=("Public speaking", "Presentation nerves"),
        interests=("Speech writing", "Public speaking"),
        help_with="public speaking and presentation nerves",
    )
    reasons = explain(SPEAKER, query)
    kinds = [r.split("“")[0] for r in reasons]
    assert len(kinds) == len(set(kinds))
    assert "Can talk about your interest “Speech writing”" in reasons


def test_a_stopword_or_two_letter_tag_never_matches_alone():
    query = MenteeQuery(user_id=None, help_with="I want to go back to school and get a job")
    assert explain(SPEAKER, query) == []  # "Go" the language is not "go" the verb
    assert not matchable(phrase_key("Go")) and not matchable(phrase_key("Job"))
    assert matchable(phrase_key("Negotiation")) and matchable(phrase_key("Job interviews"))


def test_no_reason_is_a_stem_or_a_fragment():
    mentor = MentorFeatures(user_id=2, topics=("Negotiating a job offer", "Managing people"))
    query = MenteeQuery(
        user_id=None,
        goals=("My manager says I need to get better at",),
        help_with="I manage nothing and my offers keep getting rejected by management.",
    )
    # "manag" is shared as a stem everywhere, but no whole tag appears: nothing to quote.
    assert [r for r in explain(mentor, query) if "“" in r] == []
    query = MenteeQuery(user_id=None, help_with="How do I approach negotiating job offers?")
    (reason,) = [r for r in explain(mentor, query) if "“" in r]
    words, tag = _quoted(reason)
    assert words == "negotiating job offers" and tag == "Negotiating a job offer"
    assert re.search(rf"\b{re.escape(words)}\b", query.help_with)


def test_closely_matches_needs_an_absolute_similarity_and_quotes_both_sides():
    query = MenteeQuery(user_id=None, help_with="My voice cracks when I present.")
    close = Closest("My voice cracks when I present.", "Presentation nerves", CLOSE_MATCH + 0.01)
    reasons = explain(SPEAKER, query, closest=close)
    assert reasons[0] == (
        "You wrote “My voice cracks when I present.”, which closely matches their "
        "“Presentation nerves”"
    )
    # The best pair of an unrelated mentor is still the best, but below the bar: no claim.
    weak = Closest("My voice cracks when I present.", "Plumbing", CLOSE_MATCH - 0.2)
    assert not any("closely" in r for r in explain(SPEAKER, query, closest=weak))
    long = Closest("word " * 60, "Presentation nerves", 0.9)  # never cut into a fragment
    assert not any("closely" in r for r in explain(SPEAKER, query, closest=long))


def test_closely_matches_is_not_said_of_words_a_tag_reason_already_quotes():
    # Seen in the demo: "Can talk about your interest “Remote work”" and "You wrote “Remote
    # work”, which closely matches their “Remote work”" on one card.
    query = MenteeQuery(user_id=None, interests=("Public speaking",))
    same = Closest("Public speaking", "Public speaking", 0.99)
    reasons = explain(SPEAKER, query, closest=same)
    assert reasons == ["Can talk about your interest “Public speaking”"]


def test_industry_skills_language_hours_and_capacity_reasons():
    query = MenteeQuery(
        user_id=None,
        goals=("Pottery",),
        skills={"go": "Go"},
        industries={"media": "Media"},
        languages={"spanish": "Spanish", "english": "English"},
    )
    reasons = explain(SPEAKER, query, overlap=2.4, response=3, capacity_left=1)
    assert reasons == [
        "Works in your industry: Media",
        "Also works with Go",
        "2.5 h overlap with your working hours",
        "Usually replies within a few hours",
        "Speaks Spanish",
    ]
    assert explain(SPEAKER, MenteeQuery(user_id=None), capacity_left=1) == [
        "Has room for 1 more mentee"
    ]


def test_free_text_phrases_keep_the_words_as_written():
    found = phrases_in("Fear of PUBLIC speaking!")
    assert found[phrase_key("public speaking")] == "PUBLIC speaking"
    phrases = query_phrases(["Public speaking"], [], "public speaking")
    assert phrases[phrase_key("Public speaking")] == ("goal", "Public speaking")
