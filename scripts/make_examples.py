"""Writes the sample batch: orders.csv, orders.xlsx and orders/<reference>.yaml.

Run from the repository root: ``.venv/bin/python scripts/make_examples.py``. The outputs are
committed in ``bots/shipped/examples/`` (shipped with the package);
tests/orders/test_examples.py checks they hold what this script writes.

Twelve orders, six new installs and six renewals, both packs, two "any" numbers. Two must be
refused: E9-20261127-0006 has an invalid IMEI (refused at enqueue by the order model) and
E9-20261127-0012 renews 037160010090, a broadband user whose term does not end this period
(valid data; the flow refuses it at run time). A renewal's customer is the portal's owner of
its access number (``bots.orders.samples.owner``): the flow refuses any other customer.
Numbers 18937100501-512 and card serials 501-512 stay clear of the low numbers an "any"
order picks. Two orders carry a remark (备注), which the portal's 备注 receives after the
manager line and the reference.
"""

from __future__ import annotations

import csv
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bots.orders.columns import COLUMNS, flatten  # noqa: E402
from bots.orders.rules import PROCEDURE_LABELS  # noqa: E402
from bots.orders.samples import access_number, iccid, id_number, imei, owner  # noqa: E402

HERE = Path(__file__).resolve().parents[1] / "bots" / "shipped" / "examples"
BAD_IMEI_REFERENCE = "E9-20261127-0006"
NOT_DUE_REFERENCE = "E9-20261127-0012"
NOTES = {
    "E9-20261127-0003": "客户要求周末上门装机",
    "E9-20261127-0008": "老用户续约,赠机已当面交付",
}

# (procedure, pack, name, region, birth date, sequence, phone, home address, manager,
#  number or "any", card serial / IMEI serial, broadband: access user or new-install details,
#  phone model); a renewal's name and ID number are its broadband's owner's (None here)
NEW = "new_install"
RENEW = "renewal"
ORDERS: list[tuple[Any, ...]] = [
    (NEW, 19, "张伟", "410105", date(1985, 3, 12), 131, "13937101234",
     "郑州市金水区花园路街道农业路1号院3号楼", "马丽", "18937100501",
     ("hn37100501", "4101-0001", "郑州市金水区花园路街道农业路1号院3号楼2单元501", "100M"),
     "中兴 BA610C"),
    (NEW, 29, "王芳", "410103", date(1990, 7, 25), 242, "13838202345",
     "郑州市二七区建中街街道大学路56号", "马丽", "18937100502",
     ("hn37100502", "4101-0061", "郑州市二七区建中街街道大学路56号院1号楼302", "200M"),
     "华为 畅享8e"),
    (NEW, 19, "李娜", "410102", date(1978, 11, 2), 88, "0371-63451234",
     "郑州市中原区林山寨街道建设西路11号", "郭涛", "any",
     ("hn37100503", "4101-0111", "郑州市中原区林山寨街道建设西路11号院6号楼1单元202", "100M"),
     "天翼 T1"),
    (NEW, 29, "刘洋", "410104", date(1995, 1, 30), 15, "15903719876",
     "郑州市管城回族区北下街街道东大街88号", "郭涛", "18937100504",
     ("hn37100504", "4101-0161", "郑州市管城回族区北下街街道东大街88号2号楼601", "500M"),
     "海信 F23"),
    (NEW, None, "陈静", "410105", date(1982, 5, 9), 426, "18638105566",
     "郑州市金水区花园路街道农业路27号", "孙建华", "18937100505",
     ("hn37100505", "4101-0002", "郑州市金水区花园路街道农业路27号院4号楼3单元1102", "300M"),
     "中兴 BA610C"),
    (NEW, 19, "杨磊", "410103", date(1988, 9, 17), 371, "13607711223",
     "郑州市二七区建中街街道大学路102号", "孙建华", "18937100506",
     ("hn37100506", "4101-0062", "郑州市二七区建中街街道大学路102号院7号楼401", "100M"),
     "华为 畅享8e"),
    (RENEW, None, None, None, None, None, "13700715678",
     "郑州市金水区花园路街道农业路9号", "马丽", "18937100507", 1, "天翼 T1"),
    (RENEW, 19, None, None, None, None, "13526871234",
     "郑州市中原区林山寨街道建设西路3号", "郭涛", "18937100508", 2, "海信 F23"),
    (RENEW, 29, None, None, None, None, "18737112345",
     "郑州市管城回族区北下街街道东大街16号", "胡文静", "18937100509", 3, "中兴 BA610C"),
    (RENEW, 29, None, None, None, None, "15136123456",
     "郑州市二七区建中街街道大学路8号", "胡文静", "any", 4, "华为 畅享8e"),
    (RENEW, 19, None, None, None, None, "13949012345",
     "郑州市金水区花园路街道农业路45号", "马丽", "18937100511", 5, "天翼 T1"),
    (RENEW, 29, None, None, None, None, "13803845678",
     "郑州市中原区林山寨街道建设西路70号", "郭涛", "18937100512", 90, "海信 F23"),
]


