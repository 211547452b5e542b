"""Every live mentorship gets its conversation (issue 26: the inbox said "No conversations yet"
to a mentee whose mentorship had started, because the conversation was made on first open)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Mentorship = apps.get_model("mentorships", "Mentorship")
    Conversation = apps.get_model("messaging", "Conversation")
    Participant = apps.get_model("messaging", "Participant")
    missing = Mentorship.objects.filter(
        conversation__isnull=True, mentor__isnull=False, mentee__isnull=False
    ).exclude(status="ended")
    for mentorship in missing.iterator():
        conversation = Conversation.objects.create(kind="mentorship", mentorship=mentorship)
        Participant.objects.bulk_create(
            [
                Participant(conversation=conversation, user_id=mentorship.mentor_id),
                Participant(conversation=conversation, user_id=mentorship.mentee_id),
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_alter_message_sender"),
        ("mentorships", "0004_alter_mentorship_mentee_alter_mentorship_mentor_and_more"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
