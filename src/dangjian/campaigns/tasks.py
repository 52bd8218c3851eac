"""Background and periodic work of the campaign engine (see core.jobs)."""
import datetime as dt

from dangjian.core.jobs import periodic


@periodic("campaigns.reminders", every=dt.timedelta(hours=1))
def send_reminders() -> int:
    """Reminders of due and overdue tasks and of notices to acknowledge. Hourly: each reminder
    goes once (keyed), so a new task or notice within the window is reminded the same hour."""
    from dangjian.campaigns import reminders

    return reminders.run()
