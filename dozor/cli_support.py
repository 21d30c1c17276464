"""What every command shares: logging, and turning failures into one clear line and an exit code
(0 done, 1 the job failed, 2 bad usage). `--debug` (or DOZOR_DEBUG=1) shows tracebacks."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

import typer

from dozor.errors import DozorError

_debug = os.environ.get("DOZOR_DEBUG", "") not in ("", "0")


def set_debug(on: bool) -> None:
    global _debug
    _debug = _debug or on
    setup_logging()


def debug() -> bool:
    return _debug


def setup_logging() -> None:
    level = logging.DEBUG if _debug else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    # kafka-python logs every refused connection as an error; Dozor reports failures itself.
    logging.getLogger("kafka").setLevel(logging.DEBUG if _debug else logging.CRITICAL)
    logging.getLogger("elastic_transport").setLevel(logging.DEBUG if _debug else logging.ERROR)
    for chatty in ("httpx", "pymorphy3", "telethon", "uvicorn.access"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if _debug else logging.WARNING)


def fail(message: str, code: int) -> None:
    print(f"dozor: error: {message}", file=sys.stderr)
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