def raw_orders() -> list[dict[str, Any]]:
    orders = []
    for i, row in enumerate(ORDERS, start=1):
        (procedure, pack, name, region, born, seq, phone, home, manager, number,
         broadband, model) = row
        reference = f"E9-20261127-{i:04d}"
        serial = 500 + i
        order: dict[str, Any] = {"reference": reference, "procedure": procedure}
        if pack is not None:
            order["pack"] = pack
        if procedure == RENEW:
            name, id_no = owner(broadband)
        else:
            id_no = id_number(region, born, seq)
        order["customer"] = {"name": name, "id_type": "居民身份证", "id_number": id_no,
                             "contact_phone": phone, "address": home}
        order["account_manager"] = manager
        order["mobile"] = {"number": number, "uim": iccid(serial)}
        if procedure == RENEW:
            order["broadband"] = {"access_number": access_number(broadband)}
        else:
            account, code, install, bandwidth = broadband
            order["broadband"] = {"account": account, "standard_address": code,
                                  "install_address": install, "bandwidth": bandwidth}
        phone_imei = imei(serial)
        if reference == BAD_IMEI_REFERENCE:  # the last digit is off by one: Luhn fails
            phone_imei = phone_imei[:-1] + str((int(phone_imei[-1]) + 1) % 10)
        order["phone"] = {"imei": phone_imei, "model": model}
        if reference in NOTES:
            order["note"] = NOTES[reference]
        orders.append(order)
    return orders


def csv_rows(orders: list[dict[str, Any]]) -> list[list[str]]:
    """The sheet as a back office keeps it: Chinese headers, every value as text."""
    rows = [[c.label for c in COLUMNS]]
    for order in orders:
        flat = flatten(order)
        flat["procedure"] = PROCEDURE_LABELS[flat["procedure"]]  # 新装 / 续费
        rows.append(["" if flat[c.name] is None else str(flat[c.name]) for c in COLUMNS])
    return rows


def write_all(target: Path = HERE) -> None:
    orders = raw_orders()
    rows = csv_rows(orders)
    # UTF-8 with a BOM: Excel on a Chinese Windows opens it without garbling the headers.
    with open(target / "orders.csv", "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, lineterminator="\r\n").writerows(rows)
    write_xlsx(target / "orders.xlsx", rows)
    folder = target / "orders"
    folder.mkdir(exist_ok=True)
    for order in orders:
        text = yaml.safe_dump(order, allow_unicode=True, sort_keys=False)
        (folder / f"{order['reference']}.yaml").write_text(
            "# One e9 order: the shape `bots run --input` takes (see bots/orders/model.py).\n"
            + text, encoding="utf-8")


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "订单"
    for row in rows:
        sheet.append(row)
    for column in sheet.columns:
        for cell in column:
            cell.number_format = "@"  # text: Excel must not turn ID numbers into floats
    # a fixed timestamp, so the committed file only changes when the data does
    book.properties.created = datetime(2026, 11, 27)
    book.save(path)


if __name__ == "__main__":
    write_all()
