"""Program match scores mix in how alike the mentee's and the mentor's stored profile
embeddings are, and stay exactly lexical when either vector (or the extra) is missing."""

from __future__ import annotations

import numpy as np
import pytest

from mentorloom.matching import services as matching_services
from mentorloom.programs import scoring, services
from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory
from tests.matching.conftest import make_mentee, make_mentor

QUESTIONS = [{"key": "track", "label": "Track", "kind": "single"}]


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_alike_vectors_raise_a_pair_and_unlike_ones_lower_it():
    mentee = scoring.Person({"track": "web"}, 1.0, vector=_unit(1, 0, 0))
    close = scoring.Person({"track": "web"}, 1.0, vector=_unit(1, 0.2, 0))
    far = scoring.Person({"track": "web"}, 1.0, vector=_unit(0, 0, 1))
    close_score, close_reasons = scoring.pair_score(mentee, close, QUESTIONS, {})
    far_score, far_reasons = scoring.pair_score(mentee, far, QUESTIONS, {})
    assert close_score > far_score
    # Two lexical criteria at 1 (track 1, zone 0.5) plus meaning at weight 1.
    assert far_score == pytest.approx(1.5 / 2.5)
    assert "Goals and experience read alike" in close_reasons
    assert "Goals and experience read alike" not in far_reasons
    # Opposite vectors count as nothing shared, never below it.
    opposite = scoring.Person({"track": "web"}, 1.0, vector=_unit(-1, 0, 0))
    assert scoring.pair_score(mentee, opposite, QUESTIONS, {})[0] == far_score


def test_without_both_vectors_the_lexical_score_is_unchanged():
    plain_a = scoring.Person({"track": "web"}, 1.0)
    plain_b = scoring.Person({"track": "data"}, 3.0)
    expected = scoring.pair_score(plain_a, plain_b, QUESTIONS, {"zone": 1})
    with_one = scoring.Person({"track": "web"}, 1.0, vector=_unit(1, 0))
    assert scoring.pair_score(with_one, plain_b, QUESTIONS, {"zone": 1}) == expected
    both = scoring.Person({"track": "data"}, 3.0, vector=_unit(1, 0))
    # A program can switch the signal off with a weight of 0.
    assert scoring.pair_score(with_one, both, QUESTIONS, {"zone": 1, "meaning": 0}) == expected
    assert expected[0] == pytest.approx((0 + 1 * (1 - 2 / 12)) / 2)


def _cohort():
    """Two mentees and two mentors whose profiles share no words, only meaning."""
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    patients = make_mentee(career_goals=["Care for patients in a hospital"])
    contracts = make_mentee(career_goals=["Draft commercial agreements for clients"])
    nurse = make_mentor("Nurse", headline="Registered nurse on a busy ward")
    lawyer = make_mentor("Lawyer", headline="Corporate attorney handling mergers")
    members = {}
    for name, profile, role in (
        ("patients", patients, "mentee"),
        ("contracts", contracts, "mentee"),
        ("nurse", nurse, "mentor"),
        ("lawyer", lawyer, "mentor"),
    ):
        members[name] = ProgramMembershipFactory(
            program=program, user=profile.user, role=role, capacity=2
        )
    return admin, program, members, [patients, contracts, nurse, lawyer]


def _scores(admin, program, members):
    run = services.run_matching(admin, program, mode="choice")
    return {(o.mentee_id, o.mentor_id): (o.score, o.reasons) for o in run.options.all()}


@pytest.mark.django_db
@pytest.mark.semantic
def test_with_embeddings_a_paraphrase_pair_outscores_an_unrelated_one():
    admin, program, members, profiles = _cohort()
    for profile in profiles:
        matching_services.refresh_embeddings(profile.pk)
    scores = _scores(admin, program, members)
    m = {k: v.pk for k, v in members.items()}
    assert scores[(m["patients"], m["nurse"])][0] > scores[(m["patients"], m["lawyer"])][0]
    assert scores[(m["contracts"], m["lawyer"])][0] > scores[(m["contracts"], m["nurse"])][0]
    alike = "Goals and experience read alike"
    assert alike in scores[(m["patients"], m["nurse"])][1]
    assert alike not in scores[(m["patients"], m["lawyer"])][1]
    # The optimal run pairs by meaning too.
    run = services.run_matching(admin, program)
    assert {(p.mentee_id, p.mentor_id) for p in run.pairs.all()} == {
        (m["patients"], m["nurse"]),
        (m["contracts"], m["lawyer"]),
    }


