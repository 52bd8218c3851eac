"""(to be written)"""
from ninja import Router

router = Router(tags=["为民服务"])
