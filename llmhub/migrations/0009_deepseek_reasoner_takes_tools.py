"""deepseek-reasoner takes tools now (DeepSeek serves it with tools since V3.1): catalog models it serves
accept tool requests, unless an admin set that themselves."""

from typing import Any

from django.db import migrations


def allow_tools(apps: Any, schema_editor: Any) -> None:
    CatalogModel = apps.get_model("llmhub", "CatalogModel")
    served = CatalogModel.objects.filter(
        deployments__provider="deepseek", deployments__upstream_model="deepseek-reasoner", supports_tools=False
    ).distinct()
    for model in served:
        if "supports_tools" not in (model.admin_edited or []):
            model.supports_tools = True
            model.save(update_fields=["supports_tools"])


class Migration(migrations.Migration):
    dependencies = [("llmhub", "0008_provider_wire_format_responses")]

    operations = [migrations.RunPython(allow_tools, migrations.RunPython.noop)]
