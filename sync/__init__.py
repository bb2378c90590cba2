"""Store-and-forward: the signed journal, crypto, key store and (later) the uplink."""
