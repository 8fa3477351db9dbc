"""`dl-parity train`: train the NumPy and/or the PyTorch implementation, side by side.

    dl-parity train --impl both --dataset planar          (what `make demo` runs)

With ``--impl both`` the two start from the same weights (scratch's initialiser draws
the dict, the torch model loads it) and take their steps in lockstep on the same data
(MNIST: the same mini-batches in the same order); every log line shows both costs and
the largest difference between their parameters.

Defaults per data set (the course's where the course has a model):

- planar: 2 -> 4 (tanh) -> 1 (sigmoid), ``np.random.seed(2)``, W = randn * 0.01,
  lr 1.2, 10000 iterations, full batch, float64 (week 3).
- cat: [12288, 20, 7, 5, 1], ReLU, W = randn / sqrt(n[l-1]) after ``np.random.seed(1)``,
  lr 0.0075, 2500 iterations, full batch, float64 (week 4's application).
- mnist: [784, 256, 128, 10], ReLU, softmax, He initialisation (seed 1), mini-batch
  SGD, batch 64, 10 epochs, learning rate 0.2 for six epochs then 0.02 (step decay),
  float64. Constant-rate SGD ends wherever its noise puts it (+-0.3 % from one epoch to
  the next); the drop lets it settle: 98.29 / 98.24 / 98.19 % test accuracy for seeds
  1 / 2 / 3 (the smaller [784, 128, 64, 10] with the same schedule: 97.80 / 98.10 / 98.02 %).
  float64 rather than float32 so the two sides can be held to float64's tolerance over
  all 9380 steps: the run is a parity check as well as a training run.
"""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from dl_parity.cli import UsageError

CUDA_HELP = "use --device cpu"


