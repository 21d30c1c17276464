"""The `dozor` command (cli/main.py assembles each package's commands) and `dozor demo`."""
