"""Seed the five built-in agenda templates (admins can edit them or add more)."""

from django.db import migrations

TEMPLATES = [
    {
        "slug": "first-meeting",
        "name": "First meeting",
        "description": "Get to know each other and agree how you will work together.",
        "topics": [
            {"title": "Introductions and backgrounds", "goal": "Know each other's story", "minutes": 10},
            {"title": "What you want from this mentorship", "goal": "Two or three goals", "minutes": 15},
            {"title": "How we will work together", "goal": "Cadence, channels, boundaries", "minutes": 10},
            {"title": "Next steps", "goal": "First action items", "minutes": 5},
        ],
        "questions": "What would make this mentorship a success for you in three months?",
    },
    {
        "slug": "career-planning",
        "name": "Career planning",
        "description": "Where you are, where you want to go, and the next step.",
        "topics": [
            {"title": "Where you are now", "goal": "Strengths and frustrations", "minutes": 10},
            {"title": "Where you want to be", "goal": "A direction for 1–3 years", "minutes": 15},
            {"title": "Gaps and options", "goal": "Skills, roles, people to meet", "minutes": 15},
            {"title": "Next steps", "goal": "One concrete step before next time", "minutes": 5},
        ],
        "questions": "Which roles or people inspire you, and why?",
    },
    {
        "slug": "cv-portfolio-review",
        "name": "CV / portfolio review",
        "description": "Walk through your CV or portfolio and sharpen it.",
        "topics": [
            {"title": "Target role and audience", "goal": "Who reads this and what they need", "minutes": 5},
            {"title": "Walkthrough", "goal": "Feedback section by section", "minutes": 25},
            {"title": "Top three improvements", "goal": "Agree what to change first", "minutes": 10},
        ],
        "questions": "Link to the CV or portfolio:",
    },
    {
        "slug": "mock-interview",
        "name": "Mock interview",
        "description": "Practise an interview and get feedback straight away.",
        "topics": [
            {"title": "Set-up: role, company, interview type", "goal": "Realistic scenario", "minutes": 5},
            {"title": "Interview", "goal": "Answer as in the real thing", "minutes": 30},
            {"title": "Debrief", "goal": "What worked, what to practise", "minutes": 15},
        ],
        "questions": "Which questions worry you most?",
    },
    {
        "slug": "goal-check-in",
        "name": "Goal check-in",
        "description": "Review progress on your goals and adjust.",
        "topics": [
            {"title": "Wins since last time", "goal": "Celebrate progress", "minutes": 5},
            {"title": "Action items review", "goal": "Done, blocked or dropped", "minutes": 10},
            {"title": "Obstacles", "goal": "One obstacle to work through", "minutes": 15},
            {"title": "Next steps", "goal": "Action items until next time", "minutes": 5},
        ],
        "questions": "",
    },
]


def seed(apps, schema_editor):
    AgendaTemplate = apps.get_model("mentoring_sessions", "AgendaTemplate")
    for position, data in enumerate(TEMPLATES, 1):
        AgendaTemplate.objects.update_or_create(
            slug=data["slug"], defaults={**data, "position": position * 10}
        )


def unseed(apps, schema_editor):
    AgendaTemplate = apps.get_model("mentoring_sessions", "AgendaTemplate")
    AgendaTemplate.objects.filter(slug__in=[t["slug"] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("mentoring_sessions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
