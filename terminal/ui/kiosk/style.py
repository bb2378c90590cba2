"""The kiosk's look: large type for customers standing at arm's length (22 px body, 40 px titles, 88 px targets),
and a high-contrast variant (white/yellow on black, thick focus frames) the customer can switch on at any step.
A keyboard focus frame is always visible: the whole flow can be walked with Tab and Enter."""

from __future__ import annotations

TARGET_PX = 88

BASE = f"""
QWidget {{ font-size: 22px; color: #111; }}
QWidget#kiosk, QWidget#station {{ background: #f6f7f9; }}
QPushButton {{ min-height: {TARGET_PX}px; min-width: 88px; padding: 6px 14px; border-radius: 14px;
              background: #ffffff; border: 2px solid #b9bec7; font-size: 24px; }}
QPushButton:focus {{ border: 4px solid #1f4e8c; }}
QPushButton:pressed {{ background: #dfe3ea; }}
QPushButton:disabled {{ color: #8a8d93; background: #eceef1; }}
QPushButton[role="primary"] {{ background: #1b7f3b; color: white; border: none; font-weight: 700; font-size: 30px; }}
QPushButton[role="primary"]:focus {{ border: 4px solid #0b2e16; }}
QPushButton[role="danger"] {{ color: #b3261e; border: 2px solid #b3261e; }}
QPushButton[role="help"] {{ background: #fff3e0; border: 2px solid #a35c00; color: #6b3c00; font-weight: 700; }}
QPushButton[role="tile"] {{ min-height: 110px; font-size: 22px; text-align: left; }}
QPushButton[role="key"] {{ min-height: 64px; font-size: 30px; }}
QPushButton[role="small"] {{ min-height: 48px; min-width: 48px; font-size: 16px; border-radius: 8px; }}
QPushButton:checked {{ background: #e8f0fe; border: 3px solid #1f4e8c; }}
QLabel[role="title"] {{ font-size: 40px; font-weight: 700; }}
QLabel[role="message"] {{ font-size: 28px; font-weight: 600; padding: 8px; }}
QLabel[role="total"] {{ font-size: 36px; font-weight: 700; }}
QLabel[role="hint"] {{ font-size: 18px; color: #444; }}
QFrame[role="call"] {{ background: #fff3e0; border: 3px solid #a35c00; border-radius: 14px; }}
QFrame[role="lane"] {{ background: white; border: 2px solid #c7cad1; border-radius: 14px; }}
QFrame[role="lane"][calling="true"] {{ background: #fff3e0; border: 4px solid #a35c00; }}
QListWidget {{ font-size: 22px; background: white; border: 2px solid #c7cad1; border-radius: 10px; }}
QListWidget::item {{ min-height: 52px; border-bottom: 1px solid #eceef1; }}
QLineEdit {{ min-height: 56px; font-size: 24px; border: 2px solid #b9bec7; border-radius: 10px; padding: 0 10px;
            background: white; }}
QLineEdit:focus {{ border: 4px solid #1f4e8c; }}
QScrollBar:vertical {{ width: 28px; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; }}
"""

HIGH_CONTRAST = BASE + """
QWidget { font-size: 26px; color: #ffffff; background: #000000; }
QWidget#kiosk { background: #000000; }
QPushButton { background: #000000; color: #ffff00; border: 3px solid #ffff00; font-size: 28px; }
QPushButton:focus { border: 6px solid #ffffff; }
QPushButton[role="primary"] { background: #ffff00; color: #000000; border: 3px solid #ffff00; font-size: 32px; }
QPushButton[role="primary"]:focus { border: 6px solid #ffffff; }
QPushButton[role="help"] { background: #000000; color: #ffffff; border: 3px solid #ffffff; }
QPushButton[role="danger"] { background: #000000; color: #ffffff; border: 3px solid #ff6b6b; }
QPushButton[role="tile"] { min-height: 110px; font-size: 26px; }
QPushButton:checked { background: #333300; }
QLabel[role="title"] { font-size: 46px; color: #ffff00; }
QLabel[role="message"] { font-size: 32px; color: #ffffff; }
QLabel[role="hint"] { color: #ffffff; font-size: 22px; }
QFrame[role="call"] { background: #000000; border: 4px solid #ffff00; }
QListWidget { background: #000000; color: #ffffff; border: 3px solid #ffffff; font-size: 26px; }
QLineEdit { background: #000000; color: #ffffff; border: 3px solid #ffffff; }
QLineEdit:focus { border: 6px solid #ffff00; }
"""
