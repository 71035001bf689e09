"""新装: customer → brand/plan → package members (mobile, broadband) → 提交."""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mock_portal import customers, db, members, orders
from mock_portal.fixtures import BANDWIDTHS
from mock_portal.rules import first_missing, valid_broadband_account, valid_id_number, valid_phone
from mock_portal.web import DB, CurrentStaff, FormData, render

router = APIRouter(prefix="/install")
KIND = "install"
BRANDS = {
    "我的e家": (
        "e9-C(虚用户对应套餐--手机+ADSL)",
        "e9-G(虚用户对应套餐--手机+ADSL,29元手机优惠包)",
    ),
    "天翼宽带": ("ADSL包月50元", "光宽带包月100元"),
}
GROUPS = ("个人", "家庭", "政企", "校园")
ID_TYPES = ("身份证", "护照", "军官证")
MOBILE_ACCOUNT = "new-mobile"
OWN_ACCOUNT = "new-broadband"


def _page(request: Request, name: str, draft: dict[str, Any], **extra: Any) -> Response:
    return render(request, f"install/{name}.html", draft=draft, **extra)


def _go(path: str) -> Response:
    return RedirectResponse(f"/install{path}", status_code=303)


@router.get("")
def start(staff: CurrentStaff, conn: DB
          ) -> Response:
    members.release(conn, staff.token)
    db.save_draft(conn, staff.token, KIND, {})
    return _go("/customer")


