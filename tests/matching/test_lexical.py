from __future__ import annotations

import numpy as np

from mentorloom.matching.documents import content_hash, mentee_document, mentor_document
from mentorloom.matching.lexical import LexicalIndex, tokens
from mentorloom.matching.vectors import VectorIndex, from_bytes, to_bytes, top_k


def test_tokens_drop_boilerplate_and_meet_on_stems():
    assert tokens("Becoming a Product Manager") == tokens("become product managers")
    assert tokens("Get my first job") == []


def test_tfidf_ranks_the_matching_document_first_and_scores_are_cosines():
    docs = [
        "Senior product manager: product discovery and roadmaps",
        "Plumber training apprentices in heat pumps",
        "Data analyst building dashboards in SQL",
    ]
    index = LexicalIndex(docs)
    scores = index.scores("I want to become a product manager")
    assert int(np.argmax(scores)) == 0
    assert scores[1] == 0 and 0 < scores[0] <= 1
    assert np.isclose(index.scores(docs[2])[2], 1.0)


def test_documents_and_hash_change_with_text_or_model():
    text = mentor_document("PM", "", "**Bio**", ["SQL"], ["Roadmaps"], ["SaaS"])
    assert text == "PM. Bio. SQL. Roadmaps. SaaS"  # plain text: no labels, no Markdown
    assert mentee_document([], [], headline="Headline only") == ""
    assert mentee_document([], [], help_with="  \n ") == ""
    assert (
        mentee_document(["Roadmaps"], [], help_with="I want to lead") == "I want to lead. Roadmaps"
    )
    assert content_hash("m1", text) != content_hash("m2", text)
    assert content_hash("m1", text) != content_hash("m1", text + " more")


def test_vectors_round_trip_and_top_k_is_sorted():
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((50, 8)).astype(np.float32)
    index = VectorIndex(matrix)
    q = matrix[7]
    assert np.allclose(from_bytes(to_bytes(q)), q / np.linalg.norm(q), atol=1e-6)
    scores = index.scores(q)
    best = top_k(scores, 5)
    assert best[0] == 7 and list(scores[best]) == sorted(scores[best], reverse=True)
    missing = VectorIndex.from_rows([to_bytes(q), None, b"short"], 8)
    assert missing.scores(q)[1:].tolist() == [0.0, 0.0]
