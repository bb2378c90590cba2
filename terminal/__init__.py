"""edgepos terminal application: domain, checkout, operators, UI and the command line."""

__version__ = "0.1.0"
