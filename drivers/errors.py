"""Typed device errors: each class has a stable `code` (the UI words its advice by it, in the screen's language)
and `advice`, the same in English (logs, the CLI)."""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every driver error. `advice` is what the cashier or technician should do."""

    code = "device_check"  # the UI words `advice` by this code
    advice = "Check the device and try again."

    def __init__(self, message: str, advice: str | None = None) -> None:
        super().__init__(message)
        if advice is not None:
            self.advice = advice


class ServiceUnavailable(DeviceError):
    """The OS service behind the device (pcscd, the print server) is not running."""

    code = "device_service_unavailable"  # the UI words `advice` by this code
    advice = "Start the reader service (pcscd) or restart the terminal."


class DeviceAbsent(DeviceError):
    """No such device is plugged in or it does not answer."""

    code = "device_absent"  # the UI words `advice` by this code
    advice = "Plug the device in (check the cable and power) and run `edgepos doctor`."


class CardRemoved(DeviceError):
    """The card left the reader before the transaction finished."""

    code = "device_card_removed"  # the UI words `advice` by this code
    advice = "Ask the customer to insert the card again and leave it in until the end."


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""

    code = "device_timeout"  # the UI words `advice` by this code
    advice = "Try again; if it keeps happening, reconnect the device."


class MalformedResponse(DeviceError):
    """The device answered bytes that do not follow its protocol."""

    code = "device_malformed_response"  # the UI words `advice` by this code
    advice = "Try another card or payment method."


class PaperOut(DeviceError):
    code = "device_paper_out"  # the UI words `advice` by this code
    advice = "Load a new paper roll and close the printer cover."


class PrinterOffline(DeviceError):
    code = "device_printer_offline"  # the UI words `advice` by this code
    advice = "Switch the printer on, close its cover and check the cable or network."
