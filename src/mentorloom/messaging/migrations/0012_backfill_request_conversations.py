"""Every open connection request gets its conversation, and the conversation of a mentorship
that began with an accepted request is linked to it (issue 26, item 2: a request's
conversation exists from the moment it is sent, so both inboxes list it).

A data migration rather than creation on read: the inbox query stays one statement. Requests
answered (declined, withdrawn, expired) before this migration get none; they had no chat
history to keep. Re-running it creates nothing twice (only requests without one are taken).
"""

from django.db import migrations

OPEN = ("pending", "info_requested")


def backfill(apps, schema_editor):
    MentorshipRequest = apps.get_model("mentorships", "MentorshipRequest")
    Conversation = apps.get_model("messaging", "Conversation")
    Participant = apps.get_model("messaging", "Participant")
    missing = MentorshipRequest.objects.filter(status__in=OPEN, conversation__isnull=True)
    for request in missing.iterator():
        conversation = Conversation.objects.create(
            kind="request", request=request, created_at=request.created_at
        )
        Participant.objects.bulk_create(
            [
                Participant(conversation=conversation, user_id=request.mentee_id),
                Participant(conversation=conversation, user_id=request.mentor_id),
            ]
        )
    # The mentorship's conversation keeps its request as context (the note at the top).
    accepted = MentorshipRequest.objects.filter(
        status="accepted", mentorship__isnull=False, conversation__isnull=True
    )
    for request in accepted.iterator():
        Conversation.objects.filter(
            mentorship_id=request.mentorship_id, request__isnull=True
        ).update(request=request)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0011_conversation_request"),
        ("mentorships", "0004_alter_mentorship_mentee_alter_mentorship_mentor_and_more"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
