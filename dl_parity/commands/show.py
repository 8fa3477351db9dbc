"""``dl-parity show NAME``: one formula, its NumPy code beside its PyTorch code.

NAME is a catalog id (``w4.linear_backward``) or a function name
(``linear_backward``, ``sigmoid``, ``compute_cost``, ``DeepNet.forward``).
``--list`` lists every entry by course week; ``--check`` runs the entry's parity
tests now and prints the measured error on each device and dtype.
"""
from __future__ import annotations

import difflib
import os

from rich.markup import escape

from ..cli import UsageError

#: below this many columns the two sources are printed one after the other
SIDE_BY_SIDE_MIN_WIDTH = 160


def add_parser(subparsers):
    p = subparsers.add_parser(
        "show", help="show a formula with its NumPy and PyTorch code side by side",
        description=__doc__.split("\n\n", 1)[1])
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="catalog id or function name (see --list)")
    p.add_argument("--list", action="store_true", help="list every catalog entry by course week")
    p.add_argument("--check", action="store_true",
                   help="run this entry's parity tests now and print the measured error")
    p.add_argument("--device", choices=["cpu", "cuda", "all"], default=None,
                   help="with --check: where the PyTorch side runs (default: cpu, and cuda "
                        "when present)")
    p.add_argument("--layout", choices=["auto", "side", "stacked"], default="auto",
                   help="two columns (side), one after the other (stacked), or auto: side by "
                        f"side on a terminal at least {SIDE_BY_SIDE_MIN_WIDTH} columns wide")
    p.set_defaults(func=run)
    return p


def _console():
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # piped or captured: do not cut source lines at the default 80 columns
        console = Console(highlight=False, width=120)
    return console


def _suggestions(name: str) -> list[str]:
    from ..sources import all_names

    names = all_names()
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    if not close:  # a fragment: names that contain it
        close = [n for n in names if name.lower() in n.lower() and "." not in n][:5]
    return close


def run(args) -> int:
    from ..catalog import CATALOG
    from ..sources import entries_for

    if args.list:
        if args.name or args.check:
            raise UsageError("--list takes no NAME and no --check; got "
                             + (f"NAME {args.name!r}" if args.name else "--check"))
        print_list(_console(), CATALOG)
        return 0
    if not args.name:
        raise UsageError("expected a NAME (a catalog id or a function name such as "
                         "linear_backward) or --list; got neither")
    if args.check and args.device == "cuda":
        from ..options import check_device

        check_device(args.device)      # every command refuses --device cuda without CUDA
    entries = entries_for(args.name)
    if not entries:
        close = _suggestions(args.name)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise UsageError(f"no catalog entry or function named {args.name!r}{hint} "
                         f"(dl-parity show --list lists them all)")
    entry, others = entries[0], entries[1:]
    console = _console()
    width = console.width
    side = args.layout == "side" or (args.layout == "auto" and console.is_terminal
                                     and width >= SIDE_BY_SIDE_MIN_WIDTH)
    print_entry(console, entry, side_by_side=side)
    if others:
        console.print(f"[dim]{escape(repr(args.name))} is also in: "
                      + escape(", ".join(f"{f.id} ({f.title})" for f in others)) + "[/dim]")
    if args.check:
        return check(console, entry, device=args.device)
    return 0


# ---------------------------------------------------------------------------- printing
def print_list(console, catalog) -> None:
    from rich.table import Table

    from ..catalog import WEEKS
    from ..sources import short_name

    weeks = list(WEEKS) + sorted({f.week for f in catalog} - set(WEEKS))
    for w in weeks:
        items = [f for f in catalog if f.week == w]
        if not items:
            continue
        table = Table(title=escape(WEEKS.get(w, f"Week {w}")), title_justify="left", show_lines=False,
                      title_style="bold", expand=False)
        table.add_column("id", style="cyan", no_wrap=True)
        table.add_column("formula")
        table.add_column("NumPy (scratch)")
        table.add_column("PyTorch (torch_ref)")
        for f in items:
            table.add_row(escape(f.id), escape(f.title),
                          escape(", ".join(short_name(p) for p in f.scratch)),
                          escape(", ".join(short_name(p) for p in f.torch)))
        console.print(table)
        console.print()


