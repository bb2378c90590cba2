"""Receipt preview: decode the ESC/POS bytes we emit back into lines, then draw them to a PNG with Pillow.

No maintained package turns ESC/POS into text or an image (hardware-sim.md), so this small decoder covers the
commands our layout sends: text (code page or GB18030 Chinese mode), alignment, emphasis, print mode and character
size, native QR (GS ( k), feed, cut and the drawer pulse. Anything else is skipped and counted, never fatal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 16: "cp1252", 17: "cp866", 19: "cp858"}
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


@dataclass(frozen=True, slots=True)
class Element:
    kind: str  # text, qr, cut, drawer
    text: str = ""
    align: str = "left"
    bold: bool = False
    width: int = 1  # character magnification
    height: int = 1
    module: int = 3  # QR module size in dots


@dataclass
class Decoded:
    elements: list[Element] = field(default_factory=list)
    skipped: int = 0  # commands we do not render

    @property
    def lines(self) -> list[str]:
        return [e.text for e in self.elements if e.kind == "text"]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def of_kind(self, kind: str) -> list[Element]:
        return [e for e in self.elements if e.kind == kind]


class _State:
    def __init__(self) -> None:
        self.align, self.bold, self.width, self.height = "left", False, 1, 1
        self.cjk, self.codepage, self.qr_data, self.qr_module = False, "cp437", b"", 3


def decode(data: bytes) -> Decoded:
    out = Decoded()
    st = _State()
    buf = bytearray()

    def flush() -> None:
        text = bytes(buf).decode("gb18030" if st.cjk else st.codepage, "replace")
        out.elements.append(Element("text", text, st.align, st.bold, st.width, st.height))
        buf.clear()

    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x0A:
            flush()
            i += 1
        elif b == 0x1B and i + 1 < n:
            cmd, arg = data[i + 1], data[i + 2] if i + 2 < n else 0
            if cmd == 0x40:
                st = _State()
                i += 2
                continue
            if cmd == 0x21:
                st.bold, st.height, st.width = bool(arg & 0x08), 2 if arg & 0x10 else 1, 2 if arg & 0x20 else 1
            elif cmd == 0x45:
                st.bold = bool(arg & 1)
            elif cmd == 0x61:
                st.align = _ALIGN.get(arg, "left")
            elif cmd == 0x74:
                st.codepage = _CODEPAGES.get(arg, "cp437")
            elif cmd == 0x64:
                if buf:
                    flush()
                out.elements.extend(Element("text") for _ in range(arg))
            elif cmd == 0x70:
                out.elements.append(Element("drawer", text=f"pin {2 if arg in (0, 48) else 5}"))
                i += 5
                continue
            elif cmd not in (0x4D, 0x2D, 0x47, 0x7B, 0x33, 0x20):
                out.skipped += 1
            i += 3
        elif b == 0x1D and i + 1 < n:
            cmd, arg = data[i + 1], data[i + 2] if i + 2 < n else 0
            if cmd == 0x21:
                st.width, st.height = (arg >> 4) + 1, (arg & 0x0F) + 1
                i += 3
            elif cmd == 0x56:
                if buf:
                    flush()
                out.elements.append(Element("cut"))
                i += 4 if arg in (65, 66) else 3
            elif cmd == 0x28 and i + 4 < n:  # GS ( k pL pH cn fn ...
                size = data[i + 3] | (data[i + 4] << 8)
                body = data[i + 5 : i + 5 + size]
                if data[i + 2] == 0x6B and len(body) >= 2 and body[0] == 0x31:
                    if body[1] == 0x50:
                        st.qr_data = body[3:]
                    elif body[1] == 0x43 and len(body) > 2:
                        st.qr_module = body[2]
                    elif body[1] == 0x51:
                        out.elements.append(Element("qr", st.qr_data.decode("utf-8", "replace"), st.align,
                                                    module=st.qr_module))
                i += 5 + size
            else:
                out.skipped += 1
                i += 3
        elif b == 0x1C and i + 1 < n and data[i + 1] in (0x26, 0x2E):
            if buf:
                flush()
            st.cjk = data[i + 1] == 0x26
            i += 2
        elif b == 0x10 and i + 1 < n and data[i + 1] == 0x04:
            i += 3
        elif b < 0x20 and b not in (0x09,):
            i += 1
        else:
            buf.append(b)
            i += 1
    if buf:
        flush()
    return out


_GLYPHS: dict[tuple[str, int, bool], object] = {}


def _glyph(ch: str, font, size: int, bold: bool, cell: tuple[int, int]):
    """One character drawn once and pasted after: drawing text glyph by glyph dominates the preview's time."""
    from PIL import Image, ImageDraw

    key = (ch, size, bold)
    image = _GLYPHS.get(key)
    if image is None:
        image = Image.new("L", cell, 255)
        ImageDraw.Draw(image).text((0, 0), ch, font=font, fill=0, stroke_width=int(bold), stroke_fill=0)
        if len(_GLYPHS) < 20_000:
            _GLYPHS[key] = image
    return image


