"""(to be written)"""
from ninja import Router

router = Router(tags=["检视整改"])
