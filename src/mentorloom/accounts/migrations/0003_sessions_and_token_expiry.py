import django.db.models.deletion
import django.utils.timezone
from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def expire_open_ended_tokens(apps, schema_editor):
    # Tokens made when "never" was allowed now expire in 90 days: time for scripts to move on.
    token_model = apps.get_model("accounts", "PersonalAccessToken")
    deadline = django.utils.timezone.now() + timedelta(days=90)
    token_model.objects.filter(expires_at=None).update(expires_at=deadline)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_personalaccesstoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("session_key", models.CharField(max_length=40, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_seen_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="browser_sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-last_seen_at"]},
        ),
        migrations.RunPython(expire_open_ended_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="personalaccesstoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
