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
- circles, football, moons: course 2's runs (dl_parity.settings; the course-2 network,
  dl_parity.models.course2), with its options (--init, --lambd, --keep-prob, --optimizer,
  --beta*, --epsilon, --decay, --batch-norm: see dl_parity.commands.train_course2); MNIST
  takes them too (softmax output, fresh dropout masks at every step).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from dl_parity.cli import UsageError
from dl_parity.commands import train_course2
from dl_parity.options import (check_device, check_output_path, cpu_threads, parse_layers,
                               positive)

CUDA_HELP = "use --device cpu"


def add_parser(subparsers):
    from dl_parity.settings import DATASETS

    p = subparsers.add_parser(
        "train", help="train the NumPy and/or the PyTorch implementation",
        description="Train scratch (NumPy) and/or torch_ref (PyTorch) on planar, cat, MNIST "
                    "(course 1; --model cnn: course 4), circles, football, moons (course 2) or "
                    "dinos (course 5). With --impl both they start from the same weights and "
                    "run in lockstep.")
    p.add_argument("--impl", choices=("numpy", "torch", "both"), default="both",
                   help="which implementation to train (default: both, in lockstep)")
    p.add_argument("--dataset", choices=DATASETS + ("dinos", "sonnets"), required=True,
                   help="dinos: course 5's character-level RNN on the dinosaur names (its "
                        "own options: --iterations, --lr, --seed, --names, --save); sonnets: "
                        "course 5's word vectors, skip-gram with negative sampling on "
                        "Shakespeare's sonnets (--epochs, --batch-size, --lr, --seed)")
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp",
                   help="mlp (default: the course-1 network of the data set) or cnn (MNIST only: "
                        "conv-relu-maxpool x 2 -> softmax, course 4)")
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
                        "(planar, circles, football, moons) or PATH-misclassified.png (cat, "
                        "MNIST)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads for NumPy's BLAS and for torch (default: 1 with --impl "
                        "both, since with the two sides alternating step by step the idle "
                        "threads of one spin while the other runs; otherwise every CPU)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar; log lines only")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder holding catvnoncat/ and MNIST/raw/ (default: $DL_PARITY_DATA, "
                        "else ./data)")
    train_course2.add_arguments(p)
    p.set_defaults(func=run)
    from dl_parity.commands.dinos import add_dinos_arguments

    add_dinos_arguments(p)
    return p


# ----------------------------------------------------------------------------- printing
def _fmt_row(step: int, width: int, costs: dict[str, float], diff) -> str:
    cells = [f"{step:>{width}d}"] + [f"{c:>18.12g}" for c in costs.values()]
    if diff is not None:
        a, b = costs.values()
        cells += [f"{abs(a - b):>11.1e}", f"{diff[0]:>11.1e} ({diff[1]})"]
    return "  ".join(cells)


def _header(unit: str, width: int, impls) -> str:
    cells = [f"{unit:>{width}}"] + [f"{'cost ' + name:>18}" for name in impls]
    if len(impls) == 2:
        cells += [f"{'|Δ cost|':>11}", f"{'max |Δ param|':>11}"]
    return "  ".join(cells)


# ----------------------------------------------------------------------------- the command
def default_threads(impl: str) -> int:
    return 1 if impl == "both" else (os.cpu_count() or 1)


def run(args) -> int:
    if args.dataset == "dinos":
        from dl_parity.commands.dinos import run_dinos

        return run_dinos(args)
    if args.dataset == "sonnets":
        from dl_parity.commands.words import run_words

        return run_words(args)
    if args.threads is None:
        args.threads = default_threads(args.impl)
    positive("--threads", args.threads)
    with cpu_threads(args.threads):
        return _run(args)


