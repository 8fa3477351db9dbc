"""`dl-parity train`: train the NumPy and/or the PyTorch implementation, side by side.

    dl-parity train --impl both --dataset planar          (what `make demo` runs)

With ``--impl both`` the two start from the same weights (scratch's initialiser draws
the dict, the torch model loads it) and take their steps in lockstep on the same data
(mini-batches: the same batches in the same order); every log line shows both costs and
the largest difference between their parameters.

What runs is a recipe (:mod:`dl_parity.recipes`): the data set's course model and its
course settings (``--model`` picks another model of the data set), with the options
given on top. The model's options are the fields it declares (``dl-parity train --help``
lists them with the models that take each); this command names no model: the model
says how its data loads, how its batches come, what its log rows show, how it is
evaluated and what it plots (:mod:`dl_parity.models.base`).
"""
from __future__ import annotations

import dataclasses
import os
import sys
import time

import numpy as np

from dl_parity.errors import UsageError
from dl_parity.options import (add_model_flags, check_device, check_output_path, cpu_threads,
                               plan_from_args, plot_path, positive, usage)


def add_parser(subparsers):
    from dl_parity.models import REGISTRY
    from dl_parity.recipes import datasets, models_of

    defaults = "; ".join(f"{d}: {', '.join(models_of(d))}" for d in datasets())
    p = subparsers.add_parser(
        "train", help="train the NumPy and/or the PyTorch implementation",
        description="Train scratch (NumPy) and/or torch_ref (PyTorch) on a data set with "
                    "its course settings. With --impl both they start from the same weights "
                    "and run in lockstep.")
    p.add_argument("--impl", choices=("numpy", "torch", "both"), default="both",
                   help="which implementation to train (default: both, in lockstep)")
    p.add_argument("--dataset", choices=datasets(), required=True,
                   help="the data set (its models, the default first: " + defaults + ")")
    models = [m for d in datasets() for m in models_of(d)]
    p.add_argument("--model", choices=tuple(dict.fromkeys(models + list(REGISTRY))),
                   default=None,
                   help="the model (default: the data set's first model that takes every "
                        "option given)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="where the PyTorch side runs (default: cpu)")
    p.add_argument("--cuda-graphs", action="store_true",
                   help="with --device cuda: replay torch's training step from a CUDA graph "
                        "(the same kernels without the per-kernel launch cost; models whose "
                        "torch step is plain SGD on one network: "
                        + ", ".join(_graph_models()) + ")")
    p.add_argument("--save", metavar="PATH",
                   help="write a checkpoint (.npz) at every log line and at the end (the NumPy "
                        "side's parameters when both run)")
    p.add_argument("--plot", metavar="PATH",
                   help="write the learning curves to PATH (.png, .pdf or .svg), and beside it "
                        "PATH-boundary (2-D data) or PATH-misclassified (images) in that format")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads for NumPy's BLAS and for torch (default: 1 with --impl "
                        "both, since with the two sides alternating step by step the idle "
                        "threads of one spin while the other runs; otherwise every CPU)")
    p.add_argument("--quiet", action="store_true", help="no progress bar; log lines only")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder holding the data (catvnoncat/, MNIST/raw/, a names file; "
                        "default: $DL_PARITY_DATA, else ./data; the names: the shipped file)")
    add_model_flags(p)
    p.set_defaults(func=run)
    return p


def default_threads(impl: str) -> int:
    return 1 if impl == "both" else (os.cpu_count() or 1)


def run(args) -> int:
    if args.threads is None:
        args.threads = default_threads(args.impl)
    positive("--threads", args.threads)
    with cpu_threads(args.threads):
        return _run(args)