@router.get("/customer", response_class=HTMLResponse)
def customer_page(request: Request, staff: CurrentStaff,
                  conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    return _page(request, "customer", draft, c=draft.get("customer", {}), groups=GROUPS,
                 id_types=ID_TYPES)


def customer_error(c: dict[str, str]) -> str | None:
    missing = first_missing([("客户名称", c["name"]), ("证件号码", c["id_number"]),
                             ("联系电话", c["phone"]), ("联系地址", c["address"]),
                             ("客户分群", c["group"])])
    if missing:
        return missing
    if c["id_type"] == "身份证" and not valid_id_number(c["id_number"]):
        return "证件号码格式不正确"
    if not valid_phone(c["phone"]):
        return "联系电话格式不正确"
    return None


@router.post("/customer")
def customer_save(request: Request, form: FormData,
                  staff: CurrentStaff,
                  conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    c = {key: form.get(key, "").strip()
         for key in ("name", "id_type", "id_number", "phone", "address", "group")}
    c["id_type"] = c["id_type"] or "身份证"
    error = customer_error(c)
    if error is None:
        chosen, error = customers.chosen(conn, c)
    if error:
        return _page(request, "customer", draft, c=c, groups=GROUPS, id_types=ID_TYPES,
                     error=error)
    draft["customer"] = chosen
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/product")


@router.get("/product", response_class=HTMLResponse)
def product_page(request: Request, staff: CurrentStaff,
                 conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    known = "customer_id" in draft.get("customer", {})
    return _page(request, "product", draft, brands=list(BRANDS),
                 plans=BRANDS.get(draft.get("brand", ""), ()),
                 message=customers.FOUND if known else None)


@router.get("/plans")
def plans(brand: str = "", *, staff: CurrentStaff) -> Response:
    return JSONResponse({"plans": list(BRANDS.get(brand, ()))})


@router.post("/product")
def product_save(request: Request, form: FormData,
                 staff: CurrentStaff,
                 conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    brand, plan = form.get("brand", ""), form.get("plan", "")
    error = first_missing([("品牌", brand), ("计划", plan)])
    if error is None and plan not in BRANDS.get(brand, ()):
        error = "计划与品牌不符"
    if error:
        return _page(request, "product", draft, brands=list(BRANDS),
                     plans=BRANDS.get(brand, ()), error=error)
    draft.update(brand=brand, plan=plan)
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/members")


@router.get("/members", response_class=HTMLResponse)
def members_page(request: Request, saved: str = "", *, staff: CurrentStaff,
                 conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    message = {"mobile": "套餐内手机保存成功", "broadband": "套餐内宽带保存成功"}.get(saved)
    return _page(request, "members", draft, message=message)


@router.get("/mobile", response_class=HTMLResponse)
def mobile_page(request: Request, staff: CurrentStaff,
                conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    return render(request, "members/mobile.html", m=draft.get("mobile_pending", {}),
                  base="/install", crumb="新装", with_prepaid=True)


@router.post("/mobile")
def mobile_next(request: Request, form: FormData,
                staff: CurrentStaff,
                conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    data = members.mobile_form(
        form, with_prepaid=True, evdo_offered=not request.app.state.habits.evdo_defect)
    error = members.mobile_error(conn, staff.token, data)
    if error:
        return render(request, "members/mobile.html", m=data, base="/install", crumb="新装",
                      with_prepaid=True, error=error)
    draft["mobile_pending"] = data
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/mobile/device")


@router.get("/mobile/device", response_class=HTMLResponse)
def device_page(request: Request, staff: CurrentStaff,
                conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    return render(request, "members/device.html", m=draft.get("mobile_pending", {}),
                  base="/install", crumb="新装")


@router.post("/mobile/device")
def device_save(request: Request, form: FormData,
                staff: CurrentStaff,
                conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    pending = draft.get("mobile_pending")
    if not pending:
        return _go("/mobile")
    imei, model = form.get("imei", "").strip(), form.get("model", "").strip()
    error = members.device_error(imei) or members.reserve(
        conn, staff.token, pending["number"], pending["uim"])
    if error:
        return render(request, "members/device.html", m=pending, base="/install", crumb="新装",
                      imei=imei, model=model, error=error)
    draft["mobile"] = {**pending, "imei": imei, "model": model, "saved": True,
                       "account": MOBILE_ACCOUNT}
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/members?saved=mobile")


@router.get("/broadband", response_class=HTMLResponse)
def broadband_page(request: Request, staff: CurrentStaff,
                   conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    return _page(request, "broadband", draft, b=draft.get("broadband_pending", {}),
                 bandwidths=BANDWIDTHS)


def broadband_error(conn: sqlite3.Connection, b: dict[str, str]) -> str | None:
    missing = first_missing([("标准化地址", b["standard_address"]),
                             ("宽带账号", b["broadband_account"]), ("带宽", b["bandwidth"]),
                             ("装机地址", b["install_address"])])
    if missing:
        return missing
    if not valid_broadband_account(b["broadband_account"]):
        return "宽带账号格式不正确(6-20位小写字母或数字)"
    if conn.execute("SELECT 1 FROM services WHERE broadband_account = ?",
                    (b["broadband_account"],)).fetchone():
        return "宽带账号已存在"
    if b["bandwidth"] not in BANDWIDTHS:
        return "带宽不正确"
    return None


@router.post("/broadband")
def broadband_next(request: Request, form: FormData,
                   staff: CurrentStaff,
                   conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    b = {key: form.get(key, "").strip() for key in (
        "standard_address", "address_code", "broadband_account", "bandwidth",
        "install_address", "contact_phone")}
    error = broadband_error(conn, b)
    if error:
        return _page(request, "broadband", draft, b=b, bandwidths=BANDWIDTHS, error=error)
    draft["broadband_pending"] = b
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/broadband/account")


def _accounts(draft: dict[str, Any]) -> list[dict[str, str]]:
    name = draft.get("customer", {}).get("name", "")
    rows = []
    if draft.get("mobile", {}).get("saved"):
        rows.append({"value": MOBILE_ACCOUNT, "account_id": "(提交后生成)", "name": name,
                     "note": f"随套餐内手机 {draft['mobile']['number']} 新开"})
    rows.append({"value": OWN_ACCOUNT, "account_id": "(提交后生成)", "name": name,
                 "note": "新建账户"})
    return rows


@router.get("/broadband/account", response_class=HTMLResponse)
def account_page(request: Request, staff: CurrentStaff,
                 conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    return render(request, "members/accounts.html", accounts=_accounts(draft),
                  action="/install/broadband/account", crumb="新装 > 套餐内宽带",
                  chosen=draft.get("broadband_pending", {}).get("account", ""))


@router.post("/broadband/account")
def account_next(request: Request, form: FormData,
                 staff: CurrentStaff,
                 conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    choice = form.get("account", "")
    rows = _accounts(draft)
    if choice not in {row["value"] for row in rows} or "broadband_pending" not in draft:
        return render(request, "members/accounts.html", accounts=rows,
                      action="/install/broadband/account", crumb="新装 > 套餐内宽带",
                      chosen="", error="请选择账户")
    draft["broadband_pending"]["account"] = choice
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/broadband/confirm")


@router.get("/broadband/confirm", response_class=HTMLResponse)
def broadband_confirm(request: Request, staff: CurrentStaff,
                      conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    return _page(request, "broadband_confirm", draft, b=draft.get("broadband_pending", {}))


@router.post("/broadband/confirm")
def broadband_save(request: Request, staff: CurrentStaff,
                   conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    pending = draft.get("broadband_pending", {})
    if "account" not in pending:
        return _go("/broadband")
    error = broadband_error(conn, pending)
    if error:
        return _page(request, "broadband_confirm", draft, b=pending, error=error)
    draft["broadband"] = {**pending, "saved": True}
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/members?saved=broadband")


@router.post("/submit")
def submit(request: Request, staff: CurrentStaff,
           conn: DB) -> Response:
    draft = db.load_draft(conn, staff.token, KIND)
    error = orders.install_missing(draft)
    if error:
        return _page(request, "members", draft, error=error)
    order_no = orders.submit_install(conn, staff, draft, request.app.state.habits)
    return RedirectResponse(f"/fees/{order_no}", status_code=303)
