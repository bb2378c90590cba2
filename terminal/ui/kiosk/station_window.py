"""The attendant station (`edgepos attendant`): every lane's state live, and each call approved or refused from here.

The attendant signs in with id + PIN (checked here in the station's operator store; no PIN ever travels); each
approval is a signed command bound to one lane and one intervention (terminal.kiosk.link). A lane whose state is
not signed by its pinned key is not shown; a lane silent for 15 s is shown as not reporting. When the broker is
unreachable the station says so: calls are then answered at the lanes, which keep working alone.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from terminal.ui.kiosk.style import BASE
from terminal.ui.widgets import ApproverEntry, button
from terminal.ui.wording import word, word_error


class _Bridge(QObject):
    changed = Signal()


class LaneCard(QFrame):
    def __init__(self, station: StationWindow, lane_id: str) -> None:
        super().__init__()
        self.station, self.lane_id = station, lane_id
        self.setProperty("role", "lane")
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.call = QLabel()
        self.call.setWordWrap(True)
        self.call.setProperty("role", "message")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setProperty("role", "hint")
        self.approve = button("", lambda: station.answer(lane_id, True), role="primary",
                              name=f"station_approve_{lane_id}")
        self.refuse = button("", lambda: station.answer(lane_id, False), role="danger",
                             name=f"station_refuse_{lane_id}")
        self.service = button("", lambda: station.toggle_service(lane_id), name=f"station_service_{lane_id}")
        row = QHBoxLayout()
        row.addWidget(self.refuse)
        row.addWidget(self.approve)
        column = QVBoxLayout(self)
        column.addWidget(self.title)
        column.addWidget(self.state)
        column.addWidget(self.call)
        column.addLayout(row)
        column.addWidget(self.service)
        column.addWidget(self.result)

    def draw(self, view: Any, signed_in: bool) -> None:
        state = view.state
        self.title.setText(word("station_lane", {"lane": self.lane_id}))
        step = word(f"kiosk_step_{state['step']}")
        self.state.setText(word("station_state", {"step": step, "items": state["items"], "total": state["total"] or
                                                  "-"}) + ("\n" + word("station_stale") if view.stale else ""))
        call = state.get("intervention")
        calling = call is not None
        self.setProperty("calling", "true" if calling else "false")
        self.style().unpolish(self)
        self.style().polish(self)
        self.call.setText(word(f"kiosk_call_{call['kind']}", call.get("params") or {}) if calling
                          else word("station_no_call"))
        remote = calling and call.get("remote_ok", True)
        for b, code in ((self.approve, "kiosk_btn_approve"), (self.refuse, "kiosk_btn_refuse")):
            b.setText(word(code))
            b.setVisible(bool(remote))
            b.setEnabled(signed_in)
        closed = state["step"] == "out_of_service"
        self.service.setText(word("kiosk_btn_reopen" if closed else "kiosk_btn_out_of_service"))
        self.service.setEnabled(signed_in)
        result = view.last_result
        if result is not None:
            self.result.setText(word("station_done") if result.get("ok") else
                                word("station_refused", {"reason": word(result.get("code") or "")}))


class StationWindow(QWidget):
    def __init__(self, link: Any, operators: Any, *, title: str = "") -> None:
        super().__init__()
        self.setObjectName("station")
        self.setStyleSheet(BASE)
        self.link, self.operators = link, operators
        self.attendant: Any = None
        self.error = ""
        self.setWindowTitle(title or "edgepos attendant")
        self.bridge = _Bridge(self)
        self.bridge.changed.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        link.listeners.append(lambda _view: self.bridge.changed.emit())
        self.heading = QLabel()
        self.heading.setProperty("role", "title")
        self.status = QLabel()
        self.status.setObjectName("station_status")
        self.status.setWordWrap(True)
        self.who = QLabel()
        self.who.setObjectName("station_who")
        self.sign_out = button("", self._sign_out, name="station_sign_out")
        self.login = ApproverEntry("station_login", staff=operators.all() if operators is not None else ())
        self.login.submitted.connect(self._sign_in)
        self.cards: dict[str, LaneCard] = {}
        self.grid = QGridLayout()
        lanes = QWidget()
        lanes.setLayout(self.grid)
        scroll = QScrollArea()
        scroll.setWidget(lanes)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.errors = QLabel()
        self.errors.setObjectName("station_error")
        self.errors.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.who)
        top.addWidget(self.sign_out)
        side = QWidget()
        side_column = QVBoxLayout(side)
        side_column.addWidget(self.login)
        side_column.addStretch(1)
        side_scroll = QScrollArea()
        side_scroll.setWidget(side)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.side = side_scroll
        body = QHBoxLayout()
        body.addWidget(scroll, 3)
        body.addWidget(side_scroll, 2)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.status)
        column.addLayout(body, 1)
        column.addWidget(self.errors)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)  # staleness shows even when nothing arrives
        self.timer.start(2000)
        self.refresh()

    def _sign_in(self, who: str, pin: str) -> None:
        self.error = ""
        try:
            self.attendant = self.operators.verify(who, pin)
        except Exception as exc:
            self.error = word_error(exc)
        self.refresh()

    def _sign_out(self) -> None:
        self.attendant = None
        self.refresh()

    def answer(self, lane_id: str, approve: bool) -> None:
        view = self.link.lanes.get(lane_id)
        call = view.state.get("intervention") if view else None
        if self.attendant is None or call is None:
            return
        self.link.approve(lane_id, call["id"], self.attendant.operator_id, approve)

    def toggle_service(self, lane_id: str) -> None:
        view = self.link.lanes.get(lane_id)
        if self.attendant is None or view is None:
            return
        action = "in_service" if view.state["step"] == "out_of_service" else "out_of_service"
        self.link.command(lane_id, action, self.attendant.operator_id)

    def refresh(self) -> None:
        self.heading.setText(word("station_title"))
        connected = self.link.connected
        self.status.setText(word("station_connected", {"count": len(self.link.lanes)}) if connected
                            else word("station_no_broker"))
        signed_in = self.attendant is not None
        self.who.setText(word("station_signed_in", {"name": f"{self.attendant.name} · {self.attendant.operator_id}"})
                         if signed_in else word("station_sign_in"))
        self.sign_out.setText(word("station_sign_out"))
        self.sign_out.setVisible(signed_in)
        self.side.setVisible(not signed_in)
        for lane_id in sorted(self.link.lanes):
            card = self.cards.get(lane_id)
            if card is None:
                card = self.cards[lane_id] = LaneCard(self, lane_id)
                n = len(self.cards) - 1
                self.grid.addWidget(card, n // 2, n % 2)
            card.draw(self.link.lanes[lane_id], signed_in)
        self.errors.setText(self.error)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        event.accept()
