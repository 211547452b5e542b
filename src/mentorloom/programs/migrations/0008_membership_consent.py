"""Members join a program themselves (joined_at) or decline (declined_at); a pair records when
its mentorship started (started_at). Rows linked to an account before this existed were added
without being asked. Admins, and people whose published pair already started, count as joined
from when they were added (their mentorship is under way); everyone else linked is asked now:
an in-app notice points them to the Programs page (docs/programs.md)."""

from django.db import migrations, models
from django.db.models import F, Q, Subquery

NOTICE_TITLE = "{organisation} added you to {program}"
NOTICE_BODY = "Nothing starts until you join: join or decline on your Programs page."


def grandfather_started(apps, schema_editor):  # type: ignore[no-untyped-def]
    ProgramMembership = apps.get_model("programs", "ProgramMembership")
    ProposedPair = apps.get_model("programs", "ProposedPair")
    Notification = apps.get_model("notifications", "Notification")
    started = ProposedPair.objects.filter(run__status="published").exclude(mentorship=None)
    started.filter(started_at=None).update(
        started_at=Subquery(
            apps.get_model("programs", "MatchRun")
            .objects.filter(pk=models.OuterRef("run_id"))
            .values("published_at")[:1]
        )
    )
    in_started = Q(pk__in=started.values("mentee_id")) | Q(pk__in=started.values("mentor_id"))
    linked = ProgramMembership.objects.exclude(user=None)
    linked.filter(Q(role="admin") | in_started).update(joined_at=F("created_at"))
    asked = linked.filter(joined_at=None, user__is_active=True).select_related(
        "program__organisation"
    )
    told: set[tuple[int, int]] = set()
    notices = []
    for member in asked.order_by("pk").iterator(chunk_size=2000):
        if (member.user_id, member.program_id) in told:
            continue
        told.add((member.user_id, member.program_id))
        notices.append(
            Notification(
                user_id=member.user_id,
                kind="program.invitation",
                title=NOTICE_TITLE.format(
                    organisation=member.program.organisation.name, program=member.program.name
                )[:200],
                body=NOTICE_BODY,
                url="/programs/",
            )
        )
    Notification.objects.bulk_create(notices, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0007_forget_all_blocked"),
        ("notifications", "0002_notification_in_digest_notificationpreference"),
    ]

    operations = [
        migrations.AddField(
            model_name="programmembership",
            name="joined_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="programmembership",
            name="declined_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="proposedpair",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(grandfather_started, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="programmembership",
            constraint=models.CheckConstraint(
                condition=Q(joined_at__isnull=True) | Q(declined_at__isnull=True),
                name="membership_joined_or_declined",
            ),
        ),
    ]
