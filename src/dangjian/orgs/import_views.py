"""Pages of the Excel import (upload → preview → confirm) and of the xlsx exports."""
from __future__ import annotations

import secrets
import tempfile
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.scoping import Perm, can, get_in_scope
from dangjian.orgs import exporting, importing
from dangjian.orgs.models import Category, MemberStatus, Org

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERMS = {"orgs": Perm.CHANGE_ORG, "members": Perm.CHANGE_MEMBER}
RUN = {"orgs": importing.import_orgs, "members": importing.import_members}
SESSION_KEY = "dangjian_imports"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # about 600,000 member rows
KEEP_UPLOADS_SECONDS = 24 * 3600
KEEP_PER_SESSION = 5
ERRORS_SHOWN = 1000  # beyond this the page points to the error report workbook


def _kind(user, kind: str) -> str:
    if kind not in PERMS:
        raise Http404
    if not can(user, PERMS[kind]):
        raise PermissionDenied
    return kind


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _upload(request, kind: str, token: str) -> Path:
    """The file this session uploaded as `token` for `kind`; 404 for anyone else's."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry["kind"] != kind or entry["user"] != request.user.pk:
        raise Http404
    path = _upload_dir() / f"{token}.xlsx"
    if not path.is_file():
        raise Http404
    return path


def _errors_path(upload: Path) -> Path:
    return upload.with_name(upload.stem + ".errors.xlsx")


def _forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    if uploads.pop(token, None) is not None:
        request.session[SESSION_KEY] = uploads
    for path in (_upload_dir() / f"{token}.xlsx", _upload_dir() / f"{token}.errors.xlsx"):
        path.unlink(missing_ok=True)


def _sweep() -> None:
    """Uploads left unconfirmed for a day are deleted: they hold personal data."""
    cutoff = time.time() - KEEP_UPLOADS_SECONDS
    for path in _upload_dir().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def _index(request, *, error: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    return render(request, "orgs/import/index.html", {
        "kinds": [
            {"kind": kind, "label": importing.KINDS[kind], "columns": columns}
            for kind, columns in (("orgs", importing.ORG_COLUMNS), ("members", importing.MEMBER_COLUMNS))
            if can(user, PERMS[kind])
        ],
        "can_export": can(user, Perm.VIEW),
        "can_unmask": can(user, Perm.UNMASK),
        "categories": Category.choices,
        "statuses": MemberStatus.choices,
        "error": error,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }, status=status)


@login_required
@require_GET
def import_index(request):
    if not (can(request.user, Perm.CHANGE_ORG) or can(request.user, Perm.CHANGE_MEMBER)):
        raise PermissionDenied
    return _index(request)


@login_required
@require_GET
def import_template(request, kind: str):
    _kind(request.user, kind)
    response = HttpResponse(importing.template_workbook(kind), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{importing.KINDS[kind]}导入模板.xlsx")
    return response


@login_required
def import_upload(request, kind: str):
    _kind(request.user, kind)
    if request.method != "POST":
        return redirect("import_index")
    f = request.FILES.get("file")
    error = ""
    if f is None:
        error = "请选择要导入的 Excel 文件。"
    elif not f.name.lower().endswith(".xlsx"):
        error = "请上传 Excel 工作簿（.xlsx）；.xls 或 .csv 文件请先在 Excel 中另存为 .xlsx。"
    elif f.size > MAX_UPLOAD_BYTES:
        error = f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请分成几个文件导入。"
    elif not zipfile.is_zipfile(f):
        error = "文件无法读取：不是有效的 Excel 工作簿（.xlsx）。"
    if error:
        return _index(request, error=error, status=400)
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep()
    token = secrets.token_urlsafe(16)
    with open(directory / f"{token}.xlsx", "wb") as out:
        for chunk in f.chunks():
            out.write(chunk)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {"kind": kind, "user": request.user.pk, "name": f.name[:200], "at": timezone.now().isoformat()}
    for old in sorted(uploads, key=lambda t: uploads[t]["at"])[:-KEEP_PER_SESSION]:
        _forget(request, old)
        uploads.pop(old, None)
    request.session[SESSION_KEY] = uploads
    return redirect("import_preview", kind=kind, token=token)


def _preview_page(request, kind: str, token: str, result: importing.ImportResult, *, status: int = 200):
    columns = result.columns
    return render(request, "orgs/import/preview.html", {
        "kind": kind,
        "label": importing.KINDS[kind],
        "token": token,
        "name": request.session.get(SESSION_KEY, {}).get(token, {}).get("name", ""),
        "result": result,
        "columns": columns,
        "rows": [(r["row"], r["action"], [r.get(c, "") for c in columns]) for r in result.preview],
        "errors": result.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(result.errors) - ERRORS_SHOWN),
    }, status=status)


@login_required
@require_GET
def import_preview(request, kind: str, token: str):
    _kind(request.user, kind)
    upload = _upload(request, kind, token)
    result = RUN[kind](request.user, str(upload), dry_run=True)
    if not result.ok:
        _errors_path(upload).write_bytes(importing.errors_workbook(result))
    return _preview_page(request, kind, token, result)


@login_required
@require_POST
def import_confirm(request, kind: str, token: str):
    _kind(request.user, kind)
    upload = _upload(request, kind, token)
    result = RUN[kind](request.user, str(upload))
    if not result.ok:
        # The data changed since the preview (or someone else's import got there first).
        _errors_path(upload).write_bytes(importing.errors_workbook(result))
        return _preview_page(request, kind, token, result, status=409)
    _forget(request, token)
    return render(request, "orgs/import/result.html", {
        "kind": kind, "label": importing.KINDS[kind], "result": result,
    })


@login_required
@require_GET
def import_errors(request, kind: str, token: str):
    _kind(request.user, kind)
    upload = _upload(request, kind, token)
    report = _errors_path(upload)
    if not report.is_file():
        report.write_bytes(importing.errors_workbook(RUN[kind](request.user, str(upload), dry_run=True)))
    return FileResponse(open(report, "rb"), as_attachment=True, filename=f"{importing.KINDS[kind]}导入错误报告.xlsx", content_type=XLSX)


def _export(request, write, what: str) -> FileResponse:
    user = request.user
    if not can(user, Perm.VIEW):
        raise PermissionDenied
    code = (request.GET.get("org") or "").strip()
    org = get_in_scope(Org.objects.all(), user, Perm.VIEW, code=code) if code else None
    # Spooled: small exports stay in memory, big ones go to a temporary file, and the
    # response streams either way.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write(user, org, out)
    out.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"{what}-{org.name if org else '全部'}-{stamp}.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
@require_GET
def export_members(request):
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked and not can(request.user, Perm.UNMASK):
        raise PermissionDenied
    filters = {k: request.GET.get(k, "") for k in ("category", "status", "is_cadre", "q")}

    def write(user, org, out):
        exporting.export_members(user, org, out, unmasked=unmasked, filters=filters)

    return _export(request, write, "党员名单")


@login_required
@require_GET
def export_orgs(request):
    return _export(request, exporting.export_orgs, "党组织")
