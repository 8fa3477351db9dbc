"""`dl-parity study` (not written yet)."""


def add_parser(subparsers):
    p = subparsers.add_parser("study", help="(not available yet)")
    p.set_defaults(func=lambda args: print("dl-parity study: not available yet") or 1)
    return p
