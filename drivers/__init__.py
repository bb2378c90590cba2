"""edgepos drivers (see DESIGN.md)."""
