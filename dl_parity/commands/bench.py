"""`dl-parity bench`: time a training step of the NumPy fast path beside PyTorch.

    dl-parity bench [--quick] [--threads N[,N...]] [--json PATH] [--workload NAME ...]

Prints a markdown table (step time, samples/s, MNIST epoch time, GFLOP/s and the
fraction of the measured peak GEMM rate, peak memory beside the theoretical
minimum) and, for each thread count, the NumPy / PyTorch step-time ratio of every
CPU workload. ``--threads 1,2,all`` runs everything on 1, then 2, then all logical
CPUs ("all" = os.cpu_count()).
See :mod:`dl_parity.bench` for what is measured and how.
"""
from __future__ import annotations

import json
import os
import sys


def add_parser(subparsers):
    from dl_parity.bench import WORKLOADS
    p = subparsers.add_parser(
        "bench", help="time a training step: NumPy fast path vs PyTorch",
        description="Time forward + backward + update of each workload in NumPy "
                    "(a model's fast path, e.g. scratch.fast_nn, scratch.fast_conv, else its "
                    "course form) and PyTorch (torch_ref), "
                    "float32 and float64, on the same number of threads.")
    p.add_argument("--quick", action="store_true",
                   help="fewer, shorter runs and a smaller peak-GEMM probe (under a minute)")
    p.add_argument("--threads", type=str, default=None, metavar="N[,N...]",
                   help="threads for both libraries: a positive integer, 'all' (the logical "
                        "CPUs), or a comma-separated list of them, e.g. 1,2,all: one pass "
                        "and one ratio table per count (default: all)")
    p.add_argument("--json", dest="json_path", default=None, metavar="PATH",
                   help="also write the full report as JSON to PATH")
    p.add_argument("--workload", action="append", default=None, metavar="NAME",
                   help=f"run only this workload (repeatable): {', '.join(WORKLOADS)}")
    p.set_defaults(func=_run)
    return p


def parse_threads(text: str) -> list:
    """"1,2,all" -> [1, 2, os.cpu_count()]: positive integers or "all", comma-separated;
    a count given twice (e.g. "2,all" on 2 CPUs) is run once."""
    from dl_parity.cli import UsageError
    counts = []
    for item in text.split(","):
        item = item.strip()
        if item.lower() == "all":
            n = os.cpu_count() or 1
        elif item.isascii() and item.isdigit() and int(item) >= 1:
            n = int(item)
        else:
            raise UsageError(f"--threads: expected a positive integer or 'all', or a "
                             f"comma-separated list of them (e.g. 1,2,all), got {text!r}")
        if n not in counts:
            counts.append(n)
    return counts


def _run(args):
    from dl_parity import bench
    from dl_parity.cli import UsageError
    threads = None if args.threads is None else parse_threads(args.threads)
    unknown = [w for w in args.workload or [] if w not in bench.WORKLOADS]
    if unknown:
        raise UsageError(f"--workload: expected one of {', '.join(bench.WORKLOADS)}, "
                         f"got {', '.join(map(repr, unknown))}")
    if args.json_path is not None:
        folder = os.path.dirname(os.path.abspath(args.json_path))
        if not os.path.isdir(folder):
            raise UsageError(f"--json: expected a path in an existing folder, got "
                             f"{args.json_path!r} ({folder} does not exist)")
    report = bench.run(args.workload, quick=args.quick, threads=threads,
                       log=lambda s: print(s, file=sys.stderr, flush=True))
    print(bench.to_markdown(report))
    if args.json_path is not None:
        tmp = f"{args.json_path}.tmp"
        with open(tmp, "w") as fh:
            json.dump(report, fh, indent=1)
        os.replace(tmp, args.json_path)
    return 0
