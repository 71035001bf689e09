from __future__ import annotations

from bots.runner.masking import Masker


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
