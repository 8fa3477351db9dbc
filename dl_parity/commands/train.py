"""`dl-parity train` (not written yet)."""


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="(not available yet)")
    p.set_defaults(func=lambda args: print("dl-parity train: not available yet") or 1)
    return p
