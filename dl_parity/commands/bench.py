"""`dl-parity bench` (not written yet)."""


def add_parser(subparsers):
    p = subparsers.add_parser("bench", help="(not available yet)")
    p.set_defaults(func=lambda args: print("dl-parity bench: not available yet") or 1)
    return p
