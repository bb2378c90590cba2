from __future__ import annotations

import json
import uuid

import pytest

from sync.pan import find_pan, tokenize_pan

VISA_TEST = "4111111111111111"
UNIONPAY_TEST = "6212345678901265"


def test_token_is_stable_per_key_and_reveals_only_last_four():
    key, other = b"k" * 32, b"o" * 32
    token = tokenize_pan(VISA_TEST, key)
    assert token.last4 == "1111"
    assert token == tokenize_pan("4111 1111 1111 1111", key)
    assert token.token != tokenize_pan(VISA_TEST, other).token
    assert VISA_TEST not in token.token and token.token.startswith("tk_")
    with pytest.raises(ValueError):
        tokenize_pan("12ab", key)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"pan": VISA_TEST}),
        json.dumps({"note": f"card {VISA_TEST[:4]} {VISA_TEST[4:8]} {VISA_TEST[8:12]} {VISA_TEST[12:]} used"}),
        json.dumps({"pan": int(VISA_TEST)}),
        json.dumps({UNIONPAY_TEST: "as a key"}),
        "track2=" + VISA_TEST + "=2512101",
        "4111-1111-1111-1111",
        "amex 3782 822463 10005",
    ],
)
def test_finds_a_card_number_wherever_it_hides(text):
    found = find_pan(text)
    assert found in ("41**********1111", "62**********1265", "37*********0005")  # masked: first two and last four only


def test_no_false_alarm_on_ordinary_sale_data():
    ordinary = {
        "sale_id": uuid.uuid4().hex,
        "barcodes": ["6901028075831", "4006381333931", "9787111213826"],  # EAN-13
        "amount": 123456,
        "time": "2026-11-25T05:50:00.123456+00:00",
        "auth_code": "123456",
        "phone": "+86 138 0013 8000",
    }
    assert find_pan(json.dumps(ordinary)) is None
    # hex ids with long digit runs are not card numbers
    assert find_pan("a4111111111111111b") is None
    # Luhn-invalid
    assert find_pan("4111111111111112") is None
    # a uuid whose first groups happen to be all digits: 8-4-4 is no card grouping (this one is Luhn-valid)
    assert find_pan('"sale_id": "41111111-1111-4115-a111-111111111111"') is None
    assert find_pan("4111-1111 1111-1111") is None  # mixed separators: not how a card is written
