"""What every command shares: logging, and turning failures into one clear line and an exit code
(0 done, 1 the job failed, 2 bad usage). `--debug` (or DOZOR_DEBUG=1) shows tracebacks."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Annotated

import typer

from dozor import logs
from dozor.errors import DozorError
from dozor.redact import redact

# Every service command takes it (dozor/metrics.py); unset: DOZOR_METRICS_PORT, 0: no metrics server.
MetricsPort = Annotated[
    int | None,
    typer.Option(
        "--metrics-port", min=0, max=65535, help="Prometheus /metrics port (default DOZOR_METRICS_PORT; 0: off)"
    ),
]

# The stages that run as a consumer group take it (dozor/workers.py); unset: the number of cores.
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="worker processes in the consumer group (default: the number of cores); "
        "with --drain, each drains its share of the partitions",
    ),
]

_debug = os.environ.get("DOZOR_DEBUG", "") not in ("", "0")


def set_debug(on: bool) -> None:
    global _debug
    _debug = _debug or on
    setup_logging()


def debug() -> bool:
    return _debug


def setup_logging() -> None:
    """Text or JSON (DOZOR_LOG_FORMAT, dozor/logs.py), secrets masked, the service's name on each line."""
    level = logging.DEBUG if _debug else logging.INFO
    logging.basicConfig(level=level, force=True)
    logs.install(logs.requested())
    sys.excepthook = _redacted_traceback
    # kafka-python logs every refused connection as an error; Dozor reports failures itself.
    logging.getLogger("kafka").setLevel(logging.DEBUG if _debug else logging.CRITICAL)
    logging.getLogger("elastic_transport").setLevel(logging.DEBUG if _debug else logging.ERROR)
    for chatty in ("httpx", "pymorphy3", "telethon", "uvicorn.access"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if _debug else logging.WARNING)


def _redacted_traceback(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """An uncaught exception (shown under --debug) is printed with the secrets masked too."""
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))


def fail(message: str, code: int) -> None:
    if logs.requested() == "json":  # a log collector gets the error as one JSON line too
        logging.getLogger("dozor").error("dozor: error: %s", message)
    else:
        print(f"dozor: error: {redact(message)}", file=sys.stderr)
    raise typer.Exit(code)


def run_command(body: Callable[[], int]) -> None:
    """Run a command body; exit with its code, or with one line for a DozorError or an interrupt."""
    try:
        code = body()
    except DozorError as exc:
        if _debug:
            raise
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # an unexpected bug: still one line unless --debug
        if _debug:
            raise
        fail(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)
    raise typer.Exit(code)
