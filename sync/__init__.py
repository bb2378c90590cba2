"""Store-and-forward: crypto, key store, the signed journal and its verifier, the sync protocol, the uplink and
the downstream state a terminal pulls from its hub."""
