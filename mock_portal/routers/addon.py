"""加装 (renewal into the e9 pack).

查询 → 组合产品包 → 老宽带用户信息 → 变更 → 品牌 → 属性 → 套餐内手机 → 提交.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mock_portal import db, members, orders
from mock_portal.rules import first_missing, valid_phone
from mock_portal.web import DB, CurrentStaff, FormData, Staff, render

router = APIRouter(prefix="/addon")
KIND = "addon"
PACKS = {
    "e9-C": "e9-C 组合产品包(宽带50元+手机19元)",
    "e9-G": "e9-G 组合产品包(宽带50元+手机29元优惠包)",
}
BRANDS = ("我的E家", "天翼宽带")
PACK_BRAND = "我的E家"
PROMOTIONS = [
    {"name": "加装功能费", "desc": "e9组合产品包加装功能费", "fee": "0.00"},
    {"name": "宽带调整月租", "desc": "宽带月租调整为组合套餐价", "fee": "50.00"},
]
USER_TYPES = ("家庭用户", "个人用户", "商业用户")


def _go(path: str) -> Response:
    return RedirectResponse(f"/addon{path}", status_code=303)


def find_user(conn: sqlite3.Connection, access_number: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT s.service_id, s.number, s.brand, s.plan, s.account_id, s.customer_id,"
        " s.term_end, s.bandwidth, s.broadband_account, s.standard_address, s.install_address,"
        " c.name, c.id_number, c.phone FROM services s JOIN customers c"
        " ON c.customer_id = s.customer_id WHERE s.kind = 'broadband' AND s.number = ?",
        (access_number,),
    ).fetchone()
    return dict(row) if row else None


def due(term_end: date | None, business_date: date) -> bool:
    """The one due rule (PROCEDURES.md): the term ends anywhere in the business month."""
    return term_end is not None and (term_end.year, term_end.month) == (
        business_date.year, business_date.month)


def refusal(conn: sqlite3.Connection, user: dict[str, Any]) -> str | None:
    """Only users whose term ends in the current period (the business date's month) may renew."""
    term_end = date.fromisoformat(user["term_end"]) if user["term_end"] else None
    if not due(term_end, db.business_date(conn)):
        return f"该用户不是当期到期用户,不能办理续费(到期日期:{user['term_end'] or '无'})"
    if user["brand"] == PACK_BRAND:
        return "该用户已办理组合产品包"
    return None


@router.get("")
def start(staff: CurrentStaff, conn: DB
          ) -> Response:
    members.release(conn, staff.token)
    db.save_draft(conn, staff.token, KIND, {})
    return _go("/query")


@router.get("/query", response_class=HTMLResponse)
def query(request: Request, access_number: str | None = None, *,
          staff: CurrentStaff,
          conn: DB) -> Response:
    user, error = None, None
    if access_number is not None:
        access_number = access_number.strip()
        if not access_number:
            error = "宽带接入号不能为空"
        else:
            user = find_user(conn, access_number)
            error = None if user else "宽带接入号不存在"
    return render(request, "addon/query.html", user=user, access_number=access_number or "",
                  error=error, business_date=db.business_date(conn).isoformat())


@router.post("/start")
def pack_start(request: Request, form: FormData,
               staff: CurrentStaff,
               conn: DB) -> Response:
    access_number = form.get("access_number", "").strip()
    user = find_user(conn, access_number)
    error = refusal(conn, user) if user else "宽带接入号不存在"
    if error:
        return render(request, "addon/query.html", user=user, access_number=access_number,
                      error=error)
    db.save_draft(conn, staff.token, KIND, {"user": user})
    return _go("/pack")


def _draft(conn: sqlite3.Connection, staff: Staff) -> dict[str, Any]:
    return db.load_draft(conn, staff.token, KIND)


@router.get("/pack", response_class=HTMLResponse)
def pack_page(request: Request, staff: CurrentStaff,
              conn: DB) -> Response:
    return render(request, "addon/pack.html", draft=_draft(conn, staff), packs=PACKS)


@router.post("/pack")
def pack_save(request: Request, form: FormData,
              staff: CurrentStaff,
              conn: DB) -> Response:
    draft = _draft(conn, staff)
    if "user" not in draft:
        return _go("/query")
    if form.get("pack") not in PACKS:
        return render(request, "addon/pack.html", draft=draft, packs=PACKS,
                      error="请选择组合产品包")
    draft["pack"] = form["pack"]
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/old")


@router.get("/old", response_class=HTMLResponse)
def old_user(request: Request, staff: CurrentStaff,
             conn: DB) -> Response:
    return render(request, "addon/old.html", draft=_draft(conn, staff), changing=False)


@router.get("/change", response_class=HTMLResponse)
def change_page(request: Request, staff: CurrentStaff,
                conn: DB) -> Response:
    return render(request, "addon/old.html", draft=_draft(conn, staff), changing=True)


@router.post("/change")
def change_next(staff: CurrentStaff,
                conn: DB) -> Response:
    draft = _draft(conn, staff)
    if "pack" not in draft:
        return _go("/pack")
    draft["changed"] = True
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/brand")


@router.get("/brand", response_class=HTMLResponse)
def brand_page(request: Request, attrs: int = 0, *, staff: CurrentStaff,
               conn: DB) -> Response:
    draft = _draft(conn, staff)
    return render(request, "addon/brand.html", draft=draft, brands=BRANDS,
                  user_types=USER_TYPES, need_attrs=bool(attrs and draft.get("brand")),
                  alert=bool(attrs), a=draft.get("attrs", {}))


@router.get("/promotions")
def promotions(request: Request, brand: str = "", *, staff: CurrentStaff
               ) -> Response:
    if request.app.state.habits.plan_defect or brand != PACK_BRAND:
        return JSONResponse({"promotions": []})
    return JSONResponse({"promotions": PROMOTIONS})


@router.post("/brand")
def brand_save(request: Request, form: FormData,
               staff: CurrentStaff,
               conn: DB) -> Response:
    draft = _draft(conn, staff)
    if not draft.get("changed"):
        return _go("/old")
    brand = form.get("brand", "")
    error = first_missing([("品牌", brand)])
    if error is None and brand != PACK_BRAND:
        error = f"组合产品包要求品牌为{PACK_BRAND}"
    if error:
        return render(request, "addon/brand.html", draft=draft, brands=BRANDS,
                      user_types=USER_TYPES, need_attrs=False, alert=False, a={}, error=error)
    draft["brand"] = brand
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/brand?attrs=1")


@router.post("/attrs")
def attrs_save(request: Request, form: FormData,
               staff: CurrentStaff,
               conn: DB) -> Response:
    draft = _draft(conn, staff)
    if not draft.get("brand"):
        return _go("/brand")
    a = {key: form.get(key, "").strip()
         for key in ("contact_name", "contact_phone", "install_address", "user_type")}
    error = first_missing([("联系人", a["contact_name"]), ("联系电话", a["contact_phone"]),
                           ("装机地址", a["install_address"]), ("用户类型", a["user_type"])])
    if error is None and not valid_phone(a["contact_phone"]):
        error = "联系电话格式不正确"
    if error:
        return render(request, "addon/brand.html", draft=draft, brands=BRANDS,
                      user_types=USER_TYPES, need_attrs=True, alert=False, a=a,
                      modal_error=error)
    draft.update(attrs=a, attrs_done=True)
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/members?saved=broadband")


@router.get("/members", response_class=HTMLResponse)
def members_page(request: Request, saved: str = "", *, staff: CurrentStaff,
                 conn: DB) -> Response:
    message = {"mobile": "套餐内手机保存成功", "broadband": "变更成功"}.get(saved)
    return render(request, "addon/members.html", draft=_draft(conn, staff), message=message)


@router.get("/mobile", response_class=HTMLResponse)
def mobile_page(request: Request, staff: CurrentStaff,
                conn: DB) -> Response:
    return render(request, "members/mobile.html", m=_draft(conn, staff).get("mobile_pending", {}),
                  base="/addon", crumb="加装", with_prepaid=False)


@router.post("/mobile")
def mobile_next(request: Request, form: FormData,
                staff: CurrentStaff,
                conn: DB) -> Response:
    draft = _draft(conn, staff)
    data = members.mobile_form(
        form, with_prepaid=False, evdo_offered=not request.app.state.habits.evdo_defect)
    error = members.mobile_error(conn, staff.token, data)
    if error:
        return render(request, "members/mobile.html", m=data, base="/addon", crumb="加装",
                      with_prepaid=False, error=error)
    draft["mobile_pending"] = data
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/mobile/account")


def _accounts(conn: sqlite3.Connection, draft: dict[str, Any]) -> list[dict[str, str]]:
    user = draft.get("user")
    rows = []
    if user:
        for row in conn.execute("SELECT account_id, name FROM accounts WHERE customer_id = ?",
                                (user["customer_id"],)):
            note = (f"宽带 {user['number']} 所用账户" if row["account_id"] == user["account_id"]
                    else f"账户 {row['account_id']}")
            rows.append({"value": row["account_id"], "account_id": row["account_id"],
                         "name": row["name"], "note": note})
    rows.append({"value": "new", "account_id": "(提交后生成)", "name": "", "note": "新建账户"})
    return rows


def _account_page(request: Request, conn: sqlite3.Connection, draft: dict[str, Any],
                  **extra: Any) -> Response:
    pending = draft.get("mobile_pending", {})
    return render(request, "members/accounts_prepaid.html", accounts=_accounts(conn, draft),
                  action="/addon/mobile/account", crumb="加装 > 套餐内手机",
                  chosen=extra.pop("chosen", pending.get("account", "")),
                  prepaid=extra.pop("prepaid", pending.get("prepaid", "")), **extra)


@router.get("/mobile/account", response_class=HTMLResponse)
def account_page(request: Request, staff: CurrentStaff,
                 conn: DB) -> Response:
    return _account_page(request, conn, _draft(conn, staff))


@router.post("/mobile/account")
def account_next(request: Request, form: FormData,
                 staff: CurrentStaff,
                 conn: DB) -> Response:
    draft = _draft(conn, staff)
    if "mobile_pending" not in draft:
        return _go("/mobile")
    choice, prepaid = form.get("account", ""), form.get("prepaid_amount", "").strip()
    error = None
    if choice not in {row["value"] for row in _accounts(conn, draft)}:
        error = "请选择账户"
    error = error or members.prepaid_error(prepaid)
    if error:
        return _account_page(request, conn, draft, chosen=choice, prepaid=prepaid, error=error)
    draft["mobile_pending"].update(account=choice, prepaid=prepaid)
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/mobile/device")


@router.get("/mobile/device", response_class=HTMLResponse)
def device_page(request: Request, staff: CurrentStaff,
                conn: DB) -> Response:
    return render(request, "members/device.html", m=_draft(conn, staff).get("mobile_pending", {}),
                  base="/addon", crumb="加装")


@router.post("/mobile/device")
def device_save(request: Request, form: FormData,
                staff: CurrentStaff,
                conn: DB) -> Response:
    draft = _draft(conn, staff)
    pending = draft.get("mobile_pending")
    if not pending or "account" not in pending:
        return _go("/mobile")
    imei, model = form.get("imei", "").strip(), form.get("model", "").strip()
    error = members.device_error(imei) or members.reserve(
        conn, staff.token, pending["number"], pending["uim"])
    if error:
        return render(request, "members/device.html", m=pending, base="/addon", crumb="加装",
                      imei=imei, model=model, error=error)
    draft["mobile"] = {**pending, "imei": imei, "model": model, "saved": True}
    db.save_draft(conn, staff.token, KIND, draft)
    return _go("/members?saved=mobile")


@router.post("/submit")
def submit(request: Request, staff: CurrentStaff,
           conn: DB) -> Response:
    draft = _draft(conn, staff)
    error = orders.addon_missing(draft)
    if error:
        return render(request, "addon/members.html", draft=draft, error=error)
    order_no = orders.submit_addon(conn, staff, draft, request.app.state.habits)
    return RedirectResponse(f"/fees/{order_no}", status_code=303)
