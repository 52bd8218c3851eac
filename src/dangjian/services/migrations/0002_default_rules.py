"""Default red/black list rules (seed 001, 成都市住建局: black below 95% / 80% / 80%); a red
list for units at or above 98% / 95% / 95% on all three. Both configurable afterwards."""
from django.db import migrations

RULES = [
    ("black", "响应及时率低于95%", [{"metric": "response", "op": "lt", "value": 95}], "any", 1),
    ("black", "解决率低于80%", [{"metric": "resolution", "op": "lt", "value": 80}], "any", 2),
    ("black", "群众满意率低于80%", [{"metric": "satisfaction", "op": "lt", "value": 80}], "any", 3),
    ("red", "三项指标均达优秀（98% / 95% / 95%）", [
        {"metric": "response", "op": "gte", "value": 98},
        {"metric": "resolution", "op": "gte", "value": 95},
        {"metric": "satisfaction", "op": "gte", "value": 95},
    ], "all", 1),
]


def add(apps, schema_editor):
    Rule = apps.get_model("services", "RankingRule")
    for kind, name, conditions, match, order in RULES:
        Rule.objects.get_or_create(list_kind=kind, name=name, defaults={"conditions": conditions, "match": match, "order": order, "min_requests": 5})


def remove(apps, schema_editor):
    apps.get_model("services", "RankingRule").objects.filter(name__in=[r[1] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
