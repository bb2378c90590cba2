"""A real till's set-up and care: config file, `till init`, operators, backup and restore (the demo lives apart in
terminal/demo). The wiring of a till's parts from its config is terminal/bootstrap.py."""
