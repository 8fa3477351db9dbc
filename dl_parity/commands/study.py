"""``dl-parity study --out DIR [--quick] [--no-run]``: write the study guide, a static site.

One page (``DIR/index.html``, readable straight from disk, no network needed) with
every catalog formula beside its NumPy and its PyTorch code, the parity measured
by a fresh run of the parity suite on this machine (CPU, and CUDA when present),
and the learning curves of both implementations trained from the same weights.
Progress bars on a terminal, one line per stage otherwise; the last line counts
the formulas within tolerance, failed and not measured.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..cli import UsageError


def add_parser(subparsers):
    p = subparsers.add_parser(
        "study", help="write the study guide: formulas, both codes side by side, measured parity",
        description=__doc__.split("\n\n", 1)[1])
    p.add_argument("--out", required=True, metavar="DIR",
                   help="directory to write index.html (and parity-report.json) into")
    p.add_argument("--quick", action="store_true",
                   help="leave out slow and course tests; train each model for a few iterations")
    p.add_argument("--no-run", action="store_true",
                   help="do not run the parity suite (the page says 'not run')")
    p.add_argument("--only", nargs="+", metavar="ID",
                   help="only these catalog ids (e.g. act.sigmoid w4.linear_backward)")
    p.add_argument("--no-curves", action="store_true", help="do not train the models")
    p.add_argument("--data-dir", metavar="DIR", dest="data",
                   help="folder holding catvnoncat/ (default: $DL_PARITY_DATA, else ./data); "
                        "without the cat files only the planar curves are drawn")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from .. import study

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: expected a directory, got the existing file {out}")
    if args.data is not None and not Path(args.data).is_dir():
        raise UsageError(f"--data-dir: expected a directory, got {args.data!r} (not found)")
    if args.only:
        from ..catalog import by_id

        unknown = [i for i in args.only if i not in by_id()]
        if unknown:
            raise UsageError(f"--only: unknown catalog id(s) {', '.join(unknown)}; "
                             f"see dl-parity show --list")
    interactive = study.progress_default()
    try:
        site = study.build_site(out, quick=args.quick, run_tests=not args.no_run, only=args.only,
                                data_dir=args.data, curves=not args.no_curves,
                                progress=interactive,
                                log=None if interactive else _log)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {site.index}")
    print(f"parity: {site.verdict}")
    if site.failed:
        print(f"parity FAILED for {len(site.failed)} formula(s): {', '.join(site.failed)} "
              f"(see the page)")
        return 1
    return 0


def _log(message: str) -> None:
    """One plain line per stage where no progress bar is drawn (a log, a pipe)."""
    print(f"dl-parity study: {message}", file=sys.stderr, flush=True)
