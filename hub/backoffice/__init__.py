"""The merchant back office in the hub: web pages, reconciliation, e-invoices, audit export and retention."""
