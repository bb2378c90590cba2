"""BER-TLV: known EMV structures, round trips, and hostile bytes that must only ever raise TlvError."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.card import tlv
from drivers.errors import MalformedResponse

FCI = bytes.fromhex("6F1A840E315041592E5359532E4444463031A5088801025F2D02656E")


def test_parses_a_real_pse_fci() -> None:
    (fci,) = tlv.parse(FCI)
    assert fci.tag == 0x6F and fci.constructed
    values = tlv.flatten([fci])
    assert values[0x84] == b"1PAY.SYS.DDF01"
    assert values[0x88] == b"\x02"
    assert values[0x5F2D] == b"en"


def test_long_lengths_multibyte_tags_and_padding() -> None:
    data = tlv.encode(0x9F4B, bytes(200)) + b"\x00\xff" + tlv.encode(0xBF0C, [tlv.encode(0x9F4D, b"\x0b\x0a")])
    assert data[2] == 0x81
    objs = tlv.parse(data)
    assert [t.tag for t in objs] == [0x9F4B, 0xBF0C]
    assert tlv.find(objs, 0x9F4D).value == b"\x0b\x0a"


def test_dol_filled_per_emv_rules() -> None:
    dol = tlv.parse_dol(bytes.fromhex("9F02069F1A025F2A029F3704DF0102"))
    assert dol == ((0x9F02, 6), (0x9F1A, 2), (0x5F2A, 2), (0x9F37, 4), (0xDF01, 2))
    out = tlv.build_dol(dol, {0x9F02: bytes.fromhex("1234"), 0x9F1A: bytes.fromhex("0156"), 0x9F37: b"\x01\x02"})
    assert out.hex() == "000000001234" "0156" "0000" "01020000" "0000"


@pytest.mark.parametrize("hostile", [
    b"\x9f", b"\x9f\xff\xff\xff\x01\x00", b"\x5a\x85\x01\x02\x03\x04\x05", b"\x5a\x80", b"\x70\x05\x5a\x10",
    b"\x70\x02" * 1, b"\x5a\x82\xff", b"".join([b"\x70\x81\xff"] * 3),
])
def test_hostile_bytes_raise_typed_error(hostile: bytes) -> None:
    with pytest.raises(tlv.TlvError):
        tlv.parse(hostile)


def test_deep_nesting_is_refused_not_recursed() -> None:
    data = b""
    for _ in range(50):
        data = tlv.encode(0x70, data or b"\x5a\x01\x01")
    with pytest.raises(tlv.TlvError, match="deep"):
        tlv.parse(data)


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_never_crash(data: bytes) -> None:
    try:
        objs = tlv.parse(data)
    except MalformedResponse:
        return
    values = tlv.flatten(objs)
    assert all(isinstance(v, bytes) for v in values.values())


primitive = st.tuples(st.sampled_from([0x5A, 0x50, 0x9F02, 0x5F24, 0x9F10, 0x84]), st.binary(max_size=300))


@st.composite
def trees(draw, depth: int = 0) -> bytes:
    if depth > 3 or draw(st.booleans()):
        tag, value = draw(primitive)
        return tlv.encode(tag, value)
    tag = draw(st.sampled_from([0x6F, 0x70, 0x77, 0xA5, 0xBF0C, 0x61]))
    return tlv.encode(tag, draw(st.lists(trees(depth + 1), max_size=4)))


@settings(max_examples=200, deadline=None)
@given(st.lists(trees(), min_size=1, max_size=4))
def test_round_trip_of_valid_trees(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert b"".join(o.encode() for o in tlv.parse(data)) == data


@settings(max_examples=600, deadline=None)
@given(st.lists(trees(), min_size=1, max_size=3), st.data())
def test_fuzz_mutated_valid_tlv(parts: list[bytes], data) -> None:
    raw = bytearray(b"".join(parts))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    with contextlib.suppress(MalformedResponse):
        tlv.parse(bytes(raw[:cut]))
