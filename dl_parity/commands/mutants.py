"""``dl-parity mutants``: would the parity suite notice a wrong formula?

Puts each catalogued classic mistake (dl_parity/check/mistakes.py: a missing 1/m, a
transposed matrix, beta1 and beta2 swapped, ...) and a seeded sample of operator mutations of
formula lines (+ to -, * to /, < to <=, axis=1 to axis=0, keepdims dropped, a .T dropped, ...)
into a COPY of scratch/, one at a time, and runs the parity tests that import the mutated
module. Prints the score per module and every survivor. --quick (the default; CI runs it):
every mistake and a fixed sample of 30 operator mutants; --full: a sample of 400 (--sample N
to choose, --sample -1 for every site), after one run of the unmutated tests. Exit status 0 when every catalogued mistake is caught
and at least 97 % of the operator mutants are, 1 otherwise.
"""
from __future__ import annotations

import json
import os
import sys

from ..cli import UsageError


def add_parser(subparsers):
    p = subparsers.add_parser(
        "mutants", help="mutation check: does the parity suite catch classic mistakes?",
        description=__doc__.split("\n\n", 1)[1])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="every catalogued mistake + 30 operator mutants (the default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="every catalogued mistake + 400 operator mutants, after a run of the "
                           "unmutated tests")
    p.set_defaults(mode="quick")
    p.add_argument("--sample", type=int, default=None, metavar="N",
                   help="operator mutants to draw (-1: every site)")
    p.add_argument("--seed", type=int, default=17, help="the operator sample's seed (17)")
    p.add_argument("--module", action="append", default=None, metavar="NAME",
                   help="only this scratch module (e.g. deep_nn; repeat for several)")
    p.add_argument("--only", choices=["mistakes", "operators"], default=None,
                   help="only the catalogued mistakes, or only the operator mutants")
    p.add_argument("--transitive", action="store_true",
                   help="also run the tests of the scratch modules built on the mutated one "
                        "(slower; a survivor runs them all)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="mutants run side by side (each is one process)")
    p.add_argument("--list", action="store_true",
                   help="list the mutants that would run, and run nothing")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the results as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no line per mutant while running")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..check import mutants as M

    modules = None
    if args.module:
        known = M.formula_modules()
        modules = [m if m.startswith("scratch.") else f"scratch.{m}" for m in args.module]
        unknown = [m for m in modules if m not in known]
        if unknown:
            raise UsageError(f"--module: expected scratch modules of the catalog ("
                             f"{', '.join(k.removeprefix('scratch.') for k in known)}), got "
                             f"{', '.join(u.removeprefix('scratch.') for u in unknown)}")
    if args.jobs < 1:
        raise UsageError(f"--jobs: expected a positive number of processes, got {args.jobs}")
    if args.sample is not None and args.sample < -1:
        raise UsageError(f"--sample: expected a number of mutants >= 0, or -1 for all, "
                         f"got {args.sample}")
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        raise UsageError(f"--json: expected a file in an existing folder, got {args.json}")
    kinds = {"mistakes": ("mistake",), "operators": ("operator",)}.get(args.only,
                                                                        ("mistake", "operator"))
    n = args.sample
    if args.list:
        mods = modules or M.formula_modules()
        mutants = (M.mistake_mutants(mods) if "mistake" in kinds else []) + \
            (M.sample_operators(mods, None if n == -1 else
                                (n if n is not None else
                                 (M.QUICK_OPERATORS if args.mode == "quick" else M.FULL_OPERATORS)),
                                args.seed) if "operator" in kinds else [])
        for m in mutants:
            print(f"{m.kind:8s} {m.path}:{m.line} {m.function}: {m.description}")
        print(f"{len(mutants)} mutants")
        return 0
    log = (lambda *a: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr,
                                                                   flush=True))
    try:
        result = M.run(args.mode, modules, n_operators=n, seed=args.seed, jobs=args.jobs,
                       kinds=kinds, log=log, transitive=args.transitive)
    except RuntimeError as exc:
        print(f"dl-parity mutants: {exc}", file=sys.stderr)
        return 2
    print(M.render(result))
    if args.json:
        tmp = f"{args.json}.tmp"
        with open(tmp, "w") as f:
            json.dump(M.to_json(result), f, indent=1)
        os.replace(tmp, args.json)
    return 0 if result.ok else 1
