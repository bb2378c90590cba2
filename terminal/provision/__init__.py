"""Zero-touch provisioning of a terminal from one signed code (`edgepos provision`, the technician screen)."""
