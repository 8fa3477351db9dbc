"""``dl-parity show NAME``: one formula, its NumPy code beside its PyTorch code.

NAME is a catalog id (``w4.linear_backward``), a function name (``linear_backward``,
``sigmoid``, ``compute_cost``, ``DeepNet.forward``), the end of an id (``adam``) or
words of an entry's id, title or functions (``batchnorm``, ``"batch norm backward"``);
a name that fits several entries lists them. ``--list`` lists every entry by course
week; ``--check`` runs the entry's parity tests now and prints the measured error on
each device and dtype.
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


#: at most this many candidates are named when NAME is ambiguous
MAX_CANDIDATES = 12


def run(args) -> int:
    from ..catalog import CATALOG, find

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
    match = find(args.name)
    if not match.entries:
        close = _suggestions(args.name)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise UsageError(f"no catalog entry or function named {args.name!r}{hint} "
                         f"(dl-parity show --list lists them all)")
    if match.ambiguous:
        named = [f"{f.id} ({f.title})" for f in match.entries[:MAX_CANDIDATES]]
        more = len(match.entries) - len(named)
        raise UsageError(f"{args.name!r} fits {len(match.entries)} catalog entries: "
                         + "; ".join(named) + (f"; and {more} more" if more > 0 else "")
                         + ". Name one by its id")
    entry, others = match.entries[0], match.entries[1:]
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
def _list_table_width(catalog) -> int:
    """Columns a --list table needs to show every id and code name whole: the widest
    id, code names one per line, the longest title word, and rich's borders and padding."""
    from ..sources import short_name

    def widest(texts):
        return max((len(t) for t in texts), default=0)

    return (widest(f.id for f in catalog) + widest(w for f in catalog for w in f.title.split())
            + widest(short_name(p) for f in catalog for p in f.scratch)
            + widest(short_name(p) for f in catalog for p in f.torch) + 13)


def print_list(console, catalog) -> None:
    """Every entry by course week: id, title, and the NumPy and PyTorch code that computes
    it, never cut. A table where the terminal is wide enough for every name whole
    (:func:`_list_table_width`), else one entry per block, its names wrapped between names."""
    from rich.table import Table
    from rich.text import Text

    from ..catalog import WEEKS
    from ..sources import short_name

    table_mode = console.width >= _list_table_width(catalog)
    weeks = list(WEEKS) + sorted({f.week for f in catalog} - set(WEEKS))
    for w in weeks:
        items = [f for f in catalog if f.week == w]
        if not items:
            continue
        title = escape(WEEKS.get(w, f"Week {w}"))
        if not table_mode:
            console.print(f"[bold]{title}[/bold]")
            for f in items:
                console.print(Text.assemble((f.id, "cyan"), "  ", f.title))
                grid = Table.grid(padding=(0, 1))
                grid.add_column(no_wrap=True, style="dim")
                grid.add_column(overflow="fold")
                grid.add_row("   NumPy", ", ".join(short_name(p) for p in f.scratch))
                grid.add_row("   PyTorch", ", ".join(short_name(p) for p in f.torch))
                console.print(grid)
            console.print()
            continue
        table = Table(title=title, title_justify="left", show_lines=False,
                      title_style="bold", expand=False)
        table.add_column("id", style="cyan", no_wrap=True)
        table.add_column("title")
        table.add_column("NumPy (scratch)", no_wrap=True)
        table.add_column("PyTorch (torch_ref)", no_wrap=True)
        for f in items:
            table.add_row(escape(f.id), escape(f.title),
                          escape("\n".join(short_name(p) for p in f.scratch)),
                          escape("\n".join(short_name(p) for p in f.torch)))
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

    from ..study import (entry_status, fmt_compared, fmt_ratio, fmt_tol, progress_default,
                         run_parity)

    console.print()
    console.print(f"[bold]Running the parity tests of {escape(entry.id)}[/bold] "
                  f"[dim]({escape(', '.join(entry.tests))})[/dim]")
    result = run_parity(entry.tests, device=device, progress=progress_default(),
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
        table = Table(show_lines=False, caption="each comparison passes when |Δ| = |torch − "
                      "numpy| ≤ atol + rtol·|numpy| element-wise; shown at the element nearest "
                      "its bound, with |Δ| / allowed (at most 1 passes)", caption_justify="left")
        for col in ("test", "compared", "device", "dtype", "n"):
            table.add_column(col)
        for col in ("|Δ| vs atol + rtol·|numpy|", "|Δ| / allowed", "tolerance"):
            table.add_column(col, justify="right")
        table.add_column("ok")
        for r in sorted(status.rows, key=lambda r: (r.test, r.what, r.device, r.dtype)):
            table.add_row(escape(r.test.split("::")[-1]), escape(r.what), r.device, r.dtype, str(r.n),
                          fmt_compared(r), fmt_ratio(r), fmt_tol(r),
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
