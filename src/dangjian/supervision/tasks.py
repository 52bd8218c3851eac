"""Background and periodic work of supervision (see core.jobs): importing this module registers
the daily questionnaire reminders (supervision.questionnaire_reminders, 09:00)."""
from dangjian.supervision.questionnaires import remind_due  # noqa: F401
