"""`dl-parity evaluate` (not written yet)."""


def add_parser(subparsers):
    p = subparsers.add_parser("evaluate", help="(not available yet)")
    p.set_defaults(func=lambda args: print("dl-parity evaluate: not available yet") or 1)
    return p
