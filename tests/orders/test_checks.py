from __future__ import annotations

from datetime import date

import pytest

from bots.orders import checks

# these pin the English texts (BOTS_LANG=en); the Chinese ones are pinned in test_words.py
pytestmark = pytest.mark.usefixtures("english")
# a check digit that does not match: the number is invalid, and no "right" digit is named
AGAINST = ": check the whole number against the ID card"  # (what to do, after each)
ID_INVALID = ("is not a valid ID number (its check digit does not match): check the whole number"
              " against the ID card")
CARD_INVALID = ("is not a valid card number (its check digit does not match): check the whole"
                " number against the UIM card")
IMEI_INVALID = ("is not a valid IMEI (its check digit does not match): check the whole number"
                " against the phone")


VALID_ID = "11010519491231002X"  # the GB 11643 standard's own example


def reason(check, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as caught:
        check(*args)
    return str(caught.value)


def test_luhn_check_digit() -> None:
    assert checks.luhn_check_digit("7992739871") == "3"  # the textbook example
    assert checks.luhn_check_digit("49015420323751") == "8"  # a well-known valid IMEI
    assert checks.luhn_check_digit("0") == "0"


def test_id_check_char_including_x() -> None:
    assert checks.id_check_char("11010519491231002") == "X"
    assert checks.id_check_char("41010519850312131") == "5"


def test_id_number_valid_and_normalised() -> None:
    assert checks.id_number(VALID_ID) == VALID_ID
    assert checks.id_number(" 11010519491231002x ") == VALID_ID


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", ID_INVALID),
        ("11010519491231002", "must be 18 characters, got 17"),
        ("1101051949123100200", "must be 18 characters, got 19"),
        ("11010519491231002Y", "must be 17 digits followed by a check digit (0-9 or X)"),
        ("1101051949123X0021", "must be 17 digits followed by a check digit (0-9 or X)"),
        ("01010519491231002X", "region code cannot start with 0" + AGAINST),
        ("110105199002300022", "birth date (characters 7-14) is not a real date" + AGAINST),
        ("110105189912310022",
         "birth date (characters 7-14) is before 1900 or in the future" + AGAINST),
    ],
)
def test_id_number_refused(value: str, message: str) -> None:
    assert reason(checks.id_number, value) == message


def test_id_number_birth_date_boundaries() -> None:
    today = date(2026, 11, 27)
    born_today = "11010520261127001"
    assert checks.id_number(born_today + checks.id_check_char(born_today), today) is not None
    tomorrow = "11010520261128001"
    assert reason(checks.id_number, tomorrow + checks.id_check_char(tomorrow), today) == (
        "birth date (characters 7-14) is before 1900 or in the future" + AGAINST)
    leap = "11010520000229001"
    assert checks.id_number(leap + checks.id_check_char(leap)) == leap + checks.id_check_char(leap)
    first = "11010519000101001"
    assert checks.id_number(first + checks.id_check_char(first)).startswith(first)


def test_id_number_messages_never_repeat_the_number() -> None:
    for bad in ("110105194912310021", "110105199002300022", "1101051949"):
        assert "1101" not in reason(checks.id_number, bad)


@pytest.mark.parametrize("value", ["13000000000", "19999999999", "18937100000"])
def test_mobile_number_valid(value: str) -> None:
    assert checks.mobile_number(value) == value


@pytest.mark.parametrize("value", ["12000000000", "1300000000", "130000000000", "2300000000a"])
def test_mobile_number_refused(value: str) -> None:
    assert reason(checks.mobile_number, value) == (
        f"must be an 11-digit mobile number starting 13-19, got {value!r}")


@pytest.mark.parametrize("value", ["13912345678", "0371-63451234", "037163451234", "010-1234567"])
def test_contact_phone_valid(value: str) -> None:
    assert checks.contact_phone(value) == value


def test_contact_phone_refused_without_repeating_it() -> None:
    assert reason(checks.contact_phone, "63451234") == (
        "must be an 11-digit mobile number or a landline with area code"
        " (area code-number, such as 0371- and eight digits); got 8 characters")


HENAN = "0370 0371 0372 0373 0374 0375 0376 0377 0378 0379 0391 0392 0393 0394 0395 0396 0398"


