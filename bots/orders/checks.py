"""Format checks for the identifiers and texts an order carries.

Each check takes the value and returns it normalised, or raises ``ValueError`` whose text is
the reason shown to the user (the caller adds the file, row and field). Reasons never repeat
a personal value (ID number, contact phone): errors end up in logs and reports.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from bots.masking import personal_shapes
from bots.messages import t
from bots.orders import areas

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # GB 11643: index = weighted sum mod 11

MOBILE_RE = re.compile(r"1[3-9]\d{9}", re.ASCII)
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}", re.ASCII)
ACCESS_NUMBER_RE = re.compile(r"0\d{9,11}", re.ASCII)
ICCID_RE = re.compile(r"89\d{17,18}", re.ASCII)
IMEI_RE = re.compile(r"\d{15}", re.ASCII)
BROADBAND_ACCOUNT_RE = re.compile(r"[a-z0-9]{6,20}", re.ASCII)
ADDRESS_CODE_RE = re.compile(r"\d{4}-\d{4}", re.ASCII)
REFERENCE_RE = re.compile(r"[A-Za-z0-9_-]{3,40}", re.ASCII)

# Categories refused in any text: control characters (tabs and newlines included: every field
# is one line in the portal), unpaired surrogates, and the Unicode line/paragraph separators.
_REFUSED_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")


def _category_name(category: str) -> str:
    return {
        "Cc": t("控制字符"),
        "Cs": t("不成对的代理字符"),
        "Zl": t("行分隔符"),
        "Zp": t("段落分隔符"),
    }[category]


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit that completes ``payload`` (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these are every second digit counting from the check digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def number(value: str) -> str:
    """An identifier as typed, trimmed, its full-width characters made half-width (a Chinese
    input method types １８９３７… and －): the checks then see the digits the clerk meant.
    Digits of other scripts stay, and the checks (ASCII only) refuse them."""
    return unicodedata.normalize("NFKC", value).strip()


def text(value: str, max_len: int) -> str:
    """One line of free text: trimmed, not empty, no control characters, at most ``max_len``.

    HTML and script text are kept as they are: they are text to the order, and escaping is
    the job of whatever displays them (the portal, the report).
    """
    value = value.strip()
    if not value:
        raise ValueError(t("必填"))
    for pos, ch in enumerate(value, start=1):
        category = unicodedata.category(ch)
        if category in _REFUSED_CATEGORIES:
            raise ValueError(
                t("第{pos}个字符是{what}(U+{code})", pos=pos, what=_category_name(category),
                  code=f"{ord(ch):04X}")
            )  # fmt: skip
    if len(value) > max_len:
        raise ValueError(t("太长({length}个字,最多{limit}个)", length=len(value), limit=max_len))
    return value


def id_number(value: str, today: date | None = None) -> str:
    """A resident ID number (GB 11643): 17 digits, a check digit or X, a real birth date."""
    value = number(value).upper()
    digits = value[:17].isascii() and value[:17].isdigit()
    if len(value) != 18 or not digits or value[17] not in "0123456789X":
        if len(value) != 18:
            raise ValueError(t("应为18位,实际{length}位", length=len(value)))
        raise ValueError(t("应为17位数字加一位校验码(0-9或X)"))
    if value[0] == "0":
        raise ValueError(t("地区码不能以0开头:请对照证件重新核对整个号码"))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError(t("出生日期(第7-14位)不是真实的日期:请对照证件重新核对整个号码")) from None
    if born < date(1900, 1, 1) or born > (today or date.today()):
        raise ValueError(t("出生日期(第7-14位)早于1900年或在今天之后:请对照证件重新核对整个号码"))
    # never the "right" digit: it invites fixing a mistyped number by its last digit
    if value[17] != id_check_char(value[:17]):
        raise ValueError(t("号码无效(校验码对不上):请对照证件重新核对整个号码"))
    return value


def mobile_number(value: str) -> str:
    """An 11-digit mainland mobile number, 1[3-9]xxxxxxxxx."""
    value = number(value)
    if not MOBILE_RE.fullmatch(value):
        raise ValueError(t("应为13-19开头的11位手机号码,实际为{value}", value=shown(value)))
    return value


def contact_phone(value: str) -> str:
    """A mobile number or a landline with area code (0371-12345678 or 037112345678)."""
    value = number(value)
    if not (MOBILE_RE.fullmatch(value) or LANDLINE_RE.fullmatch(value)):
        # the value is personal: say what is wrong, not what it is
        raise ValueError(
            t(
                "应为11位手机号码或带区号的固定电话(区号-号码,如 0371-八位号码);"
                "实际有{length}个字符",
                length=len(value),
            )
        )
    return value


def access_number(value: str) -> str:
    """A Henan broadband access number: one of Henan's area codes (``bots.orders.areas``),
    then the line (7-8 digits)."""
    value = number(value)
    if not ACCESS_NUMBER_RE.fullmatch(value):
        hint = ""
        if value.isdigit() and not value.startswith("0"):
            hint = t("(存成了数字,开头的0丢了:请存成文本)")
        raise ValueError(
            t("应为0开头的10-12位数字,实际为{value}{hint}", value=shown(value), hint=hint)
        )
    if not areas.is_henan_access_number(value):
        # the procedures are Henan Telecom's: any other area code is a typing mistake
        raise ValueError(
            t(
                "不是河南的宽带接入号:应为河南区号({codes})加7-8位号码,实际{value}",
                codes=" ".join(areas.HENAN_AREA_CODES),
                value=shown(value),
            )
        )
    return value


def iccid(value: str) -> str:
    """A UIM card ICCID: 19-20 digits, starting 89, ending with a Luhn check digit."""
    value = number(value)
    if not ICCID_RE.fullmatch(value):
        raise ValueError(t("应为89开头的19-20位数字,实际为{value}", value=shown(value)))
    if value[-1] != luhn_check_digit(value[:-1]):
        raise ValueError(t("号码无效(校验位对不上):请对照UIM卡重新核对整个卡号"))
    return value


def imei(value: str) -> str:
    """A phone's IMEI: 15 digits, the last a Luhn check digit."""
    value = number(value)
    if not IMEI_RE.fullmatch(value):
        raise ValueError(t("应为15位数字,实际为{value}", value=shown(value)))
    if value[-1] != luhn_check_digit(value[:-1]):
        raise ValueError(t("串号无效(校验位对不上):请对照手机重新核对整个串号"))
    return value


def shown(value: str) -> str:
    """``value`` quoted for a message, cut short when long; what looks like an ID or phone
    number in it shown in part (a row shifted by a cell puts one under another header)."""
    value = personal_shapes(value)
    return t("“{value}”", value=value if len(value) <= 40 else value[:40] + "…")


def pattern(value: str, regex: re.Pattern[str], description: str) -> str:
    """``value`` trimmed, if it matches ``regex`` in full; else the ``description`` of the form."""
    value = number(value)
    if not regex.fullmatch(value):
        raise ValueError(t("应为{description},实际为{value}", description=description,
                           value=shown(value)))  # fmt: skip
    return value