def plan_from_args(args):
    """The run's :class:`dl_parity.training.Plan`: the data set's course settings, with the
    user's options on top; every inconsistent option is a UsageError."""
    from dl_parity.models.optim import Optim, step_drop
    from dl_parity.settings import CNN_DEFAULTS, DEFAULTS
    from dl_parity.training import course_plan

    d = DEFAULTS[args.dataset]
    if args.model == "cnn":
        _check_cnn_args(args)
        d = CNN_DEFAULTS
    dims = parse_layers(args.layers, args.dataset, d.layer_dims) if args.model == "mlp" \
        else d.layer_dims
    course2 = d.model == "course2" or train_course2.requested(args)
    lr = positive("--lr", args.lr if args.lr is not None
                  else _course2_default(args, course2, "learning_rate", d.learning_rate), float)
    for option in ("iterations", "epochs", "batch_size", "log_every"):
        positive("--" + option.replace("_", "-"), getattr(args, option))
    check_device(args.device)
    check_output_path("--save", args.save)
    check_output_path("--plot", args.plot)
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
    drop = args.lr_drop_epoch if args.lr_drop_epoch is not None \
        else _course2_default(args, course2, "lr_drop_epoch", d.lr_drop_epoch)
    if batch_size is not None and drop is not None and drop < 0:
        raise UsageError(f"--lr-drop-epoch: expected an epoch >= 1 (or 0 for none), got {drop}")
    model, seed = None, d.seed if args.seed is None else args.seed
    optim = Optim(lr, step_drop(drop if batch_size is not None else None))
    if args.model == "cnn":
        from dl_parity.models.cnn import CNN

        model = CNN()
    if course2:
        train_course2.check_args(args, batch_size is None)
        model, optim = train_course2.build(args, d, dims, lr, seed,
                                           drop if batch_size is not None else None)
    return course_plan(
        args.dataset, ["numpy", "torch"] if args.impl == "both" else [args.impl], model=model,
        layer_dims=dims, dtype=args.dtype or d.dtype, device=args.device, seed=seed, optim=optim,
        iterations=None if batch_size else (args.iterations or d.iterations),
        epochs=(args.epochs or d.epochs or 10) if batch_size else None, batch_size=batch_size,
        log_every=args.log_every or d.log_every)


def _course2_default(args, course2: bool, name: str, default):
    """The data set's setting; MNIST's course-2 network with Adam: Adam's (settings)."""
    from dl_parity.settings import MNIST_COURSE2_ADAM

    if course2 and args.dataset == "mnist" and args.optimizer == "adam":
        return MNIST_COURSE2_ADAM[name]
    return default


def _check_cnn_args(args) -> None:
    if args.dataset != "mnist":
        raise UsageError(f"--model cnn: the CNN reads 28x28 images; use --dataset mnist "
                         f"(got {args.dataset})")
    if args.layers is not None:
        raise UsageError("--layers: not available with --model cnn (its sizes are fixed by "
                         "scratch.fast_conv.initialize_parameters_cnn)")


def _print_plan(plan, data, t_load: float, save) -> None:
    who = " and ".join(plan.impls) + (" in lockstep" if len(plan.impls) == 2 else "")
    print(f"dl-parity train: {who} on {plan.dataset} ({data.X_train.shape[0]} features, "
          f"data loaded in {t_load:.1f} s)")
    print(f"  model   {plan.model.describe()}")
    print(f"  init    {plan.model.init_description(plan.seed)}")
    optim = "" if plan.optim.is_plain_sgd else f", {plan.optim.describe()}"
    print(f"  train   lr {plan.optim.learning_rate:g}{optim}, "
          f"{plan.describe_schedule(data.X_train.shape[1])}, {plan.dtype}"
          + (f", torch on {plan.device}" if "torch" in plan.impls else ""))
    if save:
        print(f"  save    {save} ({plan.impls[0]}'s parameters, at every log line)")
    print()


def _run(args) -> int:
    from dl_parity.data import load_data

    plan = plan_from_args(args)
    t_load = time.perf_counter()
    data = load_data(plan.dataset, args.data_dir).astype(plan.dtype)
    t_load = time.perf_counter() - t_load
    sides = plan.sides(plan.model.initial_parameters(plan.seed))
    _print_plan(plan, data, t_load, args.save)
    unit = "iteration" if plan.full_batch else "epoch"
    print(_header(unit, max(len(unit), 5), plan.impls), flush=True)
    t0 = time.perf_counter()
    outcome = _train(args, plan, data, sides, unit)
    if isinstance(outcome, int):
        return outcome
    hist, logger, saved = outcome
    _summary(args, plan, data, sides, hist, logger, saved, time.perf_counter() - t0, unit)
    return 0


