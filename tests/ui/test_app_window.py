"""How the cashier window is placed (`edgepos demo --fullscreen / --size WxH`, `run_cashier(..., fullscreen)`)."""

from __future__ import annotations

import pytest
from edgepos_cli import edgepos

from terminal.ui.app import build_window, parse_size, place_window


def test_parse_size() -> None:
    assert parse_size("1024x768") == (1024, 768)
    assert parse_size("800X600") == (800, 600)
    for bad in ("1024", "x768", "1024x", "-1x5", "axb", "100x100"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_bad_size_is_refused_before_anything_starts() -> None:
    run = edgepos("demo", "--size", "big")
    assert run.returncode == 1 and "WIDTHxHEIGHT" in run.stderr


def test_fullscreen_sized_and_fitted_windows(qtbot, store) -> None:
    window = build_window(store, "en")
    qtbot.addWidget(window)
    try:
        place_window(window, fullscreen=True)
        assert window.isFullScreen()
        assert window.geometry() == window.screen().geometry()  # also where no window manager honours fullscreen
        window.showNormal()
        place_window(window, size=(1500, 1000))
        assert (window.width(), window.height()) == (1500, 1000)
        screen = window.screen().availableGeometry()
        place_window(window)  # the default: 1280x800 when the screen holds it, else maximised on it
        if screen.width() >= 1280 and screen.height() >= 800:
            assert (window.width(), window.height()) == (1280, 800)
        else:
            assert window.isMaximized()
    finally:
        window.runner.wait()
        window.timer.stop()
