"""Spreadsheet columns: flat names (English or a back office's Chinese) ↔ order fields.

A header matches when, with surrounding spaces and any parenthesised hint removed and
letters lower-cased, it equals a column's English name or one of its Chinese aliases:
``办理类型(新装/续费)``, ``办理类型（新装/续费）`` and ``办理类型`` are the same column.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from bots.messages import current, t


@dataclass(frozen=True)
class Column:
    name: str  # the English canonical name
    path: str  # the order field, dotted
    label: str  # the Chinese header the sample files use
    aliases: tuple[str, ...] = ()
    required: bool = True  # the column must be in the file (values may still be blank)


COLUMNS: tuple[Column, ...] = (
    Column("reference", "reference", "业务参考号", ("业务参考", "参考号")),
    Column("procedure", "procedure", "办理类型(新装/续费)", ("业务类型",)),
    Column("pack", "pack", "手机包(19/29)", ("手机优惠包",), required=False),
    Column("customer_name", "customer.name", "客户姓名", ("姓名", "客户名称")),
    Column("id_type", "customer.id_type", "证件类型", (), required=False),
    Column("id_number", "customer.id_number", "证件号码", ("身份证号", "身份证号码")),
    Column("contact_phone", "customer.contact_phone", "联系电话", ()),
    Column("customer_address", "customer.address", "客户地址", ("证件地址",)),
    Column("account_manager", "account_manager", "客户经理", ()),
    Column("mobile_number", "mobile.number", "手机号码(号码或any)", ("选号",)),
    Column("uim", "mobile.uim", "UIM卡号", ("iccid", "uim卡")),
    Column(
        "broadband_access_number",
        "broadband.access_number",
        "宽带接入号(续费)",
        ("接入号",),
        required=False,
    ),
    Column("broadband_account", "broadband.account", "宽带账号(新装)", (), required=False),
    Column(
        "standard_address",
        "broadband.standard_address",
        "标准化地址编码(新装)",
        ("标准化地址", "标准地址编码"),
        required=False,
    ),
    Column("install_address", "broadband.install_address", "装机地址(新装)", (), required=False),
    Column("bandwidth", "broadband.bandwidth", "带宽(新装)", (), required=False),
    Column("imei", "phone.imei", "赠机串号(IMEI)", ("手机串号", "串号")),
    Column("phone_model", "phone.model", "赠机型号", ("手机型号",)),
    Column("note", "note", "备注", ("remark",), required=False),
)

_HINT = re.compile(r"[(（][^)）]*[)）]")


def header_key(header: str) -> str:
    """The comparable form of a header cell."""
    return re.sub(r"[\s\-]+", "_", _HINT.sub("", header.replace("\ufeff", "")).strip()).lower()


_BY_PATH: dict[str, Column] = {column.path: column for column in COLUMNS}
_BY_KEY: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in (_column.name, _column.label, *_column.aliases):
        _BY_KEY[header_key(_name)] = _column


def column_for(header: str) -> Column | None:
    """The column a table's header names (its label, name or an alias), or one of a YAML or
    JSON order's dotted paths (``phone.imei``)."""
    return _BY_KEY.get(header_key(header)) or _BY_PATH.get(header)


def field_name(path: str) -> str:
    """A field as a message names it: in Chinese by the order sheet's header (``证件号码``
    for ``customer.id_number``), in English by its path, as English order files write it."""
    return label_for(path) if current() == "zh" else path


def label_for(header: str) -> str:
    """A field's name as the order sheet's header reads (``赠机串号(IMEI)`` for ``phone.imei``
    or ``imei``); one the sheet does not know, as it was written."""
    column = column_for(header)
    return column.label if column is not None else header


def suggestion(header: str) -> str:
    """'(是不是 X?)' for an unknown header, or ''."""
    close = difflib.get_close_matches(header_key(header), list(_BY_KEY), n=1, cutoff=0.6)
    if not close:
        return ""
    column = _BY_KEY[close[0]]
    return t("(是不是 {label} / {name}?)", label=column.label, name=column.name)


# what a rejects file (bots.intake.write_rejects) puts before the order's columns: where the
# row was and why it was refused; a reader skips them, so the fixed file enqueues as it is
REJECT_HEADERS = ("来源", "拒收原因")
_REJECT_KEYS = {header_key(h) for h in (*REJECT_HEADERS, "source", "reject_reason")}


def is_reject_header(header: str) -> bool:
    return header_key(header) in _REJECT_KEYS


def nest(values: dict[str, Any]) -> dict[str, Any]:
    """A nested raw order from ``{dotted path: value}``."""
    raw: dict[str, Any] = {}
    for path, value in values.items():
        *parents, leaf = path.split(".")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return raw


def flatten(raw: dict[str, Any]) -> dict[str, Any]:
    """English column name → value, for writing an order as a spreadsheet row."""
    row = {}
    for column in COLUMNS:
        node: Any = raw
        for part in column.path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        row[column.name] = node
    return row
