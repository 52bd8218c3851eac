"""Personal data: masking ID and phone numbers, and auditing every unmasked view."""
from dangjian.core.models import AccessLog
from dangjian.core.scoping import Perm, can_on

ID_CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CODES = "10X98765432"


def id_check_digit(first17: str) -> str:
    return ID_CHECK_CODES[sum(int(c) * w for c, w in zip(first17, ID_CHECK_WEIGHTS, strict=True)) % 11]


def id_number_error(value: str) -> str | None:
    """Why `value` is not a valid 18-digit resident ID number, or None when it is."""
    if len(value) != 18:
        return f"身份证号应为18位，实为{len(value)}位"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "身份证号前17位须为数字，末位为数字或X"
    if id_check_digit(value[:17]) != value[17]:
        return "身份证号校验位错误"
    return None


def mask_id_number(value: str) -> str:
    return value[:6] + "********" + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "*" * len(value)


def may_unmask(user, obj) -> bool:
    return can_on(user, Perm.UNMASK, obj)


def log_access(user, action: str, obj=None, detail: str = "", object_type: str = "", object_id: str = "") -> None:
    AccessLog.objects.create(
        user=user if user and user.is_authenticated else None,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        detail=detail,
    )
