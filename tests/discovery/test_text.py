"""Words for search: normalising, goal keywords, typo tolerance (pure)."""

from __future__ import annotations

from mentorloom.discovery.text import (
    edit_distance,
    expand_terms,
    goal_keywords,
    normalise,
    query_terms,
)


def test_normalise_folds_case_and_accents():
    assert normalise("São Paulo RÉSUMÉ") == "sao paulo resume"


def test_query_terms_drop_stopwords_and_duplicates():
    assert query_terms("Help with the Python and python in data") == ["help", "python", "data"]


def test_goal_keywords_keep_the_subject_of_a_goal():
    assert goal_keywords("Get my first data analyst job") == ["data", "analyst"]
    assert goal_keywords("Become a product manager") == ["product", "manager"]
    assert goal_keywords("Get a job") == []


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("pyhton", "python", 1) == 1
    assert edit_distance("kubernets", "kubernetes", 2) == 1
    assert edit_distance("design", "python", 2) == 3  # gave up past the limit


def test_typos_widen_only_words_that_match_nothing():
    vocabulary = ["kubernetes", "product", "python"]

    def has_prefix(word: str) -> bool:
        return any(v.startswith(word) for v in vocabulary)

    terms = expand_terms(
        ["pyth", "pyhton", "kubrenetes", "zzzzzz", "sql"], has_prefix, lambda w: vocabulary
    )
    assert [(t.word, t.alternatives) for t in terms] == [
        ("pyth", ()),
        ("pyhton", ("python",)),
        ("kubrenetes", ("kubernetes",)),
        ("zzzzzz", ()),
        ("sql", ()),  # short words are never "corrected"
    ]