def _all_lexical(scores):
    # Nobody answered the program's question and all share a zone: on the lexical criteria
    # every pair is the same; meaning would have told them apart.
    assert len(scores) == 4
    assert [score for score, _ in scores.values()] == [pytest.approx(0.5 / 1.5)] * 4
    assert all(reasons == ["Same time zone"] for _, reasons in scores.values())


@pytest.mark.django_db
def test_without_the_extra_every_pair_scores_on_the_lexical_criteria_alone():
    admin, program, members, _ = _cohort()
    _all_lexical(_scores(admin, program, members))


@pytest.mark.django_db
@pytest.mark.semantic
def test_with_the_mentees_vectors_not_computed_yet_scores_stay_lexical():
    admin, program, members, profiles = _cohort()
    for profile in profiles[2:]:
        matching_services.refresh_embeddings(profile.pk)
    _all_lexical(_scores(admin, program, members))


def _store_vector(user, side: str, vector: np.ndarray) -> None:
    from mentorloom.matching import embeddings
    from mentorloom.matching.models import ProfileEmbedding
    from mentorloom.matching.vectors import to_bytes

    full = np.zeros(embeddings.DIMENSIONS, dtype=np.float32)
    full[: len(vector)] = vector
    ProfileEmbedding.objects.create(
        profile=user.profile,
        side=side,
        model_name=embeddings.model_name(),
        content_hash=f"test-{user.pk}-{side}",
        vector=to_bytes(full),
    )


def _pair_score_via_api(admin, program) -> float:
    from django.test import Client

    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/api/v1/programs/{program.pk}/runs", {"mode": "optimal"}, content_type="application/json"
    )
    assert response.status_code == 201
    (pair,) = response.json()["pairs"]
    return pair["score"]


@pytest.mark.django_db
def test_an_imported_members_profile_vector_scores_nothing_until_they_join(settings):
    # An admin who imports someone's address must not measure that account's private profile
    # text ("help with") through scores: the profile lends its vector only once they joined.
    from mentorloom.matching import embeddings
    from mentorloom.programs.selectors import member_vectors

    if not embeddings.semantic_installed():
        pytest.skip("the semantic extra is not installed")
    settings.MENTORLOOM_SEMANTIC = True
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    mentor = ProgramMembershipFactory(program=program, role="mentor")
    target = ProgramMembershipFactory(program=program, role="mentee", joined_at=None)
    _store_vector(mentor.user, "mentor", _unit(1, 0))
    _store_vector(target.user, "mentee", _unit(1, 0))

    assert target.pk not in member_vectors(program.memberships.all())
    lexical = _pair_score_via_api(admin, program)
    target.joined_at = target.created_at
    target.save(update_fields=["joined_at"])
    assert target.pk in member_vectors(program.memberships.all())
    assert _pair_score_via_api(admin, program) != lexical  # joined: meaning counts now


@pytest.mark.django_db
def test_admins_see_match_scores_to_two_decimals_only():
    # The full float moved with the smallest change in one member's text.
    from django.test import Client

    admin, program, _, _ = _cohort()
    client = Client()
    client.force_login(admin)
    body = client.post(
        f"/api/v1/programs/{program.pk}/runs", {"mode": "optimal"}, content_type="application/json"
    ).json()
    scores = [p["score"] for p in body["pairs"]]
    assert scores == [0.33, 0.33]  # 0.5 / 1.5 on the lexical criteria (_all_lexical)
    assert body["total_score"] == 0.67
