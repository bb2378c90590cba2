"""Receipt printer and cash drawer on python-escpos: layout, transports, status, preview (ESC/POS -> PNG)."""
