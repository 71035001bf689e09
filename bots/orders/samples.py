"""Valid orders that match the mock portal's fixtures (docs/CONTRACTS.md §1), for examples,
tests and benchmarks. Deterministic: the same arguments give the same orders.

Index ``g`` (``start_index`` + position) fixes everything the portal keeps unique: mobile
number ``18937100000 + g``, UIM card serial ``g``, broadband account ``hnbench{g:04d}``, and
for renewals (odd ``g``) the due user ``0371600100NN`` with NN = 1 + (g // 2) % 80, whose
customer is the portal's owner of that broadband (``mock_portal.fixtures.broadband_owner``,
the one definition of the fixture owners). Batches over disjoint index ranges never share a
number, card or account; renewals repeat a due user only after 160 consecutive indexes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from bots.messages import t
from bots.orders import checks
from bots.orders.model import Order, load_order
from mock_portal.fixtures import broadband_access_number, broadband_owner

NUMBER_POOL_START = 18937100000
POOL_SIZE = 1000
ICCID_PREFIX = "89860319371"
DUE_USERS = 80  # access numbers 037160010001 … 037160010080 end their term this period
ADDRESS_CODES = 200
DISTRICTS = {  # district → ID region code and a street of its standardised addresses
    "金水区": ("410105", "花园路街道农业路"),
    "二七区": ("410103", "建中街街道大学路"),
    "中原区": ("410102", "林山寨街道建设西路"),
    "管城回族区": ("410104", "北下街街道东大街"),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "军",
    "建国",
    "红梅",
    "志强",
    "秀英",
    "海燕",
    "晓东",
    "丽娟",
)
MANAGERS = ("马丽", "郭涛", "孙建华", "胡文静")
PHONE_MODELS = ("中兴 BA610C", "华为 畅享8e", "天翼 T1", "海信 F23")
IMEI_TAC = "86471203"


def iccid(serial: int) -> str:
    """The stock card with this serial (0-999): prefix, 7-digit serial, Luhn digit."""
    body = f"{ICCID_PREFIX}{serial:07d}"
    return body + checks.luhn_check_digit(body)


def imei(serial: int, tac: str = IMEI_TAC) -> str:
    """A valid IMEI: 8-digit type code, 6-digit serial, Luhn digit."""
    body = f"{tac}{serial:06d}"
    return body + checks.luhn_check_digit(body)


def id_number(region: str, born: date, sequence: int) -> str:
    """A valid resident ID number (sequence 0-999; odd for men)."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + checks.id_check_char(body)


def access_number(user: int) -> str:
    """The fixture broadband user's access number (user 1-100)."""
    return broadband_access_number(user)


def owner(user: int) -> tuple[str, str]:
    """The portal's owner of fixture broadband user ``user``: (name, ID number)."""
    return broadband_owner(user)


def raw_order(index: int, rng: random.Random, reference: str) -> dict[str, Any]:
    """The nested raw order for pool index ``index`` (see the module docstring)."""
    if not 0 <= index < POOL_SIZE:
        raise ValueError(
            t("序号应为0-{last}(号码池),实际为{index}", last=POOL_SIZE - 1, index=index)
        )
    district = rng.choice(list(DISTRICTS))
    region, street = DISTRICTS[district]
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
    home = f"郑州市{district}{street}{rng.randint(1, 200)}号院{rng.randint(1, 20)}号楼"
    renewal = index % 2 == 1
    raw: dict[str, Any] = {
        "reference": reference,
        "procedure": "renewal" if renewal else "new_install",
        "pack": rng.choice((19, 29)),
        "customer": {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_number": id_number(region, born, rng.randrange(1000)),
            "contact_phone": f"139{rng.randrange(10**8):08d}",
            "address": home,
        },
        "account_manager": rng.choice(MANAGERS),
        "mobile": {"number": str(NUMBER_POOL_START + index), "uim": iccid(index)},
        "phone": {"imei": imei(index), "model": rng.choice(PHONE_MODELS)},
    }
    if renewal:
        user = 1 + (index // 2) % DUE_USERS
        raw["broadband"] = {"access_number": access_number(user)}
        # the broadband's owner renews: the portal refuses anyone else
        raw["customer"]["name"], raw["customer"]["id_number"] = owner(user)
    else:
        raw["broadband"] = {
            "account": f"hnbench{index:04d}",
            "standard_address": f"4101-{1 + index % ADDRESS_CODES:04d}",
            "install_address": (
                f"{home}{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}"
            ),
            "bandwidth": rng.choice(("100M", "200M", "300M", "500M")),
        }
    return raw


def generate_orders(n: int, seed: int = 0, start_index: int = 100) -> list[Order]:
    """``n`` valid orders, alternating new installs and renewals of due users."""
    if n < 0 or start_index < 0 or start_index + n > POOL_SIZE:
        raise ValueError(
            t("start_index + n 应在{size}个号码的号码池之内,实际 start_index={start}, n={n}",
              size=POOL_SIZE, start=start_index, n=n)
        )  # fmt: skip
    rng = random.Random(seed)
    return [
        load_order(raw_order(g, rng, f"E9-S{seed}-{g:04d}"), t("生成的订单{n}", n=g))
        for g in range(start_index, start_index + n)
    ]