def add_parser(subparsers):
    from dl_parity.runner import DATASETS

    p = subparsers.add_parser(
        "train", help="train the NumPy and/or the PyTorch implementation",
        description="Train scratch (NumPy) and/or torch_ref (PyTorch) on planar, cat or MNIST. "
                    "With --impl both they start from the same weights and run in lockstep.")
    p.add_argument("--impl", choices=("numpy", "torch", "both"), default="both",
                   help="which implementation to train (default: both, in lockstep)")
    p.add_argument("--dataset", choices=DATASETS, required=True)
    p.add_argument("--layers", metavar="N0,N1,...,NL",
                   help="layer sizes, input first (default: the data set's course model, e.g. "
                        "12288,20,7,5,1 for cat)")
    p.add_argument("--lr", type=float, metavar="ALPHA", help="learning rate")
    steps = p.add_mutually_exclusive_group()
    steps.add_argument("--iterations", type=int, metavar="N",
                       help="full-batch gradient-descent steps (planar, cat)")
    steps.add_argument("--epochs", type=int, metavar="N",
                       help="passes over the data with mini-batches (MNIST, or with --batch-size)")
    p.add_argument("--batch-size", type=int, metavar="B",
                   help="mini-batch size (default: full batch for planar and cat, 64 for MNIST)")
    p.add_argument("--lr-drop-epoch", type=int, metavar="E",
                   help="mini-batch training: multiply the learning rate by 0.1 from epoch E "
                        "on (step decay; default 7 for MNIST: 0.2 for six epochs, then 0.02; "
                        "0 for a constant rate)")
    p.add_argument("--seed", type=int, help="seed of the initial weights (and of the "
                   "mini-batch shuffles: seed + epoch)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="where the PyTorch side runs (default: cpu)")
    p.add_argument("--dtype", choices=("float32", "float64"),
                   help="float type of both sides (default: float64)")
    p.add_argument("--log-every", type=int, metavar="N",
                   help="full batch: iterations between log lines (default 1000 planar, 100 cat)")
    p.add_argument("--save", metavar="PATH",
                   help="write a checkpoint (.npz) at every log line and at the end (the NumPy "
                        "side's parameters when both run)")
    p.add_argument("--plot", metavar="PATH",
                   help="write the learning curves to PATH (PNG), and beside it PATH-boundary.png "
                        "(planar) or PATH-misclassified.png (cat, MNIST)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads for NumPy's BLAS and for torch (default: 1 with --impl "
                        "both, since with the two sides alternating step by step the idle "
                        "threads of one spin while the other runs; otherwise every CPU)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar; log lines only")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder holding catvnoncat/ and MNIST/raw/ (default: $DL_PARITY_DATA, "
                        "else ./data)")
    p.set_defaults(func=run)
    return p


# ----------------------------------------------------------------------------- argument checks
def parse_layers(text: str | None, dataset: str, default) -> tuple[int, ...]:
    """"12288,20,7,5,1" -> (12288, 20, 7, 5, 1), its ends checked against the data set."""
    from dl_parity.runner import SHAPES

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


def _positive(option: str, value, kind=int):
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


# ----------------------------------------------------------------------------- progress
class Progress:
    """A tqdm bar on stderr when it is a terminal (and not --quiet); the log lines go to
    stdout either way (through ``tqdm.write`` while a bar is shown, so they do not tear it)."""

    def __init__(self, total: float, unit: str, quiet: bool):
        self.bar = None
        self.every = max(1, int(total) // 200) if unit == "it" else 1
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True,
                            leave=False, bar_format=None if unit == "it" else
                            "{l_bar}{bar}| {n:.2f}/{total} epochs [{elapsed}<{remaining}{postfix}]")
        self._count = 0

    def step(self, progress: float, costs: dict[str, float]) -> None:
        if self.bar is None:
            return
        self._count += 1
        if self._count % self.every and progress < self.bar.total:
            return
        self.bar.n = progress
        self.bar.set_postfix({f"J {k}": f"{v:.6f}" for k, v in costs.items()}, refresh=False)
        self.bar.refresh()

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _fmt_row(step: int, width: int, costs: dict[str, float], diff) -> str:
    cells = [f"{step:>{width}d}"] + [f"{c:>18.12g}" for c in costs.values()]
    if diff is not None:
        a, b = costs.values()
        cells += [f"{abs(a - b):>11.1e}", f"{diff[0]:>11.1e} ({diff[1]})"]
    return "  ".join(cells)


def _header(unit: str, width: int, impls: list[str]) -> str:
    cells = [f"{unit:>{width}}"] + [f"{'cost ' + name:>18}" for name in impls]
    if len(impls) == 2:
        cells += [f"{'|Δ cost|':>11}", f"{'max |Δ param|':>11}"]
    return "  ".join(cells)


# ----------------------------------------------------------------------------- the command
def default_threads(impl: str) -> int:
    return 1 if impl == "both" else (os.cpu_count() or 1)


def run(args) -> int:
    if args.threads is None:
        args.threads = default_threads(args.impl)
    _positive("--threads", args.threads)
    with cpu_threads(args.threads):
        return _run(args)


def _run(args) -> int:
    from dl_parity import runner
    from dl_parity.checkpoint import Checkpoint, CheckpointError, save_checkpoint

    d = runner.DEFAULTS[args.dataset]
    dims = parse_layers(args.layers, args.dataset, d.layer_dims)
    lr = _positive("--lr", args.lr if args.lr is not None else d.learning_rate, float)
    _positive("--iterations", args.iterations)
    _positive("--epochs", args.epochs)
    _positive("--batch-size", args.batch_size)
    _positive("--log-every", args.log_every)
    check_device(args.device)
    check_output_path("--save", args.save)
    check_output_path("--plot", args.plot)
    dtype = args.dtype or d.dtype
    seed = d.seed if args.seed is None else args.seed
    impls = ["numpy", "torch"] if args.impl == "both" else [args.impl]

    batch_size = args.batch_size if args.batch_size is not None else d.batch_size
    if batch_size is None and args.epochs is not None:
        raise UsageError(f"--epochs: {args.dataset} trains full batch (one step per iteration); "
                         f"use --iterations N, or give --batch-size B for mini-batches")
    if batch_size is not None and args.iterations is not None:
        raise UsageError(f"--iterations: with mini-batches (batch size {batch_size}) training "
                         f"is counted in epochs; use --epochs N")
    if args.lr_drop_epoch is not None and batch_size is None:
        raise UsageError("--lr-drop-epoch: only mini-batch training (counted in epochs) has a "
                         "learning-rate schedule; give --batch-size B too")
    if batch_size is not None:
        drop = args.lr_drop_epoch if args.lr_drop_epoch is not None else d.lr_drop_epoch
        if drop is not None and drop < 0:
            raise UsageError(f"--lr-drop-epoch: expected an epoch >= 1 (or 0 for none), got {drop}")
        config = runner.TrainConfig(lr, epochs=args.epochs or d.epochs or 10,
                                    batch_size=batch_size, seed=seed, lr_drop_epoch=drop or None)
    else:
        config = runner.TrainConfig(lr, iterations=args.iterations or d.iterations, seed=seed,
                                    log_every=args.log_every or d.log_every)

    spec = runner.ModelSpec(args.dataset, dims, d.hidden_activation, d.output_activation)
    t_load = time.perf_counter()
    data = runner.load_data(args.dataset, args.data_dir).astype(dtype)
    t_load = time.perf_counter() - t_load
    parameters = runner.initial_parameters(spec, seed)
    nets = [runner.build(name, spec, parameters, dtype, args.device) for name in impls]

    m = data.X_train.shape[1]
    if config.epochs is None:
        schedule = f"{config.iterations} iterations, full batch (m = {m})"
    else:
        n_batches = -(-m // config.batch_size)
        schedule = (f"{config.epochs} epochs x {n_batches} mini-batches of {config.batch_size} "
                    f"(m = {m}; course's random_mini_batches, seed {seed} + epoch)")
        if config.lr_drop_epoch is not None:
            schedule += (f", lr x 0.1 from epoch {config.lr_drop_epoch} "
                         f"({config.learning_rate_at(config.lr_drop_epoch):g})")
    who = " and ".join(impls) + (" in lockstep" if len(impls) == 2 else "")
    print(f"dl-parity train: {who} on {args.dataset} ({data.X_train.shape[0]} features, "
          f"data loaded in {t_load:.1f} s)")
    print(f"  model   {spec.describe()}")
    print(f"  init    {runner.init_description(spec, seed)}")
    print(f"  train   lr {lr:g}, {schedule}, {dtype}"
          + (f", torch on {args.device}" if "torch" in impls else ""))
    if args.save:
        print(f"  save    {args.save} ({impls[0]}'s parameters, at every log line)")
    print()

    unit = "iteration" if config.epochs is None else "epoch"
    width = max(len(unit), 5)
    print(_header(unit, width, impls), flush=True)
    progress = Progress(config.iterations if config.epochs is None else config.epochs,
                        "it" if config.epochs is None else "epoch", args.quiet)
    saved: list = []

    def on_log(row):
        progress.write(_fmt_row(row.step, width, row.costs, row.max_diff))
        if args.save:
            save_checkpoint(args.save, Checkpoint(
                nets[0].course_parameters(), list(dims), spec.hidden_activation,
                spec.output_activation, args.dataset, dtype, impls[0],
                step=_steps(row, config, m)))
            saved.append(row.step)

    t0 = time.perf_counter()
    try:
        hist = runner.train(nets, data, config, on_step=progress.step, on_log=on_log)
    except runner.Diverged as exc:
        progress.close()
        if not args.save:
            note = ""
        elif saved:
            note = f"; {args.save} holds the last good state ({unit} {saved[-1]})"
        else:
            note = f"; nothing was written to {args.save}"
        print(f"dl-parity: error: training diverged: {exc}; stopped{note}", file=sys.stderr)
        return 1
    except CheckpointError as exc:
        progress.close()
        raise UsageError(str(exc)) from None
    finally:
        progress.close()
    wall = time.perf_counter() - t0

    # ------------------------------------------------------------------ the summary
    print()
    print(f"{'':16}" + "".join(f"{name:>12}" for name in impls))
    print(f"{'train accuracy':16}" + "".join(
        f"{100 * runner.accuracy(n, data.X_train, data.y_train):>10.2f} %" for n in nets))
    if data.X_test is not None:
        print(f"{'test accuracy':16}" + "".join(
            f"{100 * runner.accuracy(n, data.X_test, data.y_test):>10.2f} %" for n in nets))
    else:
        print(f"{'test accuracy':16}{'(planar has no test set)':>24}")
    print(f"{'time':16}" + "".join(f"{hist.seconds[n]:>10.1f} s" for n in impls)
          + f"   (wall {wall:.1f} s)")
    if len(nets) == 2:
        diff, key = runner.max_parameter_difference(nets[0].course_parameters(),
                                                    nets[1].course_parameters())
        a, b = (np.asarray(hist.costs[n]) for n in impls)
        print(f"final max |numpy - torch| over the parameters: {diff:.2e} (in {key}); "
              f"largest |Δ cost| over all {len(a)} steps: {np.max(np.abs(a - b)):.2e}")
        note = separation_note(hist, config, dtype)
        if note:
            print(note)
    if args.save:
        print(f"checkpoint: {args.save} ({unit} {saved[-1]}, {impls[0]}'s parameters)")
    if args.plot:
        for path in make_plots(args.plot, spec, data, nets, hist, unit):
            print(f"plot: {path}")
    return 0


def separation_note(hist, config, dtype) -> str:
    """Say where the two runs separated, when a float64 run ends far apart.

    Gradient descent past its stability limit (the learning rate above 2 / the largest
    Hessian eigenvalue) amplifies any difference step after step, so two routes whose
    roundings differ in the last bit drift apart from there on, as do two NumPy runs one
    ulp apart (measured in parity_tests/test_course_results.py::test_course_planar).
    """
    rows = hist.rows
    if dtype != "float64" or not rows or rows[-1].max_diff is None \
            or rows[-1].max_diff[0] <= 1e-6:
        return ""
    close = [r for r in rows if r.max_diff[0] <= 1e-9]
    if not close or close[-1] is rows[-1]:
        return ""
    unit = "iteration" if config.epochs is None else "epoch"
    text = (f"note: the two runs agreed to {max(r.max_diff[0] for r in close):.0e} through "
            f"{unit} {close[-1].step}, then separated.")
    costs = np.asarray(hist.costs["numpy"])
    rises = np.flatnonzero(np.diff(costs) > 0)
    if config.epochs is None and rises.size:
        text += (f" The cost first rises at iteration {rises[0] + 1}: at lr "
                 f"{config.learning_rate:g} gradient descent is past its stability limit "
                 f"there, which amplifies the last-bit rounding differences of any two "
                 f"routes (two NumPy runs one ulp apart as well), so from then on neither "
                 f"run is the reference for the other.")
    return text


def _steps(row, config, m) -> int:
    """Gradient steps done at a log row: iterations + 1, or epochs x batches per epoch."""
    if config.epochs is None:
        return row.step + 1
    return row.step * -(-m // config.batch_size)


def make_plots(path, spec, data, nets, hist, unit) -> list:
    from dl_parity import plots

    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() == ".png" else path
    written = [plots.learning_curves(
        hist.costs, path, xlabel="iteration" if unit == "iteration" else "mini-batch step",
        title=f"{spec.dataset}: {spec.describe()}", log_y=unit != "iteration")]
    if spec.dataset == "planar":
        written.append(plots.decision_boundary(
            {n.name: n.predict for n in nets}, data.X_train, data.y_train,
            f"{stem}-boundary.png", title="planar flower"))
    elif data.X_test is not None:
        net = nets[0]
        written.append(plots.misclassified_grid(
            data.X_test, data.y_test, net.predict(data.X_test), data.image_shape, data.classes,
            f"{stem}-misclassified.png",
            title=f"{spec.dataset} test images {net.name} gets wrong"))
    return written
