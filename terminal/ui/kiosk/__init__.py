"""The kiosk's Qt screens: the customer's lane window, the attendant station, and the demo's device panel."""
