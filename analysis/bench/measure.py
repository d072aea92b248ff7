"""Benchmark of the analyser: wall time and peak memory on generated Search Console exports.

For each size it generates (once, cached by size, seed and generator version) an export with
`generate.py`, then runs `python3 analysis/analyze.py --input F --filter X --output out.json` as
a fresh child process per run, as the server does. Each run's peak resident set size comes from
the kernel's accounting of that one child (`os.wait4`, the per-child form of
`getrusage(RUSAGE_CHILDREN)`), so runs never mask each other. It prints one line per run, then a
Markdown table of medians; it exits 1 as soon as a run fails, with the tail of the analyser's
stderr. Wall time depends on the machine's load; CPU seconds (user + system of the child) are
printed beside it.

    python3 analysis/bench/measure.py --rows 10000 100000 1000000 --filter all recommended \\
        --repeat 3

Peak sizes are in MiB (`ru_maxrss` is in KiB on Linux).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ANALYZER = os.path.join(os.path.dirname(BENCH_DIR), "analyze.py")
GENERATOR = os.path.join(BENCH_DIR, "generate.py")
DEFAULT_CACHE = os.path.join(tempfile.gettempdir(), "rankmap-bench")
# The CPU column tells contention apart from slowness on a shared machine.
TABLE_HEADER = ("| rows | filter | median s | median peak MB | runs | median CPU s |\n"
                "|---:|---|---:|---:|---:|---:|")
_STDERR_TAIL = 2_000


class RunFailed(Exception):
    """The analyser (or the generator) exited with an error."""


def generator_version() -> str:
    """Short hash of the generator's source, so a changed generator never reuses old files."""
    with open(GENERATOR, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:10]


def input_file(rows: int, seed: int, cache_dir: str) -> tuple[str, float | None]:
    """Path of the export for `rows`/`seed`, generating it when missing; and seconds spent.

    The file is written beside its final name and renamed when complete, so an interrupted
    generation is never mistaken for a cached file.
    """
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"gsc_{rows}_seed{seed}_{generator_version()}.csv")
    if os.path.exists(path):
        return path, None
    partial = f"{path}.{os.getpid()}.partial"
    started = time.monotonic()
    proc = subprocess.run([sys.executable, GENERATOR, "--rows", str(rows), "--seed", str(seed),
                           "--output", partial], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RunFailed(f"generator exited {proc.returncode}: {proc.stderr[-_STDERR_TAIL:]}")
    os.replace(partial, path)
    return path, time.monotonic() - started


def run_once(analyzer: str, path: str, filter_option: str,
             work_dir: str) -> tuple[float, float, float]:
    """Run the analyser once in a fresh child; return (wall s, CPU s, peak MiB)."""
    output = os.path.join(work_dir, "out.json")
    stderr_path = os.path.join(work_dir, "stderr.txt")
    command = [sys.executable, analyzer, "--input", path, "--filter", filter_option,
               "--output", output]
    with open(stderr_path, "w+", encoding="utf-8", errors="replace") as stderr:
        started = time.monotonic()
        # Progress lines go to /dev/null: the server reads them, the benchmark does not.
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        tail = stderr.read()[-_STDERR_TAIL:]
    if proc.returncode != 0:
        raise RunFailed(f"{' '.join(command)} exited {proc.returncode}:\n{tail}")
    if not os.path.exists(output) or os.path.getsize(output) == 0:
        raise RunFailed(f"{' '.join(command)} exited 0 but wrote no result")
    os.remove(output)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def machine_line() -> str:
    """CPU count, memory and load, since the figures depend on them."""
    memory = "?"
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"machine: {os.cpu_count()} CPUs, {memory} RAM, load {load}, "
            f"Python {platform.python_version()}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="input sizes in data rows (10000 100000 1000000)")
    parser.add_argument("--filter", nargs="+", default=["all", "recommended"],
                        choices=["all", "recommended"], dest="filters",
                        help="filter options to run (all recommended)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and filter (3)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    parser.add_argument("--cache-dir", default=DEFAULT_CACHE,
                        help=f"where generated inputs are kept ({DEFAULT_CACHE})")
    parser.add_argument("--analyzer", default=ANALYZER, help="analyser script to run")
    args = parser.parse_args(argv)
    if args.repeat < 1 or any(rows < 1 for rows in args.rows):
        parser.error("--repeat and every --rows value must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate the inputs, run every size x filter `--repeat` times, print runs and medians."""
    args = parse_args(argv)
    print(machine_line(), flush=True)
    table = []
    try:
        with tempfile.TemporaryDirectory(prefix="rankmap-bench-run-") as work_dir:
            for rows in args.rows:
                path, generated = input_file(rows, args.seed, args.cache_dir)
                made = f"generated in {generated:.1f} s" if generated is not None else "cached"
                print(f"input: {rows} rows, {os.path.getsize(path) / 1e6:.1f} MB, {made}: {path}",
                      flush=True)
                for filter_option in args.filters:
                    walls, cpus, peaks = [], [], []
                    for run in range(1, args.repeat + 1):
                        wall, cpu, peak = run_once(args.analyzer, path, filter_option, work_dir)
                        walls.append(wall)
                        cpus.append(cpu)
                        peaks.append(peak)
                        print(f"run: rows={rows} filter={filter_option} {run}/{args.repeat} "
                              f"wall={wall:.2f}s cpu={cpu:.2f}s peak={peak:.1f}MB", flush=True)
                    table.append(f"| {rows} | {filter_option} | {statistics.median(walls):.2f} "
                                 f"| {statistics.median(peaks):.0f} | {len(walls)} "
                                 f"| {statistics.median(cpus):.2f} |")
    except RunFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print()
    print(TABLE_HEADER)
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
