"""Unit and integration tests share one module namespace (no __init__.py per folder), so two test files
with the same name stop the whole run at collection. Caught here, by name, before that happens."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_name_is_unique() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, n in names.items() if n > 1] == []