# ----------------------------------------------------------------------------- the command
def _run(args) -> int:
    plan = plan_from_args(args)
    if args.cuda_graphs:
        check_cuda_graphs(plan)
    check_device(args.device)
    check_output_path("--save", args.save)
    plot = plot_path(args.plot)
    t_load = time.perf_counter()
    data = plan.load_data(args.data_dir)
    try:
        plan = dataclasses.replace(plan, model=plan.model.fit_data(data))
    except ValueError as exc:
        raise usage(exc) from None
    t_load = time.perf_counter() - t_load
    source = plan.batches(data)
    sides = plan.sides(plan.model.initial_parameters(plan.seed))
    if args.cuda_graphs:
        for side in sides:
            if side.name == "torch":
                side.use_cuda_graphs()
    _print_plan(plan, data, source, t_load, args.save)
    if args.cuda_graphs:
        print("  graphs  torch's step captured in a CUDA graph after 3 eager steps and replayed "
              "(torch_ref.graphs.GraphedStep)\n")
    t0 = time.perf_counter()
    outcome = _train(args, plan, data, source, sides)
    if isinstance(outcome, int):
        return outcome
    hist, report, state = outcome
    _summary(args, plan, data, sides, hist, report, time.perf_counter() - t0)
    if args.cuda_graphs:
        g = next(s.graphed for s in sides if s.name == "torch")
        print(f"cuda graphs: {g.replays} steps replayed from {g.captures} capture(s) (one per "
              f"learning rate), {g.eager_steps} eager (warm-up, partial batches)")
    if args.save:
        hint = (f"; sample from it with dl-parity sample --checkpoint {args.save}"
                if plan.model.samples else "")
        print(f"checkpoint: {args.save} ({state}, {plan.impls[0]}'s parameters){hint}")
    if plot:
        for path in make_plots(plot, plan, data, sides, hist):
            print(f"plot: {path}")
    return 0


def check_cuda_graphs(plan) -> None:
    """--cuda-graphs needs the torch side on CUDA, a model whose torch step is one
    network's plain SGD step (``Model.cuda_graphs``), and no optimizer beyond SGD."""
    model = plan.model.name
    if not plan.model.cuda_graphs:
        raise UsageError(f"--cuda-graphs: the {model} model's torch step is not captured in a "
                         f"CUDA graph (only models whose step is one network's plain SGD: "
                         f"{', '.join(_graph_models())}); leave --cuda-graphs out")
    if "torch" not in plan.impls:
        raise UsageError("--cuda-graphs: replays the PyTorch side's step; got --impl numpy")
    if plan.device != "cuda":
        raise UsageError(f"--cuda-graphs: expected --device cuda (CUDA graphs replay GPU "
                         f"kernels); got --device {plan.device}")
    if not plan.optim.is_plain_sgd:
        raise UsageError(f"--cuda-graphs: expected plain SGD (the only optimizer captured and "
                         f"measured so far); got {plan.optim.describe()}")


def _graph_models() -> list[str]:
    from dl_parity.models import REGISTRY

    return [name for name, cls in REGISTRY.items() if cls.cuda_graphs]


def _print_plan(plan, data, source, t_load: float, save) -> None:
    who = " and ".join(plan.impls) + (" in lockstep" if len(plan.impls) == 2 else "")
    print(f"dl-parity train: {who} on {plan.dataset} ({data.describe()}, data loaded in "
          f"{t_load:.1f} s)")
    print(f"  model   {plan.model.describe()}")
    print(f"  init    {plan.model.init_description(plan.seed)}")
    print(f"  train   {plan.describe_training(source)}")
    cost = getattr(plan.model, "cost_description", lambda: "")()
    if cost:
        print(f"  cost    {cost}")
    if save:
        print(f"  save    {save} ({plan.impls[0]}'s parameters, at every log line)")
    print()


