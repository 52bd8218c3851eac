"""Template helpers shared by every page: optional links, navigation state, masking, durations."""
from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from dangjian.core.models import Role
from dangjian.core.personal import mask_id_number, mask_phone

register = template.Library()

# Which left-navigation entry a page belongs to, by URL-name prefix (first match wins).
NAV_SECTIONS = (
    ("home", "home"),
    ("org_", "orgs"),
    ("member_", "members"),
    ("import_", "import"),
    ("export_", "members"),
    ("role_", "roles"),
    ("account_", "roles"),
    ("todo", "todo"),
    ("unit_task_", "unit_tasks"),
    ("evidence_", "unit_tasks"),
    ("submission_", "unit_tasks"),
    ("progress_", "progress"),
    ("notice_", "notices"),
    ("inbox", "inbox"),
    ("notification_", "inbox"),
    ("campaign_", "campaigns"),
    ("phase_", "campaigns"),
    ("workinggroup_", "campaigns"),
    ("guidance_", "campaigns"),
    ("seat_", "campaigns"),
    ("joint_", "campaigns"),
    ("task_", "campaigns"),
    ("study_plan_", "study_sessions"),
    ("study_session_", "study_sessions"),
    ("attendance_", "study_sessions"),
    ("material_", "materials"),
    ("distribution_", "materials"),
    ("reading_", "materials"),
    ("question_", "quizzes"),
    ("quiz_", "quizzes"),
    ("questioning_", "quizzes"),
    ("study_rates", "study_rates"),
    ("study_record_", "study_rates"),
    ("my_study", "my_study"),
    ("checkin_", "my_study"),
    ("problem_", "problems"),
    ("measure_", "problems"),
    ("rect_evidence_", "problems"),
    ("rect_import", "problems"),
    ("rect_import_", "problems"),
    ("aspect_", "problems"),
    ("rect_lists", "rect_lists"),
    ("outcome_", "rect_lists"),
    ("matter_", "matters"),
    ("service_unit_", "redblack"),
    ("service_request_", "redblack"),
    ("ranking_rule_", "redblack"),
    ("redblack", "redblack"),
    ("supervision_", "supervision"),
    ("inspection_", "supervision"),
    ("round_", "supervision"),
    ("group_", "supervision"),
    ("activity_", "supervision"),
    ("exemplar_", "supervision"),
    ("feedback_", "feedback"),
    ("finding_", "feedback"),
    ("questionnaire_", "questionnaires"),
    ("brief_", "briefs"),
)


@register.filter
def record_url(ref: str) -> str:
    """The page of a linked record ("study.StudySession:42"), or ""."""
    from dangjian.core.records import record_url as _record_url

    return _record_url(ref)


@register.simple_tag
def optional_url(name: str, *args) -> str:
    """The URL for `name`, or "" when no such page is installed (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def section_of(url_name: str | None) -> str:
    for prefix, section in NAV_SECTIONS:
        if url_name and (url_name == prefix or (prefix.endswith("_") and url_name.startswith(prefix))):
            return section
    return ""


@register.simple_tag(takes_context=True)
def nav_active(context, section: str) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return "active" if match is not None and section_of(match.url_name) == section else ""


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value) if value else ""


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value) if value else ""


@register.filter
def role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


@register.filter
def minutes(value) -> int:
    """A timedelta as whole minutes (the lockout page's cool-off)."""
    try:
        return max(1, int(value.total_seconds() // 60))
    except AttributeError:
        return 0


# Line icons drawn in currentColor, 24×24; kept here so that no icon font or outside file is needed.
ICONS = {
    "home": "M3 10.5 12 3l9 7.5M5 9v12h5v-6h4v6h5V9",
    "orgs": "M9.5 3h5v4h-5zM2.5 17h5v4h-5zM9.5 17h5v4h-5zM16.5 17h5v4h-5zM12 7v6M5 17v-4h14v4",
    "members": "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a7 7 0 0 1 14 0v1M16 3.5a4 4 0 0 1 0 7M22 21v-1a6 6 0 0 0-4-5.6",
    "import": "M12 15V3M7 8l5-5 5 5M4 14v6h16v-6",
    "roles": "M12 2.5l8 3v6c0 4.8-3.4 8.8-8 10-4.6-1.2-8-5.2-8-10v-6zM8.5 12l2.5 2.5 4.5-5",
    "search": "M10.5 18a7.5 7.5 0 1 0 0-15 7.5 7.5 0 0 0 0 15zM21 21l-5.2-5.2",
    "plus": "M12 5v14M5 12h14",
    "flag": "M5 21V4M5 4h11l-2 4 2 4H5",
    "tasks": "M9 6h11M9 12h11M9 18h11M4 6l1 1 2-2M4 12l1 1 2-2M4 18l1 1 2-2",
    "table": "M3 4h18v16H3zM3 10h18M3 15h18M9 4v16",
    "bell": "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",
    "inbox": "M3 13l3-8h12l3 8v6H3zM3 13h5l1 2h6l1-2h5",
    "check": "M4 12l5 5L20 6",
    "download": "M12 3v12M7 10l5 5 5-5M4 20h16",
    "history": "M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5M12 7v5l3 3",
    "edit": "M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4",
    "move": "M5 9l-3 3 3 3M9 5l3-3 3 3M15 19l-3 3-3-3M19 9l3 3-3 3M2 12h20M12 2v20",
    "eye": "M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12zM12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
    "logout": "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9",
    "study": "M2 5h7a3 3 0 0 1 3 3v13a2 2 0 0 0-2-2H2zM22 5h-7a3 3 0 0 0-3 3v13a2 2 0 0 1 2-2h8z",
    "book": "M4 4h11a3 3 0 0 1 3 3v14H7a3 3 0 0 1-3-3zM4 18a3 3 0 0 1 3-3h11",
    "quiz": "M9 9a3 3 0 1 1 4 2.8c-.7.3-1 1-1 1.7V15M12 19h.01M3 3h18v18H3z",
    "rates": "M4 20V10M10 20V4M16 20v-7M22 20H2",
    "problem": "M12 3 2 20h20zM12 10v4M12 17h.01",
    "people": "M12 21s-7-4.5-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 11c0 5.5-7 10-7 10z",
    "ranking": "M8 21V11H3v10zM15.5 21V3h-5v18zM21 21v-7h-5v7",
    "binoculars": "M6 4h3v4H6zM15 4h3v4h-3zM3 14a4 4 0 1 0 8 0 4 4 0 0 0-8 0zM13 14a4 4 0 1 0 8 0 4 4 0 0 0-8 0zM6 8l-2 5M18 8l2 5M11 13h2",
    "form": "M5 3h14v18H5zM9 8h7M9 12h7M9 16h4M7 8h.01M7 12h.01M7 16h.01",
    "doc": "M6 2h9l5 5v15H6zM14 2v6h6M9 13h8M9 17h8",
    "reply": "M9 17l-5-5 5-5M4 12h11a5 5 0 0 1 5 5v2",
    "qr": "M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h3v3h-3zM18 18h3v3h-3zM14 20h2M20 14v2",
}


@register.simple_tag
def icon(name: str, css: str = "icon"):
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="{}"/></svg>',
        css, ICONS[name],
    )
