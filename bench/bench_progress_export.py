"""progress_export_<scale>: the progress table of the root's campaign as xlsx, every unit
(campaigns.exporting.export_progress), for the root's committee admin. Goal: under 10 s at city."""
from __future__ import annotations

from runner import BenchError, Context, Figure, seconds

NAME = "progress_export"
GOAL_S = 10.0


def run(ctx: Context) -> list[Figure]:
    from dangjian.campaigns.exporting import export_progress

    campaign = ctx.ensure_campaign()
    path = ctx.workdir / f"progress-{ctx.scale}.xlsx"
    elapsed, units = seconds(lambda: export_progress(ctx.users["root_admin"], campaign, path))
    if not units or not path.is_file():
        raise BenchError("the export wrote no units")
    return [Figure(ctx.name(NAME), elapsed, "s", limit=GOAL_S, extra={"units": units, "bytes": path.stat().st_size})]
