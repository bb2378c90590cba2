"""What every page has: the shop, the window (to run actions and show sentences), and `enter()` to refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from terminal.ui.main_window import CashierWindow


class Page(QWidget):
    name = "page"
    keep_on_error = False  # True: a refused action leaves the cashier here to correct it (a PIN, a search)

    def __init__(self, window: CashierWindow) -> None:
        super().__init__()
        self.window_ = window
        self.shop = window.shop
        self.setObjectName(f"page_{self.name}")

    def enter(self, **context: Any) -> None:
        """Called each time the page is shown."""

    @property
    def checkout(self) -> Any:
        return self.shop.checkout
