"""The technician's screens: "scan the provisioning code" on an unprovisioned terminal, and the tools (role
technician) on a provisioned one: diagnostics, test print, test card, network and hub check, queue, versions, logs
export and the signed diagnostics QR code the hub reads offline.

Every result is a code worded by terminal.ui.wording (English and Chinese); nothing here decides anything: the
provisioning is terminal.provision.flow, the tools terminal.technician.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.ui.wording import word


class ProvisionScreen(QWidget):
    """What an unprovisioned terminal shows: scan the code (a scanner types it, or a picture of it), the first
    manager types their own PIN twice, and the terminal provisions itself; the slip is shown when done."""

    def __init__(self, data_dir: Path, *, secret: bytes, provision: Callable[..., Any] | None = None,
                 on_done: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.data_dir, self._secret, self._on_done = data_dir, secret, on_done
        self._provision = provision
        self.setObjectName("provision")
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Scan the provisioning code"))
        title.setObjectName("title")
        layout.addWidget(title)
        layout.addWidget(QLabel(self.tr("Hold the code the hub printed under the scanner, or choose a picture of "
                                        "it.")))
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("provisioning code"))
        layout.addWidget(self.code)
        picture = QPushButton(self.tr("Choose a picture of the code"))
        picture.clicked.connect(self._choose_picture)
        layout.addWidget(picture)
        self.manager = QLineEdit("M-001")
        self.pin, self.pin_again = QLineEdit(), QLineEdit()
        for field, hint in ((self.pin, self.tr("manager's new PIN (4 to 12 digits)")),
                            (self.pin_again, self.tr("the same PIN again"))):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText(hint)
        layout.addWidget(QLabel(self.tr("The first manager types their own PIN (there is no default PIN):")))
        for field in (self.manager, self.pin, self.pin_again):
            layout.addWidget(field)
        self.go = QPushButton(self.tr("Provision this terminal"))
        self.go.setObjectName("primary")
        self.go.clicked.connect(self.submit)
        layout.addWidget(self.go)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("message")
        layout.addWidget(self.message)
        self.slip = QPlainTextEdit()
        self.slip.setReadOnly(True)
        self.slip.hide()
        layout.addWidget(self.slip, 1)
        self.result: Any = None

    def _choose_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Picture of the provisioning code"), "",
                                              "Images (*.png *.jpg *.jpeg)")
        if path:
            self.code.setText(path)

    def submit(self) -> None:
        from sync.journal import utc_now
        from sync.provisioning import CodeRefused, text_from
        from terminal.operators.pin_hash import valid_pin
        from terminal.provision.flow import HubUnreachable, ProvisionFailed, provision
        from terminal.till.setup import Manager

        pin = self.pin.text()
        if pin != self.pin_again.text():
            return self._say("provision_pins_differ")
        if not valid_pin(pin):
            return self._say("provision_pin_invalid")
        manager = Manager(self.manager.text().strip() or "M-001", self.manager.text().strip() or "M-001", pin)
        self.go.setEnabled(False)
        self.setCursor(Qt.CursorShape.BusyCursor)
        try:
            done = (self._provision or provision)(text_from(self.code.text().strip()), self.data_dir,
                                                  secret=self._secret, manager=manager, now=utc_now())
        except CodeRefused as exc:
            return self._say(exc.code)
        except HubUnreachable:
            return self._say("provision_hub_unreachable")
        except ProvisionFailed as exc:
            return self._say("provision_failed", {"reason": str(exc)})
        finally:
            self.go.setEnabled(True)
            self.unsetCursor()
            self.pin.clear()
            self.pin_again.clear()
        self.result = done
        self._say("provision_done", {"terminal": done.terminal_id, "location": done.location})
        self.slip.setPlainText(done.slip())
        self.slip.show()
        if self._on_done is not None:
            self._on_done(done)
        return None

    def _say(self, code: str, params: dict[str, Any] | None = None) -> None:
        self.message.setText(word(code, params))


class TechnicianPanel(QWidget):
    """The tools, behind a technician's login (operator id and PIN; the role technician or manager)."""

    def __init__(self, store: Any) -> None:
        from terminal.technician import TechnicianTools

        super().__init__()
        self.store, self.tools = store, TechnicianTools(store)
        self.setObjectName("technician")
        self.pages = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.addWidget(self.pages)
        login = QWidget()
        form = QVBoxLayout(login)
        form.addWidget(QLabel(self.tr("Technician login")))
        self.operator, self.pin = QLineEdit(), QLineEdit()
        self.operator.setPlaceholderText(self.tr("operator id"))
        self.pin.setPlaceholderText(self.tr("PIN"))
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        enter = QPushButton(self.tr("Log in"))
        enter.clicked.connect(self.log_in)
        self.login_message = QLabel()
        for widget in (self.operator, self.pin, enter, self.login_message):
            form.addWidget(widget)
        self.pages.addWidget(login)
        tools = QWidget()
        grid = QGridLayout(tools)
        self.buttons: dict[str, QPushButton] = {}
        for n, (name, label) in enumerate((
                ("diagnostics", self.tr("Diagnostics")), ("test_print", self.tr("Test print")),
                ("test_card", self.tr("Test card")), ("hub_check", self.tr("Network and hub")),
                ("queue", self.tr("Queue")), ("versions", self.tr("Versions")),
                ("export_logs", self.tr("Export logs")), ("diagnostics_qr", self.tr("Diagnostics QR code")))):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, tool=name: self.run(tool))
            grid.addWidget(button, n // 4, n % 4)
            self.buttons[name] = button
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(self.output, 2, 0, 1, 3)
        grid.addWidget(self.qr, 2, 3)
        self.pages.addWidget(tools)
        self.last_code: str = ""
        self.export_dir = store.till.data_dir / "exports"

    def log_in(self) -> None:
        from terminal.operators import OperatorError, Permission

        try:
            operator = self.store.till.operators.login(self.operator.text().strip(), self.pin.text())
        except OperatorError as exc:
            self.login_message.setText(word(getattr(exc, "code", "") or "tech_login_refused",
                                            getattr(exc, "params", {}), str(exc)))
            return
        finally:
            self.pin.clear()
        if not operator.can(Permission.SERVICE) and operator.role.value != "manager":
            self.login_message.setText(word("tech_not_technician"))
            return
        self.pages.setCurrentIndex(1)

    def run(self, tool: str) -> None:
        self.qr.clear()
        if tool == "versions":
            self.output.setPlainText("\n".join(f"{k}: {v}" for k, v in self.tools.versions().items()))
            return
        if tool == "diagnostics_qr":
            from sync.provisioning import qr_png

            self.last_code = self.tools.diagnostics_code()
            pixmap = QPixmap()
            pixmap.loadFromData(qr_png(self.last_code), "PNG")
            self.qr.setPixmap(pixmap)
            self.output.setPlainText(word("tech_diagnostics_qr"))
            return
        result = self.tools.export_logs(self.export_dir) if tool == "export_logs" else getattr(self.tools, tool)()
        lines = [word(result.code, result.params)]
        lines += [f"{r['name']}: {r['status']}" + (f" - {r['advice']}" if r.get("advice") else "") for r in result.rows]
        self.output.setPlainText("\n".join(lines))


def run_provisioning(data_dir: Path, *, secret: bytes, lang: str = "en", fullscreen: bool = False) -> int:
    """The technician screen of an unprovisioned terminal; returns 0 once provisioned and the window is closed."""
    from terminal.ui.app import application, place_window

    app = application(lang)
    screen = ProvisionScreen(data_dir, secret=secret)
    place_window(screen, fullscreen)
    app.exec()
    return 0 if screen.result is not None else 1


def run_technician(store: Any, *, lang: str = "en", fullscreen: bool = False) -> int:
    from terminal.ui.app import application, place_window

    app = application(lang)
    panel = TechnicianPanel(store)
    place_window(panel, fullscreen)
    return app.exec()
