"""The cashier app (PySide6): touch first, every action also on the keyboard, drives terminal.checkout.

Widgets never talk to the journal, the hub or a device directly: they call `Shop` (shop.py), which wraps the till,
and anything that may wait (card, hub, printer) runs off the UI thread (worker.py) so the screen never freezes.
"""
