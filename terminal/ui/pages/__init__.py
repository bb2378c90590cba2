"""One page per step the cashier sees; the window (main_window.py) shows the page that fits the checkout's state."""
