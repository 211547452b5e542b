"""Members join a program themselves (joined_at) or decline (declined_at). Rows linked to an
account before this existed were added without being asked; they count as joined from when
they were added, since their published pairs have already started (docs/programs.md)."""

from django.db import migrations, models
from django.db.models import F, Q


def grandfather_linked(apps, schema_editor):  # type: ignore[no-untyped-def]
    ProgramMembership = apps.get_model("programs", "ProgramMembership")
    ProgramMembership.objects.exclude(user=None).update(joined_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("programs", "0007_forget_all_blocked")]

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
        migrations.RunPython(grandfather_linked, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="programmembership",
            constraint=models.CheckConstraint(
                condition=Q(joined_at__isnull=True) | Q(declined_at__isnull=True),
                name="membership_joined_or_declined",
            ),
        ),
    ]
