"""The hub's reference CBDC operator (e-CNY style): wallets with tiers, issuer-signed hard-wallet certificates and
offline loads, a revocation list sent down with the blacklist, merchant wallets that sweep to a bank account above a
cap, online payments (customer code, merchant QR), refunds, statements, and the settlement of offline hard-wallet
payments with double-spend detection when a till syncs.

`CbdcOperator` (hub.cbdc.operator) is the adapter interface a real operator's API replaces; `ReferenceOperator`
implements it on the hub's own double-entry ledger. docs/cbdc.md explains the design.
"""
