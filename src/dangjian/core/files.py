"""Uploaded files: checked by their content (not their name) against an allowed list and a
size limit, and served back only through views that check scope first."""
from __future__ import annotations

import mimetypes

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse

# Extension -> (MIME type, label). Office's zip formats are recognised inside the zip.
DOCUMENTS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "doc": ("application/msword", "Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    "xls": ("application/vnd.ms-excel", "Excel"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPT"),
    "ppt": ("application/vnd.ms-powerpoint", "PPT"),
    "odt": ("application/vnd.oasis.opendocument.text", "ODT"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
}
IMAGES = {
    "jpg": ("image/jpeg", "JPG"),
    "png": ("image/png", "PNG"),
    "gif": ("image/gif", "GIF"),
    "webp": ("image/webp", "WebP"),
    "heic": ("image/heic", "HEIC"),
}
VIDEOS = {"mp4": ("video/mp4", "MP4")}
ANY = {**DOCUMENTS, **IMAGES, **VIDEOS}
# What a browser shows inline; everything else is downloaded.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm"}


def max_bytes() -> int:
    return settings.DANGJIAN_UPLOAD_MAX_MB * 1024 * 1024


def _labels(allowed: dict) -> str:
    return "、".join(dict.fromkeys(label for _, label in allowed.values()))


def check_upload(upload, *, allowed: dict = ANY, field: str = "file") -> str:
    """The upload's MIME type if it is of an allowed type and within the size limit; otherwise
    a ValidationError on `field` that says what is wrong and what is allowed."""
    if upload is None or not getattr(upload, "size", 0):
        raise ValidationError({field: "请选择要上传的文件（文件不能为空）"})
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError({field: f"文件“{upload.name}”过大（{upload.size / 1048576:.1f} MB），上限为 {settings.DANGJIAN_UPLOAD_MAX_MB} MB"})
    pos = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(pos)
    kind = filetype.guess(head)
    ext = kind.extension if kind else None
    if ext == "jpx":
        ext = None
    if ext not in allowed:
        raise ValidationError({field: f"文件“{upload.name}”的类型不允许上传；允许的类型：{_labels(allowed)}"})
    return allowed[ext][0]


def serve(file_field, *, name: str, content_type: str = "", download: bool = False) -> FileResponse:
    """Serve a stored file: inline where the browser can preview it, as a download otherwise."""
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = not download and content_type in INLINE_TYPES
    response = FileResponse(file_field.open("rb"), as_attachment=not inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    if content_type != "application/pdf":
        # Uploaded content never runs script in our origin. (A sandbox would also stop the
        # browser's own PDF viewer, and a PDF is only accepted when it is one by content.)
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response
