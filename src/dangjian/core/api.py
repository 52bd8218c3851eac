"""API of core: who am I, accounts and role grants."""
from ninja import Router

router = Router(tags=["core"])
