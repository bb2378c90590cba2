"""Digital currency (CBDC, e-CNY style) on the till: the online link to the hub's operator (terminal.cbdc.link)
and the offline hard-wallet checks (terminal.cbdc.offline). The checkout's tender flows are in
terminal.checkout.cbdc; docs/cbdc.md explains the design."""
