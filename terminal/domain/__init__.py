"""Pure domain model: money, tax, cart, sale, tenders, receipts. No Qt, no I/O."""
