"""Typed device errors: the checkout turns each into one short sentence that says what to do."""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every driver error. `advice` is what the cashier or technician should do."""

    advice = "Check the device and try again."

    def __init__(self, message: str, advice: str | None = None) -> None:
        super().__init__(message)
        if advice is not None:
            self.advice = advice


class ServiceUnavailable(DeviceError):
    """The OS service behind the device (pcscd, the print server) is not running."""

    advice = "Start the reader service (pcscd) or restart the terminal."


class DeviceAbsent(DeviceError):
    """No such device is plugged in or it does not answer."""

    advice = "Plug the device in (check the cable and power) and run `edgepos doctor`."


class CardRemoved(DeviceError):
    """The card left the reader before the transaction finished."""

    advice = "Ask the customer to insert the card again and leave it in until the end."


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""

    advice = "Try again; if it keeps happening, reconnect the device."


class MalformedResponse(DeviceError):
    """The device answered bytes that do not follow its protocol."""

    advice = "Try another card or payment method."


class PaperOut(DeviceError):
    advice = "Load a new paper roll and close the printer cover."


class PrinterOffline(DeviceError):
    advice = "Switch the printer on, close its cover and check the cable or network."
