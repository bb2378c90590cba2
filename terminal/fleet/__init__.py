"""Fleet management on the terminal: health reports at every sync, remote actions, the sync daemon."""
