"""The order model: one e9 order per customer, validated once, immutable afterwards.

The YAML/JSON shape (and what readers build from a spreadsheet row)::

    reference: E9-20261127-0001        # unique business key, [A-Za-z0-9_-]{3,40}
    procedure: new_install             # or renewal (新装 / 续费 accepted)
    pack: 19                           # the mobile pack in yuan; omitted: the default plan
    customer: {name, id_type, id_number, contact_phone, address}
    account_manager: 张伟
    mobile: {number: 18937100501 | any, uim: <ICCID>}
    broadband: {access_number}         # renewal
    broadband: {account, standard_address, install_address, bandwidth}   # new install
    phone: {imei, model}               # the gift phone
    note: the order's remark (备注, optional): entered in the portal's 备注 after the manager
          line and the reference, which together must fit the portal's limit

:func:`parse_order` is what the flow engine calls for an input of ``type: order``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bots.errors import BadInput
from bots.masking import partial as mask
from bots.messages import t
from bots.messages.terms import procedure_name
from bots.orders import checks, rules
from bots.orders.columns import field_name
from bots.orders.rules import NEW_INSTALL, RENEWAL, Procedure

ID_TYPES = ("居民身份证",)  # the only type whose number the model can check
ID_TYPE_ALIASES = {"身份证": "居民身份证"}
BANDWIDTHS = ("20M", "50M", "100M", "200M", "300M", "500M", "1000M")
ANY_NUMBER = "any"
_ANY_SPELLINGS = {"any", "任意", "任选"}
_PROCEDURES = {"new_install": NEW_INSTALL, "新装": NEW_INSTALL, "renewal": RENEWAL, "续费": RENEWAL}
MAX_LEN = {"name": 30, "address": 100, "manager": 20, "model": 40, "note": 200}


class Problem(NamedTuple):
    field: str  # dotted path, like customer.id_number
    reason: str


def _as_text(value: Any) -> str:
    """The raw value as text. Whole numbers are converted (YAML and Excel turn digit strings
    into numbers); fractions are refused because a long number stored that way lost digits."""
    if value is None:
        raise ValueError(t("必填"))
    if isinstance(value, bool):
        raise ValueError(t("应是文字,实际是 true/false"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError(t("存成了数字,会丢位:请存成文本(把这一列设成文本格式,或在 YAML 里加引号)"))
    if not isinstance(value, str):
        raise ValueError(t("应是文字,实际是{kind}", kind=type(value).__name__))
    return value


def _required(check: Callable[[str], str]) -> BeforeValidator:
    return BeforeValidator(lambda v: check(_as_text(v)))


def _optional(check: Callable[[str], str], default: str | None = None) -> BeforeValidator:
    def run(value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        return check(_as_text(value))

    return BeforeValidator(run)


def _text(max_len: int) -> Callable[[str], str]:
    return lambda v: checks.text(v, max_len)


def procedure_of(text: str) -> str | None:
    """The procedure a cell names (``新装``, ``renewal``, …), or None."""
    text = text.strip()
    return _PROCEDURES.get(text.lower()) or _PROCEDURES.get(text)


def _procedure(value: Any) -> str:
    found = procedure_of(text := _as_text(value))
    if not found:
        raise ValueError(
            t("应为 新装(new_install)或 续费(renewal),实际为{value}", value=checks.shown(text))
        )
    return found


def _pack(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(t("应是元数,实际是 true/false"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().removesuffix("元")
    choices = t("或").join(map(str, rules.PACKS))
    if not text.isdigit() or int(text) not in rules.PACKS:
        raise ValueError(
            t("应为{choices}(手机包的元数),实际为{value}", choices=choices,
              value=checks.shown(text))
        )  # fmt: skip
    return int(text)


def _id_type(value: str) -> str:
    value = value.strip()
    value = ID_TYPE_ALIASES.get(value, value)
    if value not in ID_TYPES:
        raise ValueError(
            t("应为{types},实际为{value}", types=t("或").join(ID_TYPES), value=checks.shown(value))
        )
    return value


def _mobile_number(value: str) -> str:
    if value.strip().lower() in _ANY_SPELLINGS:
        return ANY_NUMBER
    try:
        return checks.mobile_number(value)
    except ValueError:
        raise ValueError(
            t(
                "应为“任意”(any)或13-19开头的11位手机号码,实际为{value}",
                value=checks.shown(value.strip()),
            )
        ) from None


def _bandwidth(value: str) -> str:
    value = value.strip().upper()
    if value.isdigit():
        value += "M"
    if value not in BANDWIDTHS:
        raise ValueError(
            t("应为 {choices} 之一,实际为{value}", choices=" ".join(BANDWIDTHS),
              value=checks.shown(value))
        )  # fmt: skip
    return value


def _manager(value: str) -> str:
    value = checks.text(value, MAX_LEN["manager"])
    if "业务参考" in value:  # would confuse the remark that guards search by
        raise ValueError(t("不能含有“业务参考”"))
    return value


def _note(value: str) -> str:
    value = checks.text(value, MAX_LEN["note"])
    if "业务参考" in value:  # it follows the reference in the 备注 that guards search by
        raise ValueError(t("不能含有“业务参考”"))
    return value


class _Sensitive:
    """Marks a field whose value is personal: ``Annotated[str, …, SENSITIVE]``. Such a value
    is masked in every artifact of a run from its first byte, in every report and in every
    ledger view (``bots.masking`` reads the marks through ``SENSITIVE_FIELDS``)."""

    def __repr__(self) -> str:
        return "SENSITIVE"


SENSITIVE = _Sensitive()


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def __repr_args__(self) -> Any:  # reprs end up in logs: never the personal values
        for key, value in super().__repr_args__():
            sensitive = key is not None and _marked(type(self), key)
            yield key, mask(value) if sensitive and isinstance(value, str) else value


def _marked(model: type[BaseModel], name: str) -> bool:
    return any(meta is SENSITIVE for meta in model.model_fields[name].metadata)


class Customer(_Part):
    name: Annotated[str, _required(_text(MAX_LEN["name"]))]
    id_type: Annotated[str, _optional(_id_type, ID_TYPES[0])] = ID_TYPES[0]
    id_number: Annotated[str, _required(checks.id_number), SENSITIVE]
    contact_phone: Annotated[str, _required(checks.contact_phone), SENSITIVE]
    address: Annotated[str, _required(_text(MAX_LEN["address"]))]


class Mobile(_Part):
    number: Annotated[str, _required(_mobile_number)]
    uim: Annotated[str, _required(checks.iccid)]


class Broadband(_Part):
    access_number: Annotated[str | None, _optional(checks.access_number)] = None
    account: Annotated[
        str | None,
        _optional(
            lambda v: checks.pattern(v, checks.BROADBAND_ACCOUNT_RE, t("6-20位小写字母和数字"))
        ),
    ] = None
    standard_address: Annotated[
        str | None,
        _optional(
            lambda v: checks.pattern(v, checks.ADDRESS_CODE_RE, t("形如4101-0001的地址编码"))
        ),
    ] = None
    install_address: Annotated[str | None, _optional(_text(MAX_LEN["address"]))] = None
    bandwidth: Annotated[str | None, _optional(_bandwidth)] = None


class Phone(_Part):
    imei: Annotated[str, _required(checks.imei)]
    model: Annotated[str, _required(_text(MAX_LEN["model"]))]


# Broadband fields each procedure needs; the others must stay empty.
BROADBAND_FIELDS: dict[str, tuple[str, ...]] = {
    NEW_INSTALL: ("account", "standard_address", "install_address", "bandwidth"),
    RENEWAL: ("access_number",),
}


def _not_for(procedure: str) -> str:
    if procedure == NEW_INSTALL:
        return t("新装时由营账系统分配:请留空")
    return t("只用于新装:续费时请留空")


def broadband_problems(procedure: str, broadband: Any) -> list[Problem]:
    """Per-procedure requirements on the broadband part (raw or validated)."""
    if isinstance(broadband, BaseModel):
        broadband = broadband.model_dump()
    if broadband is None:
        broadband = {}
    if not isinstance(broadband, Mapping):
        return []
    needed = BROADBAND_FIELDS[procedure]
    problems = []
    for name in Broadband.model_fields:
        value = broadband.get(name)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if name in needed and blank:
            label = procedure_name(procedure)
            problems.append(Problem(f"broadband.{name}", t("{procedure}必填", procedure=label)))
        elif name not in needed and not blank:
            problems.append(Problem(f"broadband.{name}", _not_for(procedure)))
    return problems


class Order(_Part):
    """One e9 order. Frozen: what was validated is what runs."""

    reference: Annotated[
        str,
        _required(
            lambda v: checks.pattern(
                v, checks.REFERENCE_RE, t("3-40位字母、数字、“-”或“_”(如E9-20261127-0001)")
            )
        ),
    ]
    procedure: Annotated[Procedure, BeforeValidator(_procedure)]
    pack: Annotated[int | None, BeforeValidator(_pack)] = None
    customer: Customer
    account_manager: Annotated[str, _required(_manager)]
    mobile: Mobile
    broadband: Broadband = Broadband()
    phone: Phone
    note: Annotated[str | None, _optional(_note)] = None

    @field_validator("note")
    @classmethod
    def _fits_the_portal(cls, note: str | None, info: ValidationInfo) -> str | None:
        manager, reference = info.data.get("account_manager"), info.data.get("reference")
        if note and manager and reference:
            problem = rules.remark_problem(manager, reference, note)
            if problem:
                raise ValueError(problem)
        return note

    @model_validator(mode="after")
    def _procedure_fields(self) -> Order:
        problems = broadband_problems(self.procedure, self.broadband)
        if problems:
            raise ValueError("; ".join(f"{p.field}: {p.reason}" for p in problems))
        return self

    @property
    def plan(self) -> rules.Plan:
        return rules.plan_for(self.procedure, self.pack)

    def sensitive(self) -> list[str]:
        """Values the engine must mask everywhere: every field marked ``SENSITIVE`` (the ID
        number and the contact phone). Names and addresses stay readable so an operator can
        tell orders apart."""
        data = self.model_dump(mode="json")
        return [v for path in SENSITIVE_PATHS if isinstance(v := _at(data, path), str)]

    def masked(self) -> dict[str, Any]:
        """The order as plain data with the personal values masked, for reports."""
        data = self.model_dump(mode="json")
        for path in SENSITIVE_PATHS:
            *parents, last = path.split(".")
            node = data
            for key in parents:
                node = node[key]
            if isinstance(node.get(last), str):
                node[last] = mask(node[last])
        return data

    def data(self) -> dict[str, Any]:
        """What flows see as ``${{ order.… }}``: the order's fields and the derived ones."""
        plan = self.plan
        fees = [line.as_dict() for line in rules.fee_lines(self.procedure)]
        data = self.model_dump(mode="json")
        data["customer"]["group"] = rules.CUSTOMER_GROUP
        data["mobile"]["pick_any"] = self.mobile.number == ANY_NUMBER
        data.update(
            pack=plan.mobile_fee,
            procedure_label=rules.PROCEDURE_LABELS[self.procedure],
            plan=plan.code,
            plan_label=rules.plan_label(self.procedure, plan),
            brand=rules.BRANDS[self.procedure],
            monthly_fee=plan.monthly_fee,
            fees=fees,
            fees_to_lower=[f for f in fees if f["action"] != "collect"],
            fee_total=rules.fee_total(self.procedure),
            free_credit=rules.FREE_CREDIT,
            special_fund={
                "amount": rules.SPECIAL_FUND,
                "type": rules.SPECIAL_FUND_TYPE,
                "ledger": rules.SPECIAL_FUND_LEDGER,
            },
            stop_month=rules.stop_month(plan),
            broadband_stops=plan.broadband_stops,
            notice=rules.customer_notice(plan),
            remark=rules.remark(self.account_manager, self.reference, self.note),
        )
        return data


