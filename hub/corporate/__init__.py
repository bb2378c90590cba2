"""Corporate payments in the hub (issue 16): supplier batches, scheduled payments, the enterprise wallet (hot and
cold, maker-checker on cold), AML alerts and FX checks."""
