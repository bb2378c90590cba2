"""Start the cashier app: Qt application, translations, style, the window."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QEvent,
    QLocale,
    QObject,
    QTimer,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QLabel

from terminal.ui.probe import UiProbe
from terminal.ui.theme import STYLE

I18N = Path(__file__).with_name("i18n")
LANGUAGES = ("en", "zh_CN")
DEFAULT_SIZE = (1280, 800)  # when the screen's free area holds it


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
    # restyling or retranslating re-polishes every live widget: done only on a change (a repeated call with live
    # windows, e.g. one test's window torn down while the next is built, once crashed Qt in setStyleSheet)
    if app.styleSheet() != STYLE:
        app.setStyleSheet(STYLE)
    if app.property("edgepos_lang") == lang:
        return app  # type: ignore[return-value]
    app.setProperty("edgepos_lang", lang)
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


def run_cashier(store: Any, lang: str = "en", fullscreen: bool = False, size: tuple[int, int] | None = None) -> int:
    """Open the cashier window on a store (terminal.demo.DemoStore or the like) until it is closed or the process
    gets SIGTERM / SIGINT (then the window closes and the caller's `with` stops the hub and devices).

    `fullscreen` for a real terminal; else `size` (width, height), or a window that fits the screen. A store with a
    `startup` (terminal.demo.startup.BackgroundStart) is told once the window is painted, and its progress shows on
    the status bar."""
    app = application(lang)
    window = build_window(store, lang)
    startup = getattr(store, "startup", None)
    probe = UiProbe.from_env(window, startup)
    if startup is not None:
        StartupStatus(window, startup)
    if startup is not None or probe is not None:
        FirstPaint(window, lambda: _painted(startup, probe))
    place_window(window, fullscreen, size)
    _quit_on_signals(app)
    return app.exec()


def place_window(window: Any, fullscreen: bool = False, size: tuple[int, int] | None = None) -> None:
    """Show fullscreen, at `size`, or at 1280x800 made to fit the screen's free area (maximised when smaller)."""
    if fullscreen:  # the screen's whole area first: a kiosk session without a window manager ignores fullscreen
        screen = window.screen() or QApplication.primaryScreen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()
        return
    if size is not None:
        window.resize(*size)
        window.show()
        return
    screen = window.screen() or QApplication.primaryScreen()
    free = screen.availableGeometry() if screen is not None else None
    if free is None or (free.width() >= DEFAULT_SIZE[0] and free.height() >= DEFAULT_SIZE[1]):
        window.resize(*DEFAULT_SIZE)
        window.show()
    else:
        window.resize(min(DEFAULT_SIZE[0], free.width()), min(DEFAULT_SIZE[1], free.height()))
        window.showMaximized()


def parse_size(text: str) -> tuple[int, int]:
    """ "1024x768" -> (1024, 768); ValueError for anything else (or below 320x240)."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise ValueError(f"size must be WIDTHxHEIGHT, e.g. 1024x768, not {text!r}")
    if int(width) < 320 or int(height) < 240:
        raise ValueError(f"size {text} is too small (at least 320x240)")
    return int(width), int(height)


def _painted(startup: Any, probe: UiProbe | None) -> None:
    if startup is not None:
        startup.window_up()
    if probe is not None:
        probe.painted()


def _quit_on_signals(app: QApplication) -> None:
    """SIGTERM / SIGINT close the app cleanly. Python runs signal handlers only between bytecodes, so a timer lets
    the interpreter in while Qt's event loop waits."""
    def stop(signum: int, _frame: object) -> None:
        log.warning("%s: closing the cashier app", signal.Signals(signum).name)
        app.quit()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)


class FirstPaint(QObject):
    """Calls `then()` once, after the window's current page has been painted for the first time."""

    def __init__(self, window: Any, then: Callable[[], None]) -> None:
        super().__init__(window)
        self.then, self.page = then, window.page
        self.page.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.then is not None:
            then, self.then = self.then, None
            self.page.removeEventFilter(self)
            QTimer.singleShot(0, then)  # after this paint has been drawn
        return False


class StartupStatus(QObject):
    """A status bar note while the hub and devices come up behind the window (gone once they are up)."""

    STATES: ClassVar[dict[str, str]] = {
        "starting the hub": QT_TRANSLATE_NOOP("Startup", "Starting the hub…"),
        "enrolling the till": QT_TRANSLATE_NOOP("Startup", "Enrolling the till with the hub…"),
        "first sync round": QT_TRANSLATE_NOOP("Startup", "First sync with the hub…"),
        "starting the devices": QT_TRANSLATE_NOOP("Startup", "Starting the card reader…"),
        "warming up the printer": QT_TRANSLATE_NOOP("Startup", "Starting the printer…"),
    }

    def __init__(self, window: Any, startup: Any) -> None:
        super().__init__(window)
        self.window_, self.startup = window, startup
        self.label = QLabel()
        self.label.setObjectName("status_startup")
        window.statusBar().addWidget(self.label)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.update)
        self.timer.start(100)
        self.update()

    def update(self) -> None:
        startup = self.startup
        if startup.ready.is_set():
            self.timer.stop()
            if startup.error:
                text = QCoreApplication.translate("Startup", "Not started: {0}").format(startup.error)
                self.label.setText(text)
            else:
                self.window_.statusBar().removeWidget(self.label)
                self.label.deleteLater()
            self.window_.refresh_status()
            return
        self.label.setText(QCoreApplication.translate("Startup", self.STATES.get(startup.state, startup.state)))
