"""Runs stored before blocks stopped being reported: their "all_blocked" reason (which told an
admin that someone had blocked someone) becomes the generic "constraints_combined", in the
summary counts and in each unmatched person's reasons. Irreversible in meaning: the old code
is not brought back."""

from django.db import migrations

OLD, NEW = "all_blocked", "constraints_combined"


def forget_all_blocked(apps, schema_editor):  # type: ignore[no-untyped-def]
    MatchRun = apps.get_model("programs", "MatchRun")
    for run in MatchRun.objects.filter(summary__has_key=OLD).iterator():
        counts: dict[str, int] = {}
        for row in run.unmatched:
            reasons = [NEW if code == OLD else code for code in row.get("reasons", [])]
            row["reasons"] = list(dict.fromkeys(reasons))
            for code in row["reasons"]:
                counts[code] = counts.get(code, 0) + 1
        run.summary = counts  # mentees per reason, as assignment.Result.summary counts them
        run.save(update_fields=["summary", "unmatched"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0006_answer_batches")]

    operations = [migrations.RunPython(forget_all_blocked, migrations.RunPython.noop)]
