"""The self-checkout kiosk: a customer-facing lane on the same checkout core, journal, devices and risk engine as
the cashier app (flow without Qt in `lane`, the attendant link over MQTT in `link`, recovery after a crash in
`recovery`, Qt screens in `screens` and `station`)."""
