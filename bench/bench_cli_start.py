"""How long `dozor <command>` takes to start, this tree beside another, measured side by side in one run.

    .venv/bin/python bench/bench_cli_start.py [--baseline c9ee4d1] [--runs 7]

Each run is a fresh Python process that prints the command's help (`dozor <command> --help`): what every
command pays before it does anything (imports and the app's assembly). The trees alternate run by run,
so load hits both alike; the median wall time of each is printed, with the ratio. The help texts of both
trees are compared too: a faster start must not change a command.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    (),
    ("import",),
    ("collect",),
    ("enrich",),
    ("index",),
    ("search",),
    ("channels", "suggest"),
    ("stack", "up"),
    ("alert",),
    ("api",),
    ("evidence", "verify"),
)
_CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); sys.argv = ['dozor', *sys.argv[2:]]; "
    "from cli.main import main; main()"
)
_WHERE = "import sys; sys.path.insert(0, sys.argv[1]); import cli.main; print(cli.main.__file__)"


def _run(tree: Path, args: tuple[str, ...]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), *args, "--help"], capture_output=True, text=True, cwd=tree
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"dozor {' '.join(args)} --help in {tree}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    return took, proc.stdout


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_enrich_distinct import _baseline_tree

    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    ref, runs = opts.get("--baseline", "c9ee4d1"), int(opts.get("--runs", 7))
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"now": ROOT, f"before ({ref})": _baseline_tree(ref, Path(tmp))}
        for name, tree in trees.items():  # each process must run its own tree's code, not the installed one
            where = subprocess.run([sys.executable, "-c", _WHERE, str(tree)], capture_output=True, text=True).stdout
            if not Path(where.strip()).resolve().is_relative_to(tree.resolve()):
                raise SystemExit(f"{name}: ran {where.strip()}, not {tree}")
        print(f"wall seconds to print `dozor <command> --help`, median of {runs} fresh processes per tree")
        names = list(trees)
        print(f"{'command':<22}" + "".join(f"{n:>20}" for n in names) + f"{'now/before':>12}  help text")
        ratios: list[float] = []
        for args in COMMANDS:
            times: dict[str, list[float]] = {n: [] for n in names}
            texts: dict[str, str] = {}
            for _ in range(runs):
                for name, tree in trees.items():
                    took, texts[name] = _run(tree, args)
                    times[name].append(took)
            now, before = (statistics.median(times[n]) for n in names)
            ratios.append(now / before)
            same = "same" if texts[names[0]] == texts[names[1]] else "DIFFERS"
            label = " ".join(args) or "(none)"
            print(f"{label:<22}" + f"{now:>18.2f} s" + f"{before:>18.2f} s" + f"{now / before:>12.2f}  {same}")
        print(f"geometric mean of now/before: {statistics.geometric_mean(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
