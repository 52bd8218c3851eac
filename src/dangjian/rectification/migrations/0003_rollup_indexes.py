"""Covering indexes for the three lists' roll-up (rectification.lists): the problems of a subtree
by (org, level reached) with the columns the counts read (status, aspect, deadline; found and
closed for the months), and the measures of a problem with status and deadline. The database
answers the roll-up from the indexes alone. Plain SQL, the same on SQLite and PostgreSQL; kept
out of the models' state on purpose (they are an access path, not part of the data model)."""
from django.db import migrations

INDEXES = {
    "problem_rollup_cover": ("rectification_problem", "org_id, level_depth, status, aspect_id, due_on"),
    "problem_month_cover": ("rectification_problem", "org_id, level_depth, found_on, closed_at"),
    "measure_rollup_cover": ("rectification_measure", "problem_id, status, due_on"),
}


class Migration(migrations.Migration):
    dependencies = [("rectification", "0002_default_aspects")]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON {table} ({columns})", reverse_sql=f"DROP INDEX {name}")
        for name, (table, columns) in INDEXES.items()
    ]
