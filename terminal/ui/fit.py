"""Text that fits the room it gets, so a row of buttons or a status bar never makes the window wider than a small
screen: a button wraps its text, then drops its shortcut hint, then elides line by line; a one-line label elides."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QStyle, QStyleOptionButton

_HINT = re.compile(r"\s+\[[^\]\n]+\]$")  # the shortcut shown on a button: "Pay  [F12]"


def _wrapped(fm: QFontMetrics, text: str, width: int) -> list[str]:
    """Greedy line breaks at spaces (or between characters, for Chinese) so each line is at most `width` px."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ") if " " in paragraph else list(paragraph)
        joiner = " " if " " in paragraph else ""
        line = ""
        for word in words:
            candidate = f"{line}{joiner}{word}" if line else word
            if fm.horizontalAdvance(candidate) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


class TouchButton(QPushButton):
    """A button that fits its text to the room it gets: whole if it fits, else wrapped onto more lines, else elided
    (`full_text` keeps what it says; the tooltip shows it when cut). It may shrink below its text's width, so a
    row of buttons never makes the window wider than a small screen."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.full_text = text
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        self.full_text = text
        self._fit()
        self.updateGeometry()

    def _room(self) -> QSize:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        return self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, self).size()

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        lines = self.full_text.split("\n")
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self.full_text
        content = QSize(max(fm.horizontalAdvance(line) for line in lines), fm.height() * len(lines))
        return self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option, content, self)

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(min(hint.width(), 64), hint.height())

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.EnabledChange, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit()  # a disabled or restyled button has another border: the room changed

    def _fit(self) -> None:
        """The first that fits: the text as given, wrapped, without its shortcut hint (as is, then wrapped), each
        line elided (so a product keeps its price line), all elided on one line."""
        fm, room, text = self.fontMetrics(), self._room(), self.full_text

        def fits(lines: list[str]) -> bool:
            return len(lines) * fm.height() <= room.height() and \
                all(fm.horizontalAdvance(x) <= room.width() for x in lines)

        hint = _HINT.search(text)
        base = text[:hint.start()] if hint else text
        candidates = [text.split("\n"), _wrapped(fm, text, room.width()), base.split("\n"),
                      _wrapped(fm, base, room.width()),
                      [fm.elidedText(x, Qt.TextElideMode.ElideRight, room.width()) for x in base.split("\n")]]
        shown = next(("\n".join(lines) for lines in candidates if fits(lines)),
                     fm.elidedText(" ".join(base.split()), Qt.TextElideMode.ElideRight, room.width()))
        self.setToolTip(text if shown != text else "")
        if shown != super().text():
            super().setText(shown)


class ElidedLabel(QLabel):
    """One line that ends in "…" when the room is too small (status bar, titles in tight rows); the whole text
    stays in `text()` and the tooltip."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(16, super().minimumSizeHint().height())

    def _shown(self) -> str:
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def setText(self, text: str) -> None:
        super().setText(text)
        self._tip()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        self._tip()

    def _tip(self) -> None:
        """The whole text as the tooltip while it is cut (set when text or size change, not on every paint)."""
        self.setToolTip(self.text() if self._shown() != self.text() else "")

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.drawText(self.contentsRect(), int(self.alignment()) | int(Qt.AlignmentFlag.AlignVCenter), self._shown())
