"""One masker, one list of sensitive fields: whole values, every written form."""

from __future__ import annotations

import json

from bots.masking import (
    Masker,
    is_sensitive,
    mask_payload,
    mask_text,
    partial,
    sensitive_names,
    sensitive_values,
)
from bots.orders.model import SENSITIVE_FIELDS, SENSITIVE_PATHS


def test_every_written_form_of_a_value_is_masked():
    m = Masker(["Tele@1001", 'a"b\\c密码'])
    assert m.text("pw=Tele@1001&x=Tele%401001") == "pw=***&x=***"
    assert m.text('{"v": "a\\"b\\\\c密码"}') == '{"v": "***"}'
    assert m.text("a&quot;b\\c密码") == "***"


def test_nested_data_and_short_values():
    m = Masker()
    m.add({"id": "410101199001011234", "n": ["12"]})
    assert m.data({"k": ["x 410101199001011234 y", 3]}) == {"k": ["x *** y", 3]}
    assert m.text("12 stays: shorter than 3 characters") == "12 stays: shorter than 3 characters"


def test_a_secret_is_masked_as_a_whole_value_never_inside_another_word():
    m = Masker(["admin"])
    assert m.text("log in as admin, then open_admin and administrator") == (
        "log in as ***, then open_admin and administrator"
    )
    assert m.text('{"user": "admin"}') == '{"user": "***"}'
    assert m.text("user=admin&next=/") == "user=***&next=/"


def test_chinese_text_around_a_value_does_not_hide_it():
    m = Masker(["410101199001011234", "13937100001"])
    assert m.text("证件号码410101199001011234已欠费,联系电话13937100001") == (
        "证件号码***已欠费,联系电话***"
    )


def test_the_order_model_declares_the_one_list_of_sensitive_fields():
    assert SENSITIVE_PATHS == ("customer.id_number", "customer.contact_phone")
    assert SENSITIVE_FIELDS == ("id_number", "contact_phone")
    assert sensitive_names() == ("id_number", "contact_phone", "password", "secret", "token")
    assert is_sensitive("customer.contact_phone") and is_sensitive("portal_password")
    assert not is_sensitive("phone.imei") and not is_sensitive("customer.name")


def test_payloads_hide_every_sensitive_field_and_its_quoted_values():
    order = {
        "customer": {
            "name": "王敏", "id_number": "410101199001011234", "contact_phone": "13937100001",
        },  # fmt: skip
        "phone": {"imei": "864712030000011"},
    }
    assert mask_payload(order, "******") == {
        "customer": {"name": "王敏", "id_number": "******", "contact_phone": "******"},
        "phone": {"imei": "864712030000011"},
    }
    hidden = sensitive_values(order)
    assert hidden == {"410101199001011234", "13937100001"}
    assert mask_text("拒绝: 13937100001 / 410101199001011234", hidden) == "拒绝: *** / ***"


def test_partial_shows_too_little_to_use():
    assert partial("410101199001011234") == "410*************34"
    assert partial("123456789") == "*********"


def test_what_looks_like_an_id_or_phone_number_is_shown_in_part() -> None:
    from bots.masking import personal_shapes

    assert personal_shapes("got '110101199003071234', '13912345678' and '0371-12345678'") == (
        "got '110*************34', '139******78' and '037********78'"
    )
    # typed in full width (the checks take it as the digits meant)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "110101199003071234")
    assert personal_shapes(f"got '{wide}'") == "got '110*************34'"
    # an ICCID, an access number, a reference, a number inside a word: left as they are
    kept = "898603193710000000 037112345678 E9-20261127-0001 a13912345678 139123456789"
    assert personal_shapes(kept) == kept


def test_a_value_right_after_an_escaped_character_is_masked() -> None:
    # a trace keeps form bodies (%B0 ends 话 in GBK) and JSON (\u8bdd): the hex digit that
    # ends the escape is no letter the value would be part of
    from urllib.parse import quote

    masker = Masker(["13700715678"])
    note = "客户电话13700715678周末联系"
    for written in (quote(note), quote(note.encode("gbk")), json.dumps({"note": note})):
        assert "13700715678" not in masker.text(written)
        assert masker.text(written).count("***") == 1


def test_the_ordered_line_and_the_access_number_are_no_one_s_personal_data() -> None:
    from bots.masking import personal_shapes_in

    row = {
        "customer": {"id_type": "410105198503121315", "name": "13812345678"},  # cells slid
        "mobile": {"number": "18937100501"},  # the line being ordered: the clerk needs it
        "broadband": {"access_number": "037160020000"},
    }
    assert personal_shapes_in(row) == {
        "customer": {"id_type": "410*************15", "name": "138******78"},
        "mobile": {"number": "18937100501"},
        "broadband": {"access_number": "037160020000"},
    }
