"""(to be written)"""
from ninja import Router

router = Router(tags=["督促指导"])
