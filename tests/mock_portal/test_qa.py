"""The QA interface: only with --qa, the state's stable shape, reset, fixtures, habits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mock_portal.fixtures import broadband_owner
from mock_portal.rules import valid_id_number
from tests.mock_portal import walk
from tests.mock_portal.conftest import make_client
from tests.mock_portal.test_funds import FUND

KEYS = {
    "staff": {"staff_id", "name", "logged_in"},
    "customers": {"customer_id", "name", "id_type", "id_number", "phone", "address", "group"},
    "accounts": {"account_id", "customer_id", "name"},
    "services": {"service_id", "kind", "number", "brand", "plan", "evdo", "account_id",
                 "customer_id", "term_end", "uim", "imei", "bandwidth", "broadband_account",
                 "standard_address", "install_address", "order_no"},
    "fees": {"fee_id", "order_no", "line", "original_amount", "final_amount", "lowered_by",
             "lower_reason", "collected"},
    "special_funds": {"serial_no", "access_number", "fund_type", "ledger", "amount",
                      "staff_id", "time"},
    "orders": {"order_no", "kind", "staff_id", "remark", "time", "status", "customer_id"},
}


def test_without_qa_every_qa_path_is_404(tmp_path: Path) -> None:
    with make_client(tmp_path, qa=False) as client:
        for method, path in (("GET", "/qa/state"), ("POST", "/qa/reset"), ("GET", "/qa/habits"),
                             ("POST", "/qa/habits"), ("POST", "/qa/fixtures"), ("GET", "/qa/"),
                             ("GET", "/qa/approvals"), ("GET", "/qa/captchas")):
            assert client.request(method, path).status_code == 404, path


def test_state_shape_is_stable(client: TestClient) -> None:
    walk.login(client)
    order = walk.install(client)
    walk.ok(client.post(f"/fees/{order}/collect"))
    walk.ok(client.post("/funds", data=FUND))
    state = client.get("/qa/state").json()
    assert set(state) == set(KEYS)
    for key, fields in KEYS.items():
        assert state[key], key
        for row in state[key]:
            assert set(row) == fields, key


def test_fixtures_follow_the_contract(client: TestClient) -> None:
    state = client.get("/qa/state").json()
    assert [s["staff_id"] for s in state["staff"]] == [f"GH10{n:02d}" for n in range(1, 17)]
    nets = [s for s in state["services"] if s["kind"] == "broadband"]
    assert [s["number"] for s in nets] == [f"0371600{10000 + n:05d}" for n in range(1, 101)]
    assert {s["term_end"] for s in nets[:80]} == {"2026-05-31"}
    assert {s["term_end"] for s in nets[80:]} == {"2026-08-31"}
    assert {(s["brand"], s["plan"]) for s in nets} == {("天翼宽带", "ADSL包月50元")}
    assert len({s["account_id"] for s in nets}) == len({s["customer_id"] for s in nets}) == 100
    # each broadband's owner is fixed whatever the seed: sample renewals name the owner
    owners = {c["customer_id"]: (c["name"], c["id_number"]) for c in state["customers"]}
    assert [owners[s["customer_id"]] for s in nets] == [broadband_owner(n) for n in range(1, 101)]
    assert all(valid_id_number(owner[1]) for owner in owners.values())


def test_reset_restores_the_fixtures_and_moves_the_date(client: TestClient) -> None:
    walk.login(client)
    walk.install(client)
    reply = client.post("/qa/reset", json={"seed": 3, "business_date": "2027-02-10"})
    assert reply.json() == {"ok": True, "seed": 3, "business_date": "2027-02-10"}
    state = client.get("/qa/state").json()
    assert state["orders"] == [] and len(state["customers"]) == 100
    terms = {s["term_end"] for s in state["services"]}
    assert terms == {"2027-02-28", "2027-05-31"}
    assert state["customers"][0]["name"] == broadband_owner(1)[0]  # another seed, same owner
    assert not any(s["logged_in"] for s in state["staff"])
    assert client.post("/qa/reset", json={"business_date": "soon"}).status_code == 400
    misspelt = client.post("/qa/reset", json={"bussiness_date": "2027-02-10"})
    assert (misspelt.status_code, misspelt.json()) == (400, {
        "error": "bad reset request: unknown keys bussiness_date (seed, business_date)"})


def test_fixtures_can_be_added(client: TestClient) -> None:
    reply = client.post("/qa/fixtures", json={
        "staff": [{"staff_id": "GH2001", "name": "测试员", "password": "pw"}],
        "numbers": ["18937109999"], "cards": ["89860319371999999990"],
        "broadband_users": [{"access_number": "037169990001", "name": "赵六",
                             "id_number": walk.ID_NUMBER, "term_end": "2026-05-31"}],
    })
    assert reply.status_code == 200, reply.text
    walk.ok(client.post("/login", data={"staff_id": "GH2001", "password": "pw"}))
    walk.ok(client.post("/addon/start", data={"access_number": "037169990001"}))
    state = client.get("/qa/state").json()
    assert any(s["number"] == "037169990001" for s in state["services"])
    funds = [{"serial_no": "LS20251118000042", "access_number": "037169990001",
              "fund_type": "ADSL月租", "ledger": "账户账本", "amount": 600,
              "staff_id": "GH1001", "time": "2025-11-18 10:12:00"}]
    assert client.post("/qa/fixtures", json={"special_funds": funds}).json()[
        "special_funds"] == 1
    assert client.get("/qa/state").json()["special_funds"] == funds
    again = client.post("/qa/fixtures", json={"special_funds": funds})
    assert again.status_code == 400
    assert again.json()["error"].startswith("bad fixture: IntegrityError(")
    bad = client.post("/qa/fixtures", json={"broadband_users": [{"name": "x"}]})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("broadband user needs access_number, id_number")
    assert client.post("/qa/fixtures", json={"phones": []}).json() == {
        "error": "unknown fixture kinds: phones"}


def test_habits_read_and_set(client: TestClient) -> None:
    assert client.get("/qa/habits").json() == {
        "evdo_defect": True, "plan_defect": True, "latency_ms": [0, 0], "busy_share": 0.0,
        "session_expiry_s": 0.0, "notice": False, "random_ids": False, "fee_changes": {},
        "collect_surcharge": 0.0, "deposit_defect": "", "area_code": "0371", "legacy": False,
        "error_pages": "busy", "form_token_ttl_s": 600.0, "renamed_captions": {},
        "approval": False, "approval_ttl_s": 300.0, "login_captcha": False, "busy_posts": {}}
    changed = client.post("/qa/habits", json={"latency_ms": [5, 10], "notice": True}).json()
    assert changed["latency_ms"] == [5, 10] and changed["notice"] is True
    assert client.get("/qa/habits").json() == changed


@pytest.mark.parametrize(("body", "message"), [
    ({"colour": "red"}, "unknown habit 'colour'; known: evdo_defect, plan_defect, latency_ms, "
                        "busy_share, session_expiry_s, notice, random_ids, fee_changes, "
                        "collect_surcharge, deposit_defect, area_code, legacy, error_pages, "
                        "form_token_ttl_s, renamed_captions, approval, approval_ttl_s, "
                        "login_captcha, busy_posts"),
    ({"fee_changes": {"选号费": "50"}},
     "fee_changes must map fee lines to yuan amounts >= 0 (or null: no line)"),
    ({"fee_changes": ["选号费"]},
     "fee_changes must map fee lines to yuan amounts >= 0 (or null: no line)"),
    ({"collect_surcharge": -1}, "collect_surcharge must be an amount in yuan >= 0 (0 = off)"),
    ({"deposit_defect": "lost"}, "deposit_defect must be one of '', 'twice', 'wrong_ledger'"),
    ({"area_code": "379"}, "area_code must be an area code with its leading 0, like 0379"),
    ({"busy_share": 2}, "busy_share must be between 0 and 1"),
    ({"latency_ms": [9, 1]}, "latency must be LO-HI with 0 <= LO <= HI"),
    ({"notice": "yes"}, "notice must be true or false"),
    ({"legacy": 1}, "legacy must be true or false"),
    ({"error_pages": "php"}, "error_pages must be one of 'busy', 'ora', 'java'"),
    ({"form_token_ttl_s": 0}, "form_token_ttl_s must be a number of seconds > 0"),
    ({"renamed_captions": {"联系地址": ""}}, "renamed_captions must map captions to new captions"),
    ({"approval": "on"}, "approval must be true or false"),
    ({"approval_ttl_s": -5}, "approval_ttl_s must be a number of seconds > 0"),
    ({"login_captcha": 1}, "login_captcha must be true or false"),
    ({"busy_posts": {"install/submit": 1}},
     "busy_posts must map paths (/install/submit) to counts >= 0"),
    ({"busy_posts": {"/install/submit": True}},
     "busy_posts must map paths (/install/submit) to counts >= 0"),
])
def test_bad_habits_change_nothing(client: TestClient, body: dict[str, object],
                                   message: str) -> None:
    before = client.get("/qa/habits").json()
    reply = client.post("/qa/habits", json={"notice": True, **body})
    assert (reply.status_code, reply.json()) == (400, {"error": message})
    assert client.get("/qa/habits").json() == before


def test_busy_posts_answer_the_next_posts_to_a_path_busy_and_do_nothing(
    client: TestClient,
) -> None:
    client.post("/qa/habits", json={"busy_posts": {"/login": 2}})
    form = {"staff_id": "GH1001", "password": "Tele@1001"}
    answers = [client.post("/login", data=form, follow_redirects=False) for _ in range(3)]
    assert all("系统繁忙,请稍后再试" in a.text for a in answers[:2])
    assert "系统繁忙" not in answers[2].text  # the third is the portal's own: logged in
    assert answers[2].status_code == 303, answers[2].text
    assert client.get("/qa/habits").json()["busy_posts"] == {"/login": 0}
    assert client.get("/login").status_code == 200  # a GET of the path is never held up


def test_qa_is_never_slowed_or_failed(client: TestClient) -> None:
    client.post("/qa/habits", json={"busy_share": 1.0, "latency_ms": [3000, 3000]})
    assert client.get("/qa/state").status_code == 200


@pytest.mark.parametrize(("body", "message"), [
    ("[1]", "the body must be a JSON object"), ("{", "the body is not JSON: ")])
def test_bodies_must_be_json_objects(client: TestClient, body: str, message: str) -> None:
    for path in ("/qa/habits", "/qa/fixtures"):
        reply = client.post(path, content=body)
        assert reply.status_code == 400
        assert reply.json()["error"].startswith(message)
