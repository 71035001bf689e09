"""Deterministic fixtures (docs/CONTRACTS.md §1), generated relative to the business date."""

from __future__ import annotations

import random
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from mock_portal import db
from mock_portal.rules import id_check_digit, luhn_digit

STAFF_NAMES = ("王敏", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽",
               "周杰", "吴芳", "徐涛", "孙娜", "马超", "朱琳", "胡斌", "郭燕")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "志强", "玉兰", "海燕", "国庆", "桂芳", "红霞", "卫东", "明",
         "丽娟", "春梅", "建华", "晓东", "伟", "芳", "军", "霞", "鹏", "磊")
DISTRICTS = {
    "金水区": (("花园路街道", "农业路"), ("经八路街道", "经八路"), ("丰产路街道", "丰产路")),
    "二七区": (("建中街街道", "建中街"), ("解放路街道", "解放路"), ("一马路街道", "一马路")),
    "中原区": (("林山寨街道", "伏牛路"), ("建设路街道", "建设西路"), ("棉纺路街道", "棉纺路")),
    "管城回族区": (("北下街街道", "北下街"), ("城东路街道", "城东路"), ("东大街街道", "东大街")),
}
BANDWIDTHS = ("20M", "50M", "100M", "200M", "300M", "500M", "1000M")
NUMBER_POOL = [f"18937100{i:03d}" for i in range(1000)]
BROADBAND_USERS = 100
DUE_USERS = 80  # users 1-80 end their term this period, 81-100 three months later


def iccid(serial: int) -> str:
    body = f"89860319371{serial:07d}"
    return body + luhn_digit(body)


def id_number(rng: random.Random) -> str:
    born = date(1960, 1, 1).toordinal() + rng.randrange(365 * 40)
    first17 = f"410105{date.fromordinal(born):%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_digit(first17)


def broadband_access_number(user: int) -> str:
    """The access number of fixture broadband user ``user`` (1-100)."""
    return f"0371600{10000 + user:05d}"


def broadband_owner(user: int) -> tuple[str, str]:
    """The name and ID number of the customer who owns fixture broadband user ``user``.

    Fixed whatever the seed (docs/CONTRACTS.md §1): sample renewals must name the portal's
    real owner of their access number, and the portal checks nothing the bots cannot know.
    """
    rng = random.Random(f"broadband-owner-{user}")
    return rng.choice(SURNAMES) + rng.choice(GIVEN), id_number(rng)


def addresses() -> list[tuple[str, str, str, str]]:
    """200 leaves, 50 per district: (code, full name, district, street)."""
    rows = []
    for index in range(200):
        district = list(DISTRICTS)[index // 50]
        street, road = DISTRICTS[district][(index % 50) // 17]
        house = index % 50 + 1
        name = f"郑州市{district}{street}{road}{house}号院"
        rows.append((f"4101-{index + 1:04d}", name, district, street))
    return rows


def load(conn: sqlite3.Connection, seed: int, business_date: date) -> None:
    """Fill an empty state with the standard fixtures."""
    rng = random.Random(seed)
    period_end = db.month_end(business_date)
    not_due = db.month_end(business_date, 3)
    with conn:
        db.set_meta(conn, "business_date", business_date.isoformat())
        db.set_meta(conn, "seed", str(seed))
        conn.executemany(
            "INSERT INTO staff VALUES (?, ?, ?)",
            [(f"GH10{n:02d}", STAFF_NAMES[n - 1], f"Tele@10{n:02d}") for n in range(1, 17)],
        )
        conn.executemany("INSERT INTO numbers (number) VALUES (?)", [(n,) for n in NUMBER_POOL])
        conn.executemany("INSERT INTO cards (iccid) VALUES (?)", [(iccid(s),) for s in range(1000)])
        conn.executemany("INSERT INTO addresses VALUES (?, ?, ?, ?)", addresses())
    leaves = addresses()
    for n in range(1, BROADBAND_USERS + 1):
        name, owner_id = broadband_owner(n)
        leaf = leaves[(n * 7) % 200]
        add_broadband_user(conn, {
            "access_number": broadband_access_number(n),
            "name": name,
            "id_number": owner_id,
            "term_end": (period_end if n <= DUE_USERS else not_due).isoformat(),
            "standard_address": leaf[1],
            "phone": f"13{rng.randrange(10**9):09d}",
        })


def reset(path: Path, seed: int, business_date: date) -> None:
    """Throw the whole state away and load the standard fixtures."""
    conn = db.connect(path)
    try:
        db.drop_all(conn)
        db.create_schema(conn)
        load(conn, seed, business_date)
    finally:
        conn.close()


def add_broadband_user(conn: sqlite3.Connection, user: dict[str, Any]) -> str:
    """One existing broadband user with its own customer and account; returns service id."""
    access = str(user["access_number"])
    if conn.execute("SELECT 1 FROM services WHERE number = ?", (access,)).fetchone():
        raise ValueError(f"access number {access} already exists")
    address = str(user.get("standard_address", "郑州市金水区花园路街道农业路1号院"))
    with conn:
        customer_id = f"1{db.next_counter(conn, 'customer', 10000001):08d}"
        account_id = f"2{db.next_counter(conn, 'account', 10000001):08d}"
        service_id = f"3{db.next_counter(conn, 'service', 10000001):08d}"
        conn.execute(
            "INSERT INTO customers VALUES (?, ?, '身份证', ?, ?, ?, ?)",
            (customer_id, user["name"], user["id_number"], user.get("phone", ""), address,
             user.get("group", "个人")),
        )
        conn.execute("INSERT INTO accounts VALUES (?, ?, ?)",
                     (account_id, customer_id, user["name"]))
        conn.execute(
            "INSERT INTO services (service_id, kind, number, brand, plan, evdo, account_id,"
            " customer_id, term_end, bandwidth, broadband_account, standard_address,"
            " install_address) VALUES (?, 'broadband', ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
            (service_id, access, user.get("brand", "天翼宽带"), user.get("plan", "ADSL包月50元"),
             account_id, customer_id, user["term_end"], user.get("bandwidth", "50M"),
             user.get("broadband_account", f"zz{access[-8:]}"), address, address),
        )
    return service_id
