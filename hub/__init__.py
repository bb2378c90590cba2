"""The reference hub: central ledger (double-entry, two-phase holds) and online authorisation over HTTP, on SQLite
or PostgreSQL. Terminals reach it only through the sync protocol (sync/protocol.py, hub/openapi.json)."""