def _train(args, plan, data, source, sides):
    """Run the engine with the model's report, the progress bar and the checkpoints;
    returns (history, report, the saved state's label), or the exit status 1 when the run
    diverged."""
    from dl_parity.callbacks import Progress, Saver
    from dl_parity.checkpoint import CheckpointError, save_run_checkpoint
    from dl_parity.engine import Diverged, run

    progress = Progress(source.epochs, "it" if plan.full_batch else "epoch", args.quiet)
    saver = Saver(lambda steps: save_run_checkpoint(args.save, plan, sides[0], steps))
    report = plan.model.report(plan, data)
    report.listeners += [lambda row: [progress.write(line)
                                      for line in report.lines(row, plan.impls)]]
    if args.save:
        report.listeners.append(saver)
    print(report.header(plan.impls), flush=True)
    try:
        hist = run(sides, source, [report, progress])
        state = saver.finish(hist.steps_done, f"{report.unit} {hist.steps_done - 1}"
                             if report.unit == "iteration" else f"epoch {source.epochs}") \
            if args.save else None
    except Diverged as exc:
        progress.close()
        note = "" if not args.save else (
            f"; {args.save} holds the last good state ({saver.last.label})" if saver.last
            else f"; nothing was written to {args.save}")
        print(f"dl-parity: error: training diverged: {exc}; stopped{note}", file=sys.stderr)
        return 1
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    finally:
        progress.close()
    return hist, report, state


# ----------------------------------------------------------------------------- the summary
def _summary(args, plan, data, sides, hist, report, wall: float) -> None:
    """Each side's evaluation and report totals in columns, the time, the lockstep
    agreement and the model's note on it."""
    from dl_parity.callbacks import Progress
    from dl_parity.engine import max_parameter_difference

    progress = Progress(len(sides), "side", args.quiet, desc=f"evaluating {sides[0].name}")
    evaluations = []
    for k, side in enumerate(sides):
        evaluations.append(plan.model.evaluate(side, data))
        progress.advance(f"evaluating {sides[min(k + 1, len(sides) - 1)].name}")
    progress.close()
    print()
    print(f"{'':16}" + "".join(f"{side.name:>12}" for side in sides))
    for label, values in report.summary().items():
        print(f"{label:16}" + "".join(f"{values[s.name]:>12}" for s in sides))
    for label, value in evaluations[0].columns.items():
        if value is None:
            print(f"{label:16}{evaluations[0].notes.get(label, '-'):>24}")
        else:
            print(f"{label:16}" + "".join(f"{e.columns[label]:>12}" for e in evaluations))
    print(f"{'time':16}" + "".join(f"{hist.seconds[s.name]:>10.1f} s" for s in sides)
          + f"   (wall {wall:.1f} s)")
    if len(sides) == 2:
        diff, key = max_parameter_difference(*(s.course_parameters() for s in sides))
        a, b = (np.asarray(hist.costs[s.name]) for s in sides)
        print(f"final max |numpy - torch| over the parameters: {diff:.2e} (in {key}); "
              f"largest |Δ {plan.model.cost_word}| over all {len(a)} steps: "
              f"{np.max(np.abs(a - b)):.2e}")
        note = plan.model.lockstep_note(plan, report, hist, sides)
        if note:
            print(note)
    if plan.model.prints_evaluation:
        _print_evaluations(sides, evaluations)


def _print_evaluations(sides, evaluations) -> None:
    """The first side's evaluation lines; the other side's too where they differ."""
    same = all(e.lines == evaluations[0].lines for e in evaluations[1:])
    others = " and ".join(f"{s.name}'s" for s in sides[1:])
    print(f"\n{sides[0].name}'s parameters" + (f" (the same lines with {others})"
                                              if same and others else "") + ":")
    for side, evaluation in zip(sides, evaluations if not same else evaluations[:1]):
        if side is not sides[0]:
            print(f"\n{side.name}'s parameters:")
        for line in evaluation.lines:
            print(f"  {line}" if line else "")


def make_plots(plot, plan, data, sides, hist) -> list:
    """The learning curves at --plot's path, then the model's own figures beside it."""
    from dl_parity import plots

    path, stem, suffix = plot
    written = [plots.learning_curves(
        hist.costs, path, xlabel="iteration" if plan.full_batch else "mini-batch step",
        title=f"{plan.dataset}: {plan.model.describe()}", log_y=not plan.full_batch)]
    return written + plan.model.plots(stem, suffix, plan, data, sides)