def _source_group(sources, side_by_side: bool, accent: str):
    from rich.console import Group
    from rich.syntax import Syntax
    from rich.text import Text

    parts = []
    for s in sources:
        head = Text.assemble((s.path, f"bold {accent}"), ("  " + s.location, "dim"))
        parts.append(head)
        if s.ok:
            parts.append(Syntax(s.code.rstrip("\n"), "python", theme="monokai",
                                line_numbers=True, start_line=s.line, word_wrap=True,
                                background_color="default"))
        else:
            parts.append(Text(s.error, style="red"))
        parts.append(Text(""))
    return Group(*parts)


def print_entry(console, entry, side_by_side: bool) -> None:
    from rich.padding import Padding
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    from ..catalog import WEEKS
    from ..sources import entry_sources

    console.print(Rule(f"[bold]{escape(entry.title)}[/bold]  [dim]{escape(entry.id)}[/dim]",
                       align="left"))
    console.print(f"[dim]{escape(WEEKS.get(entry.week, entry.week))} · "
                  f"{escape(entry.section)}[/dim]")
    console.print(Padding(Text(entry.formula, style="bold"), (1, 4)))
    if entry.note:
        console.print(f"[yellow]Note:[/yellow] {escape(entry.note)}")
    if entry.torch_ops:
        console.print("[dim]PyTorch builtins relied on:[/dim] " + escape(", ".join(entry.torch_ops)))
    console.print("[dim]Parity tests:[/dim] " + escape(", ".join(entry.tests)))
    console.print()
    np_sources, pt_sources = entry_sources(entry)
    left = _source_group(np_sources, side_by_side, "blue")
    right = _source_group(pt_sources, side_by_side, "dark_orange")
    if side_by_side:
        grid = Table(show_header=True, header_style="bold", box=None, expand=True,
                     padding=(0, 1), show_edge=False)
        grid.add_column("NumPy (scratch)", ratio=1)
        grid.add_column("PyTorch (torch_ref)", ratio=1)
        grid.add_row(left, right)
        console.print(grid)
    else:
        console.print(Rule("NumPy (scratch)", align="left", style="blue"))
        console.print(left)
        console.print(Rule("PyTorch (torch_ref)", align="left", style="dark_orange"))
        console.print(right)


# ---------------------------------------------------------------------------- --check
def check(console, entry, device: str | None = None) -> int:
    from rich.table import Table

    from ..study import entry_status, fmt_err, fmt_tol, run_parity

    console.print()
    console.print(f"[bold]Running the parity tests of {escape(entry.id)}[/bold] "
                  f"[dim]({escape(', '.join(entry.tests))})[/dim]")
    result = run_parity(entry.tests, device=device, progress=console.is_terminal,
                        description=entry.id)
    for test, why in result.missing.items():
        console.print(f"[yellow]not run:[/yellow] {escape(test)}: {escape(why)}")
    if not result.command:
        console.print("[yellow]No parity test of this entry exists yet; nothing measured.[/yellow]")
        return 1
    status = entry_status(entry, result)
    if status.rows:
        rep = result.report or {}
        console.print(escape(f"{rep.get('date', '')} on {rep.get('machine', '')} "
                             f"({rep.get('processor', '')}), torch {rep.get('torch', '')}, "
                             f"numpy {rep.get('numpy', '')}, "
                             f"CUDA: {rep.get('cuda') or 'not available'}"), style="dim")
        table = Table(show_lines=False)
        for col in ("test", "compared", "device", "dtype", "n"):
            table.add_column(col)
        for col in ("max abs err", "max rel err", "tolerance"):
            table.add_column(col, justify="right")
        table.add_column("ok")
        for r in sorted(status.rows, key=lambda r: (r.test, r.what, r.device, r.dtype)):
            table.add_row(escape(r.test.split("::")[-1]), escape(r.what), r.device, r.dtype, str(r.n),
                          fmt_err(r.max_abs), fmt_err(r.max_rel), fmt_tol(r),
                          "[green]yes[/green]" if r.passed else "[red]NO[/red]")
        console.print(table)
    for reason, n in result.skip_reasons().items():
        console.print(escape(f"skipped ({n}): {reason}"), style="dim")
    colour = {"pass": "green", "fail": "red"}.get(status.key, "yellow")
    console.print(f"[{colour}]{escape(status.label)}[/{colour}]: {escape(status.detail)}")
    console.print(escape(f"pytest: {result.summary_line()}"), style="dim")
    if result.returncode not in (0, 5) or status.key == "fail":
        tail = "\n".join(result.output.rstrip().splitlines()[-30:])
        console.print(tail, markup=False, highlight=False)
        return 1
    return 0
