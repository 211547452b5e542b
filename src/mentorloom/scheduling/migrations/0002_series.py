import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="series_index",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="SessionSeries",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("zone", models.CharField(max_length=64)),
                (
                    "frequency",
                    models.CharField(
                        choices=[
                            ("weekly", "Every week"),
                            ("biweekly", "Every two weeks"),
                            ("monthly", "Monthly on the same weekday"),
                        ],
                        max_length=10,
                    ),
                ),
                ("nth", models.SmallIntegerField(blank=True, null=True)),
                ("first_date", models.DateField()),
                ("time", models.TimeField()),
                ("alt_time", models.TimeField(blank=True, null=True)),
                ("duration_minutes", models.PositiveSmallIntegerField()),
                ("count", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("until", models.DateField(blank=True, null=True)),
                ("agenda", models.TextField(blank=True, max_length=2000)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "mentorship",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="session_series",
                        to="mentorships.mentorship",
                    ),
                ),
                (
                    "organiser",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="session",
            name="series",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="sessions",
                to="scheduling.sessionseries",
            ),
        ),
    ]
