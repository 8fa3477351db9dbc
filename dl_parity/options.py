"""Command-line checks shared by the commands: each user mistake is one UsageError line."""
from __future__ import annotations

import math
from pathlib import Path

from dl_parity.cli import UsageError
from dl_parity.settings import SHAPES


def parse_layers(text: str | None, dataset: str, default) -> tuple[int, ...]:
    """"12288,20,7,5,1" -> (12288, 20, 7, 5, 1), its ends checked against the data set."""
    if text is None:
        return tuple(default)
    try:
        dims = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise UsageError(f"--layers: expected comma-separated positive integers such as "
                         f"{','.join(map(str, default))}, got {text!r}") from None
    if len(dims) < 2 or min(dims) < 1:
        raise UsageError(f"--layers: expected at least two positive sizes (input, ..., output), "
                         f"got {text!r}")
    n_x, n_y = SHAPES[dataset]
    if dims[0] != n_x:
        raise UsageError(f"--layers: the first size must be the input size of {dataset}, "
                         f"n_x = {n_x}; got {dims[0]} (in {text!r})")
    if dims[-1] != n_y:
        what = "one sigmoid unit" if n_y == 1 else f"{n_y} softmax units, one per class"
        raise UsageError(f"--layers: the last size must be {n_y} for {dataset} ({what}); "
                         f"got {dims[-1]} (in {text!r})")
    return dims


def check_device(device: str) -> None:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available on this machine "
                         "(torch.cuda.is_available() is False); use --device cpu")


def check_output_path(option: str, path: str | None) -> None:
    if path is None:
        return
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if p.is_dir():
        raise UsageError(f"{option} {path}: is a folder; expected a file name")


def positive(option: str, value, kind=int):
    """``value`` if it is None or a positive finite number, else a UsageError."""
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise UsageError(f"{option}: expected a positive {'integer' if kind is int else 'number'}, "
                         f"got {value}")
    return value


class cpu_threads:
    """Limit NumPy's BLAS (threadpoolctl) and torch's intra-op threads to n, then restore."""

    def __init__(self, n: int):
        self.n = n

    def __enter__(self):
        import torch
        from threadpoolctl import threadpool_limits

        self._torch = torch.get_num_threads()
        self._blas = threadpool_limits(limits=self.n)
        torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self._torch)
        self._blas.restore_original_limits()
        return False
