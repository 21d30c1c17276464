"""Errors that the CLI turns into one clear line and an exit code (docs/architecture.md: 1 job failed, 2 bad usage)."""


class DozorError(Exception):
    """A failure to do the job, e.g. a service unreachable after retries. Exit code 1."""

    exit_code = 1


class UsageError(DozorError):
    """Bad usage: a bad flag, a query syntax error, a bad input file. Exit code 2."""

    exit_code = 2


class ConfigError(UsageError):
    """A bad setting, named with the field and how to fix it. Raised at start."""
