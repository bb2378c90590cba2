"""Start the cashier app: Qt application, translations, style, the window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale, QtMsgType, QTranslator, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from terminal.ui.theme import STYLE

I18N = Path(__file__).with_name("i18n")
LANGUAGES = ("en", "zh_CN")


log = logging.getLogger("edgepos.ui")
_HARMLESS = ("This plugin does not support propagateSizeHints()",)  # the offscreen platform, every window


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    """Qt's own messages go to our log (not raw to stderr), minus the offscreen plugin's noise."""
    if message in _HARMLESS:
        return
    level = logging.DEBUG if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) else logging.WARNING
    log.log(level, "Qt: %s", message)


def application(lang: str = "en") -> QApplication:
    """The one QApplication, styled, with the chosen language installed (English needs no file)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("edgepos")
    app.setStyleSheet(STYLE)
    for old in app.findChildren(QTranslator):
        app.removeTranslator(old)
    if lang != "en":
        translator = QTranslator(app)
        if not translator.load(QLocale(lang), "edgepos", "_", str(I18N)):
            raise FileNotFoundError(f"no translation for {lang} in {I18N}")
        app.installTranslator(translator)
    return app  # type: ignore[return-value]


def build_window(store: Any, lang: str = "en") -> Any:
    from terminal.ui.main_window import CashierWindow
    from terminal.ui.shop import Shop

    application(lang)
    return CashierWindow(Shop.of(store), lang)


def run_cashier(store: Any, lang: str = "en", fullscreen: bool = False) -> int:
    """Open the cashier window on a store (terminal.demo.DemoStore or the like) until it is closed."""
    app = application(lang)
    window = build_window(store, lang)
    window.resize(1280, 800)
    window.showFullScreen() if fullscreen else window.show()
    return app.exec()
