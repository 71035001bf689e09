"""Personal data never reaches an operator's screen unmasked."""

from __future__ import annotations

from bots.ledger.mask import field_shown, mask_payload, mask_text, redact_url, sensitive_values

ORDER = {
    "customer": {"name": "张三", "id_number": "410101199001011234"},
    "contacts": [{"contact_id_number": "410101198001015678", "phone": "18937100001"}],
    "portal_password": "Tele@1001",
}


def test_sensitive_fields_are_masked_wherever_they_nest() -> None:
    assert mask_payload(ORDER) == {
        "customer": {"name": "张三", "id_number": "******"},
        "contacts": [{"contact_id_number": "******", "phone": "18937100001"}],
        "portal_password": "******",
    }


def test_their_values_are_masked_in_free_text() -> None:
    hidden = sensitive_values(ORDER)
    assert hidden == {"410101199001011234", "410101198001015678", "Tele@1001"}
    assert (
        mask_text("证件 410101199001011234 无效 (Tele@1001)", hidden) == "证件 ****** 无效 (******)"
    )


def test_a_database_password_is_not_printed() -> None:
    assert redact_url("postgresql://bots:s3cret@db.lan:5432/ledger") == (
        "postgresql://bots:******@db.lan:5432/ledger"
    )
    assert redact_url("postgresql:///ledger") == "postgresql:///ledger"
    # libpq's other place for it, and the passphrase of a client key
    assert redact_url("postgresql://bots@db/e9?sslmode=require&password=s3cret") == (
        "postgresql://bots@db/e9?sslmode=require&password=******"
    )
    assert redact_url("postgresql:///e9?PASSWORD=a&sslpassword=b&options=-c%20x") == (
        "postgresql:///e9?PASSWORD=******&sslpassword=******&options=-c%20x"
    )
    assert redact_url("postgresql:///password=a?password=a") == (
        "postgresql:///password=a?password=******"  # (a database of that name)
    )
    assert redact_url("postgresql://bots:pw@[::1/e9") == "******"  # no URL at all


def test_an_operators_screen_shows_a_personal_field_in_part_and_a_credential_not_at_all() -> None:
    assert field_shown("customer.id_number", "410101199001011234") == "410*************34"
    # a field inside a personal one is personal too
    assert field_shown("customer.id_number.value", "410101199001011234") == "410*************34"
    assert field_shown("customer.contact_phone", 13937100001) == "******"  # not a text
    assert field_shown("portal_password", "hunter2secret99") == "******"
    assert field_shown("login.token.value", "abcdefghijkl") == "******"
    assert field_shown("customer.name", "王敏") == "王敏"
    assert field_shown("broadband.bandwidth", 100) == "100"
