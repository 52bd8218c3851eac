"""Pages of core: login, home dashboard, accounts and roles, history; and the health check."""
from django.db import connection
from django.http import HttpResponse, JsonResponse


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def home(request):
    return HttpResponse("ok")