def test_access_number() -> None:
    assert checks.access_number("037160010001") == "037160010001"
    assert checks.access_number(" 03796001000 ") == "03796001000"  # a 7-digit line
    assert checks.access_number("039860010001") == "039860010001"  # 三门峡
    assert reason(checks.access_number, "37160010001") == (
        "must be 10-12 digits starting with 0, got '37160010001'"
        " (stored as a number, the leading 0 is lost: store it as text)")
    assert reason(checks.access_number, "0371600100011") == (
        "must be 10-12 digits starting with 0, got '0371600100011'")


@pytest.mark.parametrize("number", [
    "010600100011",  # Beijing
    "038060010001",  # 0380 is no area code of Henan
    "0371600100",    # a Henan code, but a 6-digit line
])
@pytest.mark.usefixtures("chinese")
def test_access_number_outside_henan_is_refused_naming_the_codes(number: str) -> None:
    assert reason(checks.access_number, number) == (
        f"不是河南的宽带接入号:应为河南区号({HENAN})加7-8位号码,实际“{number}”")


def test_iccid() -> None:
    assert checks.iccid("8986031937100000007") == "8986031937100000007"
    assert reason(checks.iccid, "8986031937100000003") == (
        CARD_INVALID)
    assert reason(checks.iccid, "898603193710000000") == (
        "must be 19-20 digits starting with 89, got '898603193710000000'")
    assert reason(checks.iccid, "9986031937100000007") == (
        "must be 19-20 digits starting with 89, got '9986031937100000007'")


def test_iccid_twenty_digits() -> None:
    body = "8986031937100000000"
    value = body + checks.luhn_check_digit(body)
    assert checks.iccid(value) == value
    assert reason(checks.iccid, "898603193710000000001") == (
        "must be 19-20 digits starting with 89, got '898603193710000000001'")


def test_imei() -> None:
    assert checks.imei("490154203237518") == "490154203237518"
    assert reason(checks.imei, "490154203237519") == (
        IMEI_INVALID)
    assert reason(checks.imei, "49015420323751") == "must be 15 digits, got '49015420323751'"
    assert reason(checks.imei, "49015420323751X") == "must be 15 digits, got '49015420323751X'"


def test_text_trims_surrounding_whitespace_including_newlines() -> None:
    assert checks.text("\n 王敏 \r\n", 5) == "王敏"


def test_text_keeps_html_and_rare_characters() -> None:
    assert checks.text(" <script>alert(1)</script> ", 30) == "<script>alert(1)</script>"
    assert checks.text("𠮷田", 2) == "𠮷田"  # one character each, however many bytes


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is required"),
        ("   ", "is required"),
        ("王\t敏", "contains a control character (U+0009) at character 2"),
        ("王\n敏", "contains a control character (U+000A) at character 2"),
        ("王\u2028敏", "contains a line separator (U+2028) at character 2"),
        ("王\u2029敏", "contains a paragraph separator (U+2029) at character 2"),
        ("\x00", "contains a control character (U+0000) at character 1"),
        ("一二三四五六", "is too long (6 characters, at most 5)"),
    ],
)
def test_text_refused(value: str, message: str) -> None:
    assert reason(checks.text, value, 5) == message


def test_shown_cuts_long_values() -> None:
    assert checks.shown("a" * 40) == repr("a" * 40)
    assert checks.shown("a" * 41) == repr("a" * 40 + "…")


def _full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def test_identifiers_typed_in_full_width_are_the_digits_meant() -> None:
    # a Chinese input method types １３９… : the check digit was compared as a character
    # ("６" != "6") and a right IMEI was called invalid
    assert checks.id_number(_full_width(VALID_ID)) == VALID_ID
    assert checks.mobile_number(_full_width("18937100501")) == "18937100501"
    assert checks.contact_phone(_full_width("0371-12345678")) == "0371-12345678"
    assert checks.imei(_full_width("490154203237518")) == "490154203237518"
    assert checks.iccid(_full_width("8986031937100000007")) == "8986031937100000007"
    assert checks.access_number(_full_width("037160010001")) == "037160010001"
    # digits of another script are no digits here
    arabic = "".join(chr(0x0660 + int(c)) for c in "490154203237518")
    assert reason(checks.imei, arabic) == f"must be 15 digits, got '{arabic}'"
    other = "".join(chr(0x0660 + int(c)) for c in VALID_ID[:17]) + "X"
    assert reason(checks.id_number, other) == (
        "must be 17 digits followed by a check digit (0-9 or X)")
