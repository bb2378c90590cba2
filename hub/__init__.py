"""edgepos hub (see DESIGN.md)."""
