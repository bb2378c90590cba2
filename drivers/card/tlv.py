"""BER-TLV as EMV uses it (Book 3 annex B): parse hostile bytes safely, encode our own, read DOLs.

Every parsing failure is a `TlvError` (a `MalformedResponse`); nothing else escapes, whatever the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from drivers.errors import MalformedResponse

MAX_DEPTH = 8  # EMV templates nest 3-4 deep; deeper is an attack on the stack
MAX_TAG_BYTES = 3


class TlvError(MalformedResponse):
    """The bytes are not valid BER-TLV."""


@dataclass(frozen=True, slots=True)
class Tlv:
    tag: int
    value: bytes
    children: tuple[Tlv, ...] | None = None  # parsed content of a constructed tag

    @property
    def constructed(self) -> bool:
        return self.children is not None

    def encode(self) -> bytes:
        return encode(self.tag, self.value)


def _tag_bytes(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def _is_constructed(tag: int) -> bool:
    return bool(_tag_bytes(tag)[0] & 0x20)


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    pos += 1
    tag = first
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise TlvError("tag runs past the end")
            byte = data[pos]
            pos += 1
            tag = (tag << 8) | byte
            if (tag.bit_length() + 7) // 8 > MAX_TAG_BYTES:
                raise TlvError("tag too long")
            if not byte & 0x80:
                break
    return tag, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise TlvError("length missing")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 3:
        raise TlvError(f"unsupported length form 0x{first:02X}")
    if pos + count > len(data):
        raise TlvError("length runs past the end")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def parse(data: bytes, *, _depth: int = 0) -> tuple[Tlv, ...]:
    """All TLVs in `data`, constructed ones parsed recursively. 00/FF padding between objects is skipped."""
    if _depth > MAX_DEPTH:
        raise TlvError("templates nested too deep")
    data = bytes(data)
    out: list[Tlv] = []
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):
            pos += 1
            continue
        tag, pos = _read_tag(data, pos)
        length, pos = _read_length(data, pos)
        if pos + length > len(data):
            raise TlvError(f"tag {tag:X} says {length} bytes, {len(data) - pos} left")
        value = data[pos : pos + length]
        pos += length
        children = parse(value, _depth=_depth + 1) if _is_constructed(tag) else None
        out.append(Tlv(tag, value, children))
    return tuple(out)


def walk(tlvs: Iterable[Tlv]) -> Iterator[Tlv]:
    """Every object, depth first, templates before their content."""
    for tlv in tlvs:
        yield tlv
        if tlv.children is not None:
            yield from walk(tlv.children)


def find(tlvs: Iterable[Tlv], tag: int) -> Tlv | None:
    return next((t for t in walk(tlvs) if t.tag == tag), None)


def flatten(tlvs: Iterable[Tlv]) -> dict[int, bytes]:
    """Primitive values by tag, first occurrence wins (a card repeating a tag must not override what we read)."""
    out: dict[int, bytes] = {}
    for tlv in walk(tlvs):
        if tlv.children is None:
            out.setdefault(tlv.tag, tlv.value)
    return out


def encode(tag: int, value: bytes | Iterable[bytes]) -> bytes:
    """One TLV; `value` may be a list of already encoded children for a template."""
    body = value if isinstance(value, bytes | bytearray) else b"".join(value)
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    elif n <= 0xFF:
        length = bytes([0x81, n])
    elif n <= 0xFFFF:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    else:
        raise ValueError("value too long for EMV")
    return _tag_bytes(tag) + length + bytes(body)


def parse_dol(data: bytes) -> tuple[tuple[int, int], ...]:
    """A Data Object List (PDOL, CDOL1): (tag, length) pairs with no values."""
    data = bytes(data)
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < len(data):
        tag, pos = _read_tag(data, pos)
        length, pos = _read_length(data, pos)
        out.append((tag, length))
    return tuple(out)


def build_dol(dol: Iterable[tuple[int, int]], values: dict[int, bytes], limit: int = 255) -> bytes:
    """Concatenate the values a DOL asks for (Book 3 5.4): unknown tags zero-filled, numbers left-padded.

    The DOL comes from the card: asking for more than `limit` bytes (what one short APDU can carry) is a TlvError,
    raised before anything is allocated."""
    dol = tuple(dol)
    if sum(length for _, length in dol) > limit:
        raise TlvError(f"the card's data object list asks for more than {limit} bytes")
    out = bytearray()
    for tag, length in dol:
        value = values.get(tag, b"")
        if len(value) >= length:
            out += value[len(value) - length :] if tag in _NUMERIC else value[:length]
        else:
            pad = bytes(length - len(value))
            out += pad + value if tag in _NUMERIC else value + pad
    return bytes(out)


# format n (BCD, right-aligned) data elements a terminal fills in
_NUMERIC = {0x9F02, 0x9F03, 0x9F1A, 0x5F2A, 0x9A, 0x9C, 0x9F21, 0x5F36, 0x9F41}
