"""Matrix cases for the progress table: its pages, the xlsx download and its API. Who may open
them is the campaign_view rule; which cells they see is tested in tests/campaigns/test_progress.py
(test_each_role_sees_only_its_units) and tests/api/test_campaign_progress.py."""
from tests.authz.engine import Case


def _campaign(w, t):
    return {"campaign_id": w.campaign.pk}


PAGE_CASES = [
    Case("progress_table", "campaign_view", kwargs=_campaign),
    Case("progress_chart", "campaign_view", kwargs=_campaign),
    Case("progress_overdue", "campaign_view", kwargs=_campaign),
    Case("progress_export", "campaign_view", kwargs=_campaign),
]

API_CASES = [
    Case("GET /api/v1/campaigns/{campaign_id}/progress", "campaign_view", kwargs=_campaign),
    Case("GET /api/v1/campaigns/{campaign_id}/progress/overdue", "campaign_view", kwargs=_campaign),
]
