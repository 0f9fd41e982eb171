"""Create the database cache table behind CACHES["responses"] when no Redis is configured."""

from django.db import migrations

TABLE = "llmhub_response_cache"


def create_table(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    # createcachetable only creates tables for DB caches in the current settings; with Redis configured
    # there is none, and the table is still created so switching back needs no extra step.
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("llmhub", "0003_routing_policy")]
    operations = [migrations.RunPython(create_table, drop_table)]
