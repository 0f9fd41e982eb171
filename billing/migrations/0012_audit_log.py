import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# Append-only below the ORM too. PostgreSQL refuses UPDATE and DELETE (TRUNCATE, which a test flush uses,
# stays allowed); SQLite refuses UPDATE only, because Django flushes SQLite tables with DELETE.
PG_APPEND_ONLY = [
    """
CREATE FUNCTION billing_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'billing_auditentry is append-only: ' || TG_OP || ' refused';
END;
$$""",
    """
CREATE TRIGGER billing_auditentry_append_only BEFORE UPDATE OR DELETE ON billing_auditentry
    FOR EACH ROW EXECUTE FUNCTION billing_auditentry_append_only()""",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS billing_auditentry_append_only ON billing_auditentry",
    "DROP FUNCTION IF EXISTS billing_auditentry_append_only()",
]
SQLITE_APPEND_ONLY = """
CREATE TRIGGER billing_auditentry_append_only BEFORE UPDATE ON billing_auditentry
BEGIN SELECT RAISE(ABORT, 'billing_auditentry is append-only'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS billing_auditentry_append_only;"


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_APPEND_ONLY:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_APPEND_ONLY)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_DROP:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0011_dropped'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('actor_label', models.CharField(blank=True, help_text='username then; empty: the hub itself', max_length=150)),
                ('team_label', models.CharField(blank=True, max_length=100)),
                ('action', models.CharField(help_text='a code of billing.audit_log.ACTIONS', max_length=40)),
                ('target_type', models.CharField(max_length=40)),
                ('target_id', models.CharField(blank=True, max_length=64)),
                ('target_label', models.CharField(blank=True, max_length=200)),
                ('before', models.JSONField(blank=True, default=dict)),
                ('after', models.JSONField(blank=True, default=dict)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('team', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='billing.team')),
            ],
            options={
                'verbose_name_plural': 'audit entries',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['team', 'at'], name='billing_audit_team_at_idx'), models.Index(fields=['actor', 'at'], name='billing_audit_actor_at_idx'), models.Index(fields=['action', 'at'], name='billing_audit_action_at_idx')],
            },
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