def _sensitive_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        if _marked(model, name):
            yield prefix + name
        inner = info.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from _sensitive_paths(inner, f"{prefix}{name}.")


def _at(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


# the one list of personal fields (``bots.masking`` serves it to the runner, the reports
# and the ledger views): dotted paths, and the field names they end in
SENSITIVE_PATHS: tuple[str, ...] = tuple(_sensitive_paths(Order))
SENSITIVE_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(path.rsplit(".", 1)[-1] for path in SENSITIVE_PATHS)
)


_PARTS: dict[str, type[BaseModel]] = {
    "": Order,
    "customer": Customer,
    "mobile": Mobile,
    "broadband": Broadband,
    "phone": Phone,
}


def _reason(error: Mapping[str, Any], parent: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return t("必填")
    if kind == "extra_forbidden":
        known = list(_PARTS[parent].model_fields) if parent in _PARTS else []
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
        hint = t("(是不是 {name}?)", name=close[0]) if close else ""
        return t("不是已知的字段{hint}", hint=hint)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return t("应是字段的映射")
    return str(error["msg"]).removeprefix("Value error, ")


def validate_order(raw: Any) -> tuple[Order | None, list[Problem]]:
    """The order, or every problem found in ``raw`` (field path, reason)."""
    if not isinstance(raw, Mapping):
        return None, [Problem("order", t("应是字段的映射"))]
    try:
        return Order.model_validate(raw), []
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors(include_input=False, include_url=False):
            if not error["loc"]:  # the per-procedure check: recomputed below with fields
                continue
            field = ".".join(str(part) for part in error["loc"])
            parent = ".".join(str(part) for part in error["loc"][:-1])
            problems.setdefault(field, _reason(error, parent))
    try:
        procedure = _procedure(raw.get("procedure"))
    except ValueError:
        procedure = None
    if procedure:
        for problem in broadband_problems(procedure, raw.get("broadband")):
            problems[problem.field] = problem.reason  # more telling than a format complaint
    return None, [Problem(*item) for item in problems.items()]


def load_order(raw: Any, source: str) -> Order:
    """A valid :class:`Order`, or :class:`BadInput` naming ``source``, every field and reason.

    The context carries ``field`` and ``reason`` of the first problem and ``problems``, all
    of them as ``(field, reason)`` pairs.
    """
    order, problems = validate_order(raw)
    if order is None:
        message = "\n".join(
            t("{source}:{field}:{reason}", source=source, field=field_name(p.field),
              reason=p.reason)
            for p in problems
        )
        raise BadInput(
            message,
            code="bad_order",
            source=source,
            field=problems[0].field,
            reason=problems[0].reason,
            problems=problems,
        )
    return order


def parse_order(raw: Mapping[str, Any], source: str) -> tuple[dict[str, Any], list[str]]:
    """The flow engine's entry point (docs/CONTRACTS.md §3): the data ``${{ order.… }}``
    sees, and the string values to mask everywhere. Raises :class:`BadInput`."""
    order = load_order(raw, source)
    return order.data(), order.sensitive()
