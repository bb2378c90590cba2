"""`edgepos demo`: one command opens a working demo store (embedded hub, till, sample catalogue, simulated cards).

`open_demo_store` is what the cashier UI, the screenshots and the headless run share; `run_headless` is the scripted
day of sales that `edgepos demo --headless` and `edgepos bench checkout` both run.
"""

from terminal.demo.store import CARD_LABELS, DEVICES, CardSlot, DemoStore, describe, open_demo_store

__all__ = ["CARD_LABELS", "DEVICES", "CardSlot", "DemoStore", "describe", "open_demo_store"]