def _train(args, plan, data, sides, unit):
    """Run the engine with the log, progress and checkpoint callbacks; returns (history,
    logger, saved rows), or the exit status 1 when the run diverged."""
    from dl_parity.callbacks import Logger, Progress
    from dl_parity.checkpoint import CheckpointError
    from dl_parity.engine import Diverged, run

    width = max(len(unit), 5)
    progress = Progress(plan.iterations if plan.full_batch else plan.epochs,
                        "it" if plan.full_batch else "epoch", args.quiet)
    saved: list = []
    m = data.X_train.shape[1]

    def on_row(row):
        progress.write(_fmt_row(row.step, width, row.costs, row.max_diff))
        if args.save:
            _save(args.save, plan, sides[0], _steps(row, plan, m))
            saved.append(row.step)

    logger = Logger(plan.full_batch, plan.log_every, [on_row])
    try:
        hist = run(sides, plan.source(data.X_train, data.Y_train), [logger, progress])
    except Diverged as exc:
        progress.close()
        note = "" if not args.save else (
            f"; {args.save} holds the last good state ({unit} {saved[-1]})" if saved
            else f"; nothing was written to {args.save}")
        print(f"dl-parity: error: training diverged: {exc}; stopped{note}", file=sys.stderr)
        return 1
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    finally:
        progress.close()
    return hist, logger, saved


def _save(path, plan, side, steps: int) -> None:
    from dl_parity.checkpoint import save_run_checkpoint

    save_run_checkpoint(path, plan, side, steps)


def _summary(args, plan, data, sides, hist, logger, saved, wall, unit) -> None:
    from dl_parity.engine import max_parameter_difference
    from dl_parity.training import accuracy, separation_note

    print()
    print(f"{'':16}" + "".join(f"{side.name:>12}" for side in sides))
    print(f"{'train accuracy':16}" + "".join(
        f"{100 * accuracy(s, data.X_train, data.y_train):>10.2f} %" for s in sides))
    if data.X_test is not None:
        print(f"{'test accuracy':16}" + "".join(
            f"{100 * accuracy(s, data.X_test, data.y_test):>10.2f} %" for s in sides))
    else:
        print(f"{'test accuracy':16}{f'({plan.dataset} has no test set)':>24}")
    print(f"{'time':16}" + "".join(f"{hist.seconds[s.name]:>10.1f} s" for s in sides)
          + f"   (wall {wall:.1f} s)")
    if len(sides) == 2:
        diff, key = max_parameter_difference(*(s.course_parameters() for s in sides))
        a, b = (np.asarray(hist.costs[s.name]) for s in sides)
        print(f"final max |numpy - torch| over the parameters: {diff:.2e} (in {key}); "
              f"largest |Δ cost| over all {len(a)} steps: {np.max(np.abs(a - b)):.2e}")
        note = separation_note(logger.rows, hist.costs, plan)
        if note:
            print(note)
    if args.save:
        print(f"checkpoint: {args.save} ({unit} {saved[-1]}, {plan.impls[0]}'s parameters)")
    if args.plot:
        for path in make_plots(args.plot, plan, data, sides, hist, unit):
            print(f"plot: {path}")


def _steps(row, plan, m) -> int:
    """Gradient steps done at a log row: iterations + 1, or epochs x batches per epoch."""
    if plan.full_batch:
        return row.step + 1
    return row.step * -(-m // plan.batch_size)


def make_plots(path, plan, data, sides, hist, unit) -> list:
    from dl_parity import plots
    from dl_parity.settings import TWO_D

    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() == ".png" else path
    written = [plots.learning_curves(
        hist.costs, path, xlabel="iteration" if unit == "iteration" else "mini-batch step",
        title=f"{plan.dataset}: {plan.model.describe()}", log_y=unit != "iteration")]
    if plan.dataset in TWO_D:
        titles = {"planar": "planar flower", "circles": "circles (course 2, initialization)",
                  "football": "football (course 2, regularization)",
                  "moons": "moons (course 2, optimization)"}
        written.append(plots.decision_boundary(
            {s.name: s.predict for s in sides}, data.X_train, data.y_train,
            f"{stem}-boundary.png", title=titles[plan.dataset]))
    elif data.X_test is not None:
        side = sides[0]
        written.append(plots.misclassified_grid(
            data.X_test, data.y_test, side.predict(data.X_test), data.image_shape, data.classes,
            f"{stem}-misclassified.png",
            title=f"{plan.dataset} test images {side.name} gets wrong"))
    return written
