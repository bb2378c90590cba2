"""edgepos models (see DESIGN.md)."""
