"""Background and periodic work of study (see core.jobs)."""
import datetime as dt

from dangjian.core.jobs import periodic


@periodic("study.close_sessions", every=dt.timedelta(minutes=15))
def close_sessions() -> int:
    """Whoever neither checked in nor has leave when a session ends is absent."""
    from dangjian.study.attendance import close_ended_sessions

    return close_ended_sessions()
