"""The six aspects of problems of the 2023 campaign (seed 001: 聚焦6个方面查摆突出问题); the list
is configurable afterwards."""
from django.db import migrations

ASPECTS = [
    ("学习贯彻习近平新时代中国特色社会主义思想方面", "理论学习"),
    ("推动高质量发展方面", "推动发展"),
    ("服务群众、解决急难愁盼问题方面", "为民服务"),
    ("党性修养和作风建设方面", "党性作风"),
    ("履职尽责、担当作为方面", "担当作为"),
    ("落实全面从严治党责任方面", "从严治党"),
]


def add(apps, schema_editor):
    Aspect = apps.get_model("rectification", "Aspect")
    for i, (name, short) in enumerate(ASPECTS, start=1):
        Aspect.objects.get_or_create(name=name, defaults={"short_name": short, "order": i})


def remove(apps, schema_editor):
    apps.get_model("rectification", "Aspect").objects.filter(name__in=[a for a, _ in ASPECTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
