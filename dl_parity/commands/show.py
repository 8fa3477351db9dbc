"""`dl-parity show` (not written yet)."""


def add_parser(subparsers):
    p = subparsers.add_parser("show", help="(not available yet)")
    p.set_defaults(func=lambda args: print("dl-parity show: not available yet") or 1)
    return p
