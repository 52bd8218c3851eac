"""(stub: filled in by its owner)"""
from ninja import Router

router = Router(tags=["理论学习"])
