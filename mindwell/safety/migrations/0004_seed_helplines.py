"""Fill the helpline tables from data/helplines.toml, the directory as it shipped."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from mindwell.safety.helplines import seed

    seed(apps.get_model("safety", "HelplineCountry"), apps.get_model("safety", "Helpline"))


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("safety", "Helpline").objects.all().delete()
    apps.get_model("safety", "HelplineCountry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("safety", "0003_helplines")]

    operations = [migrations.RunPython(seed, unseed)]
