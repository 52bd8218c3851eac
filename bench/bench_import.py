"""import_members_<scale>: importing the scale's members from xlsx, against reading the file."""
from __future__ import annotations

from runner import BenchError, Context, Figure, Skip, median_seconds, seconds

NAME = "import_members"


def read_all(path) -> int:
    """What any import must do at least: stream every row of the file with openpyxl."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    n = 0
    for _row in wb.worksheets[0].iter_rows(values_only=True):
        n += 1
    wb.close()
    return n


def run(ctx: Context) -> list[Figure]:
    from dangjian.orgs import generator

    try:
        from dangjian.orgs.importing import import_members
    except ImportError as exc:
        raise Skip(f"dangjian.orgs.importing.import_members is not available ({exc})") from exc
    if ctx.members_loaded:
        raise Skip("members are already loaded")

    path = ctx.workdir / f"members_{ctx.scale}.xlsx"
    write_s, rows = seconds(lambda: generator.write_xlsx(path, "members", generator.iter_members(ctx.scale, ctx.rows)))
    # Reading 100,000 rows takes seconds: one read is steady enough at city scale.
    repeat = 1 if ctx.scale == "city" else 3
    read_s = median_seconds(lambda: read_all(path), repeat=repeat, warmup=0)
    import_s, result = seconds(lambda: import_members(ctx.users["sysadmin"], str(path)))
    if not result.ok:
        shown = "; ".join(str(e) for e in result.errors[:5])
        raise BenchError(f"import of generated members failed with {len(result.errors)} errors: {shown}")
    if result.created != rows:
        raise BenchError(f"import created {result.created} members from {rows} rows")
    ctx.members_loaded = True
    ctx.analyze()
    return [
        Figure(ctx.name("write_members_xlsx"), write_s, "s", extra={"rows": rows}),
        Figure(ctx.name(NAME), import_s, "s", limit=read_s, extra={"rows": rows, "created": result.created, "goal_ratio": 2}),
    ]
