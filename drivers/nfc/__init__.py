"""Contactless (ISO 14443-4 / ISO-DEP) on nfcpy: the EMV kernel over PPSE, and NDEF reading (CBDC offline tokens)."""
