"""One style sheet for the whole app: large touch targets (>= 48 px), high contrast, the colour says the outcome;
a disabled button is grey whatever its role, so it never looks like it can be tapped."""

from __future__ import annotations

TOUCH_PX = 56  # every button is at least this tall; the issue asks for >= 48 px

OK, WARN, ERROR, INFO = "#1b7f3b", "#a35c00", "#b3261e", "#1f4e8c"

STYLE = f"""
QWidget {{ font-size: 17px; color: #1d1d1f; }}
QMainWindow, QStackedWidget > QWidget {{ background: #f4f5f7; }}
QPushButton {{
    min-height: {TOUCH_PX}px; min-width: 48px; padding: 4px 8px; border-radius: 8px;
    background: #ffffff; border: 1px solid #c7cad1;
}}
QPushButton:pressed {{ background: #dfe3ea; }}
QPushButton:disabled {{ color: #9a9da4; background: #eceef1; }}
QPushButton[role="primary"] {{ background: {OK}; color: white; border: none; font-weight: 600; font-size: 20px; }}
QPushButton[role="danger"] {{ background: #ffffff; color: {ERROR}; border: 2px solid {ERROR}; }}
QPushButton[role="tender"] {{ min-height: 96px; font-size: 21px; font-weight: 600; }}
QPushButton[role="product"] {{ min-height: 96px; text-align: center; }}
QPushButton#banner_close {{ min-height: 38px; min-width: 38px; }}  /* 48 x 56 px with padding and border */
QPushButton[role="key"] {{ min-height: 48px; font-size: 24px; }}
QPushButton:checked {{ background: #e8f0fe; border: 2px solid {INFO}; font-weight: 600; }}
QLineEdit {{ min-height: 48px; padding: 0 10px; border: 1px solid #c7cad1; border-radius: 8px; background: white;
             font-size: 20px; }}
QComboBox {{ min-height: 48px; padding: 0 10px; border: 1px solid #c7cad1; border-radius: 8px; background: white; }}
QComboBox QAbstractItemView::item {{ min-height: 48px; }}
QTableWidget, QListWidget {{ background: white; border: 1px solid #c7cad1; border-radius: 8px; }}
QListWidget::item {{ min-height: 48px; padding: 0 8px; border-bottom: 1px solid #eceef1; }}
QListWidget::item:selected, QTableWidget::item:selected {{ background: #cfe0fc; color: #1d1d1f; }}
QHeaderView::section {{ background: #eceef1; padding: 6px; border: none; font-weight: 600; }}
QLabel[role="total"] {{ font-size: 34px; font-weight: 700; }}
QLabel[role="title"] {{ font-size: 24px; font-weight: 600; }}
QLabel[role="detail"] {{ font-size: 21px; font-weight: 600; }}
QLabel[role="hint"] {{ color: #5f6368; font-size: 14px; }}
QFrame[role="banner"] {{ border-radius: 8px; }}
QFrame[role="banner"][tone="error"] {{ background: #fde7e6; border: 2px solid {ERROR}; }}
QFrame[role="banner"][tone="warn"] {{ background: #fff3e0; border: 2px solid {WARN}; }}
QFrame[role="banner"][tone="ok"] {{ background: #e6f4ea; border: 2px solid {OK}; }}
QFrame[role="banner"][tone="info"] {{ background: #e8f0fe; border: 2px solid {INFO}; }}
QStatusBar {{ background: #20232a; }}
QStatusBar QLabel {{ color: #e8eaed; font-size: 15px; padding: 0 10px; }}
QTabBar::tab {{ min-height: 48px; min-width: 64px; padding: 0 12px; }}
QTabBar::scroller {{ width: 112px; }}
QTabBar QToolButton {{ min-width: 56px; min-height: 48px; background: #ffffff; border: 1px solid #c7cad1; }}
QScrollBar:vertical {{ width: 24px; }}
QPushButton[role="primary"]:disabled, QPushButton[role="danger"]:disabled, QPushButton[role="tender"]:disabled {{
    color: #9a9da4; background: #eceef1; border: 1px solid #d5d8de; }}
"""
