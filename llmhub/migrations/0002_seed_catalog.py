from django.db import migrations


def seed(apps, schema_editor):
    from llmhub.catalog.seed import seed_catalog

    seed_catalog(apps)


class Migration(migrations.Migration):
    dependencies = [("llmhub", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