def _draw_line(el: Element, font, cell_w: int, cell_h: int):
    """One text line on the printer's character grid (wide characters take two cells), magnified like ESC ! / GS !."""
    from PIL import Image

    from drivers.printer.layout import display_width

    grid_w, h = cell_w * el.height, cell_h * el.height  # draw at the height's scale, then stretch to the width's
    image = Image.new("L", (max(1, display_width(el.text) * grid_w), h), 255)
    col = 0
    for ch in el.text:
        w = display_width(ch)
        if not ch.isspace():
            image.paste(_glyph(ch, font, h, el.bold, (w * grid_w, h)), (col * grid_w, 0))
        col += w
    if el.width != el.height:
        image = image.resize((max(1, image.width * el.width // el.height), h))
    return image


def render_png(data: bytes, columns: int = 48, path: Path | None = None) -> bytes:
    """Draw the receipt the printer would print (12x24 dot font A cells); returns the PNG bytes."""
    import qrcode
    from PIL import Image, ImageDraw, ImageFont

    decoded = decode(data)
    cell_w, cell_h, margin = 12, 24, 12
    width = columns * cell_w + 2 * margin
    fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    def font(size: int):
        if size not in fonts:
            try:
                # face 1 is the Mono one: ASCII advances 0.6 em, exactly a 12-dot cell at our size
                fonts[size] = ImageFont.truetype(str(CJK_FONT), size, index=1)
            except OSError:
                fonts[size] = ImageFont.load_default(size)
        return fonts[size]

    blocks: list[tuple[str, Element, int]] = []
    height = margin
    for el in decoded.elements:
        if el.kind == "text":
            h = cell_h * el.height
        elif el.kind == "qr":
            h = 0  # its image height is added below
        elif el.kind == "cut":
            h = 16
        else:
            continue
        blocks.append((el.kind, el, h))
        height += h
    qr_images = {}
    for _, el, _ in blocks:
        if el.kind == "qr" and el.text:
            qr_images[id(el)] = qrcode.make(el.text, box_size=max(1, el.module), border=2).get_image().convert("L")
    height += sum(img.height for img in qr_images.values()) + margin
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for kind, el, h in blocks:
        if kind == "text":
            line = _draw_line(el, font(cell_h * el.height * 5 // 6), cell_w, cell_h)  # room for descenders
            x = {"left": margin, "center": (width - line.width) // 2, "right": width - margin - line.width}[el.align]
            image.paste(line, (max(0, x), y))
            y += h
        elif kind == "qr" and id(el) in qr_images:
            img = qr_images[id(el)]
            x = {"left": margin, "right": width - margin - img.width}.get(el.align, (width - img.width) // 2)
            image.paste(img, (x, y))
            y += img.height
        elif kind == "cut":
            for x in range(0, width, 12):
                draw.line((x, y + 8, x + 6, y + 8), fill=0)
            y += h
    buf = io.BytesIO()
    image.save(buf, "PNG")
    png = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(png)
    return png
