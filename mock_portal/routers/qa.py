"""The QA interface (only with --qa): read the whole state, reset, add fixtures, set habits.

The JSON shape is a published contract (mock_portal/README.md); keep it stable.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from mock_portal import approvals, db, fixtures
from mock_portal.web import DB

router = APIRouter(prefix="/qa")


def _bad(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=400)


def staff_state(conn: sqlite3.Connection, expiry: float) -> list[dict[str, Any]]:
    now = time.time()
    live = {
        row["staff_id"]
        for row in conn.execute("SELECT staff_id, last_seen FROM sessions WHERE ended IS NULL")
        if not expiry or now - row["last_seen"] <= expiry
    }
    return [{"staff_id": r["staff_id"], "name": r["name"], "logged_in": r["staff_id"] in live}
            for r in conn.execute("SELECT staff_id, name FROM staff ORDER BY staff_id")]


def _service(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data.pop("attrs")
    data["evdo"] = None if row["evdo"] is None else bool(row["evdo"])
    return data


@router.get("/state")
def state(request: Request, conn: DB) -> dict[str, Any]:
    def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(sql)]

    fees = rows("SELECT fee_id, order_no, line, original_amount, final_amount, lowered_by,"
                " lower_reason, collected FROM fees ORDER BY fee_id")
    for fee in fees:
        fee["collected"] = bool(fee["collected"])
    return {
        "staff": staff_state(conn, request.app.state.habits.session_expiry_s),
        "customers": rows("SELECT customer_id, name, id_type, id_number, phone, address,"
                          " grp AS 'group' FROM customers ORDER BY customer_id"),
        "accounts": rows("SELECT account_id, customer_id, name FROM accounts"
                         " ORDER BY account_id"),
        "services": [_service(r) for r in conn.execute(
            "SELECT * FROM services ORDER BY service_id")],
        "fees": fees,
        "special_funds": rows("SELECT serial_no, access_number, fund_type, ledger, amount,"
                              " staff_id, time FROM special_funds ORDER BY serial_no"),
        "orders": rows("SELECT order_no, kind, staff_id, remark, time, status, customer_id"
                       " FROM orders ORDER BY order_no"),
    }


@router.get("/approvals")
def approval_codes(conn: DB) -> dict[str, Any]:
    """The 金库 codes sent, as the approvers' phones show them (QA only)."""
    return {"approvers": approvals.APPROVERS, "approvals": approvals.approvals(conn)}


@router.get("/captchas")
def captcha_codes(conn: DB) -> dict[str, Any]:
    """The login pages' 验证码 texts (QA only)."""
    return {"captchas": approvals.captchas(conn)}


class BadBody(ValueError):
    """The request body is not a JSON object."""


async def _body(request: Request) -> dict[str, Any] | BadBody:
    """The JSON object posted (empty body = {}); a BadBody says what is wrong instead."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as error:
        return BadBody(f"the body is not JSON: {error}")
    return data if isinstance(data, dict) else BadBody("the body must be a JSON object")


Body = Annotated[dict[str, Any] | BadBody, Depends(_body)]


# Sync endpoints: they run in the thread pool, so waiting for the db lock never blocks
# the event loop that the lock's holder needs to finish.
@router.post("/reset")
def reset(request: Request, body: Body) -> Response:
    try:
        if isinstance(body, BadBody):
            raise body
        unknown = set(body) - {"seed", "business_date"}
        if unknown:  # (a misspelt key would reset to what the test did not ask for)
            raise ValueError(f"unknown keys {', '.join(sorted(unknown))} (seed, business_date)")
        config = request.app.state.config
        seed = int(body.get("seed", config.seed))
        day = body.get("business_date")
        business_date = date.fromisoformat(day) if day else (config.business_date or date.today())
    except ValueError as error:
        return _bad(f"bad reset request: {error}")
    with request.app.state.db_lock:
        fixtures.reset(request.app.state.db_path, seed, business_date)
    request.app.state.fault_rng = random.Random(seed)
    request.app.state.id_rng = random.Random(seed + 1)
    return JSONResponse({"ok": True, "seed": seed, "business_date": business_date.isoformat()})


@router.get("/habits")
def get_habits(request: Request) -> dict[str, Any]:
    return dict(request.app.state.habits.to_json())


@router.post("/habits")
def set_habits(request: Request, body: Body) -> Response:
    habits = request.app.state.habits
    try:
        if isinstance(body, BadBody):
            raise body
        candidate = type(habits)(**{**vars(habits)})
        candidate.update(body)
    except (ValueError, TypeError) as error:
        return _bad(str(error))
    habits.update(body)
    return JSONResponse(habits.to_json())


@router.post("/fixtures")
def add_fixtures(request: Request, body: Body) -> Response:
    if isinstance(body, BadBody):
        return _bad(str(body))
    unknown = set(body) - {"broadband_users", "staff", "numbers", "cards", "special_funds"}
    if unknown:
        return _bad(f"unknown fixture kinds: {', '.join(sorted(unknown))}")
    with request.app.state.db_lock:
        conn = db.connect(request.app.state.db_path)
        try:
            return _load_fixtures(conn, body)
        finally:
            conn.close()


def _load_fixtures(conn: sqlite3.Connection, body: dict[str, Any]) -> Response:
    try:
        with conn:
            conn.executemany("INSERT OR REPLACE INTO staff VALUES (?, ?, ?)", [
                (s["staff_id"], s["name"], s["password"]) for s in body.get("staff", [])])
            conn.executemany("INSERT OR IGNORE INTO numbers (number) VALUES (?)",
                             [(str(n),) for n in body.get("numbers", [])])
            conn.executemany("INSERT OR IGNORE INTO cards (iccid) VALUES (?)",
                             [(str(c),) for c in body.get("cards", [])])
            # deposits made before (a renewing line's last year's 600)
            conn.executemany("INSERT INTO special_funds VALUES (?, ?, ?, ?, ?, ?, ?)", [
                (f["serial_no"], f["access_number"], f["fund_type"], f["ledger"],
                 float(f["amount"]), f["staff_id"], f["time"])
                for f in body.get("special_funds", [])])
        users = body.get("broadband_users", [])
        for user in users:
            missing = [k for k in ("access_number", "name", "id_number", "term_end")
                       if k not in user]
            if missing:
                return _bad(f"broadband user needs {', '.join(missing)}: {user}")
            date.fromisoformat(user["term_end"])
            fixtures.add_broadband_user(conn, user)
    except (KeyError, TypeError, ValueError, sqlite3.IntegrityError) as error:
        return _bad(f"bad fixture: {error!r}")
    return JSONResponse({"ok": True, "staff": len(body.get("staff", [])),
                         "numbers": len(body.get("numbers", [])),
                         "cards": len(body.get("cards", [])), "broadband_users": len(users),
                         "special_funds": len(body.get("special_funds", []))})
