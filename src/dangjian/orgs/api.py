"""API of orgs: the tree, members, roll-up counts."""
from ninja import Router

router = Router(tags=["orgs"])
