"""`dl-parity train --dataset dinos`: course 5's Dinosaurus Island model through the engine.

    dl-parity train --dataset dinos --impl both            (the course's run, both sides)

The course's ``model(data_x, ix_to_char, char_to_ix, 22001)``, run by the project's one
training loop (:func:`dl_parity.engine.run`): weights from the course's
``initialize_parameters`` (``np.random.seed(1)``), the 1536 names shuffled once after
``np.random.seed(0)``, one name per iteration (examples[j % 1536]), the last hidden state
carried from one name into the next, SGD at 0.01 with the gradients clipped at 5. Every
1000 iterations it prints each side's smoothed loss (the course's printed number) and the
7 names each side samples (seeds 0..6), and with ``--impl both`` the largest difference
between the two sides' parameters. ``--save PATH`` writes a char-RNN checkpoint
(:mod:`dl_parity.checkpoint_char`) at every log line and at the end, which
``dl-parity sample`` reads.

The train command dispatches here (``run_dinos(args)``) with its own parsed options;
``add_dinos_arguments(parser)`` adds the one option only this data set has (--names).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from dl_parity.cli import UsageError

#: the notebook's call: model(data_x, ix_to_char, char_to_ix, 22001, verbose=True)
DEFAULT_ITERATIONS = 22001

#: train's options that mean nothing for the character model, and why
_NOT_FOR_DINOS = {
    "layers": "--layers: the character model's sizes are fixed (27 -> 50 -> 27)",
    "epochs": "--epochs: the character model trains one name per iteration; use --iterations N",
    "batch_size": "--batch-size: the character model trains on one name per step",
    "lr_drop_epoch": "--lr-drop-epoch: the character model's learning rate is constant",
    "plot": "--plot: not available for dinos (its report is the printed loss and names)",
}


def add_dinos_arguments(parser) -> None:
    """The options only ``--dataset dinos`` reads (added to the train command's parser)."""
    parser.add_argument("--names", type=int, default=None, metavar="N",
                        help="dinos: names sampled from each side at every log line "
                             "(default 7, the course's; the smoothed loss starts from the "
                             "course's -log(1/27) x 7 whatever N is)")


def _check_args(args):
    from dl_parity.options import check_device, check_output_path, positive

    if getattr(args, "model", "mlp") not in (None, "mlp"):
        raise UsageError(f"--model {args.model}: not available with --dataset dinos (its model "
                         f"is the course's character-level RNN)")
    for option, message in _NOT_FOR_DINOS.items():
        if getattr(args, option, None) is not None:
            raise UsageError(message)
    positive("--iterations", getattr(args, "iterations", None))
    positive("--lr", getattr(args, "lr", None), float)
    positive("--log-every", getattr(args, "log_every", None))
    names = getattr(args, "names", None)
    if names is not None and names < 1:
        raise UsageError(f"--names: expected a positive integer, got {names}")
    check_device(getattr(args, "device", "cpu") or "cpu")
    check_output_path("--save", getattr(args, "save", None))


def _names_path(data_dir):
    """The names file: the shipped dinos.txt, or DIR/dinos.txt (or DIR/dinos/dinos.txt)."""
    if data_dir is None:
        return None
    for candidate in (Path(data_dir) / "dinos.txt", Path(data_dir) / "dinos" / "dinos.txt"):
        if candidate.is_file():
            return candidate
    raise UsageError(f"--data-dir {data_dir}: no dinos.txt there (nor dinos/dinos.txt); leave "
                     f"--data-dir out to use the shipped names")


def run_dinos(args) -> int:
    """Train the character model as ``args`` (the train command's options) say; the exit
    status (0, or 1 when training diverged)."""
    from dl_parity.options import cpu_threads, positive

    _check_args(args)
    threads = getattr(args, "threads", None)
    if threads is None:
        threads = 1 if args.impl == "both" else (os.cpu_count() or 1)
    positive("--threads", threads)
    with cpu_threads(threads):
        return _run(args)


def _run(args) -> int:
    from dl_parity.models.char_rnn import (COURSE_EVERY, COURSE_NAMES, COURSE_WEIGHT_SEED,
                                           CharRNN, CourseNames)
    from scratch.char_rnn import load_dinos

    impls = ["numpy", "torch"] if args.impl == "both" else [args.impl]
    iterations = getattr(args, "iterations", None) or DEFAULT_ITERATIONS
    every = getattr(args, "log_every", None) or COURSE_EVERY
    dino_names = getattr(args, "names", None) or COURSE_NAMES
    seed = COURSE_WEIGHT_SEED if getattr(args, "seed", None) is None else args.seed
    dtype = getattr(args, "dtype", None) or "float64"
    device = getattr(args, "device", None) or "cpu"
    save = getattr(args, "save", None)
    path = _names_path(getattr(args, "data_dir", None))
    try:
        _, char_to_ix, ix_to_char = load_dinos(path)
        source = CourseNames.course(iterations, path)
    except ValueError as exc:
        raise UsageError(f"the names file: {exc}") from None
    model = CharRNN(vocab_size=len(char_to_ix),
                    learning_rate=args.lr if args.lr is not None else 0.01)
    initial = model.initial_parameters(seed)
    sides = [model.side(impl, initial, dtype, device) for impl in impls]
    vocabulary = "".join(ix_to_char[i] for i in range(len(ix_to_char)))

    _print_plan(impls, source, char_to_ix, model, seed, iterations, dtype, device, save)
    return _train(args, sides, source, char_to_ix, ix_to_char, every, dino_names, vocabulary,
                  dtype, iterations, impls, save)


def _print_plan(impls, source, char_to_ix, model, seed, iterations, dtype, device, save) -> None:
    who = " and ".join(impls) + (" in lockstep" if len(impls) == 2 else "")
    print(f"dl-parity train: {who} on dinos ({len(source.examples)} names, "
          f"{len(char_to_ix)} characters)")
    print(f"  model   {model.describe()}")
    print(f"  init    {model.init_description(seed)}")
    print(f"  train   lr {model.learning_rate:g}, {iterations} iterations, one name each (the "
          f"names shuffled once after np.random.seed(0)), {dtype}"
          + (f", torch on {device}" if "torch" in impls else ""))
    if save:
        print(f"  save    {save} ({impls[0]}'s parameters, at every log line)")
    print()
    print(_header(impls), flush=True)


def _train(args, sides, source, char_to_ix, ix_to_char, every, dino_names, vocabulary, dtype,
           iterations, impls, save) -> int:
    """The engine with the smoothed-loss report, the progress bar and the checkpoints."""
    from dl_parity.callbacks import Progress
    from dl_parity.engine import Diverged, run
    from dl_parity.models.char_rnn import COURSE_NAMES, SmoothedLoss

    progress = Progress(iterations, "it", getattr(args, "quiet", False))
    saved: list[int] = []

    def on_row(row):
        progress.write(_fmt_row(row, impls))
        for line in _fmt_names(row, impls):
            progress.write(line)
        if save:
            _save(save, sides[0], vocabulary, dtype, row.iteration + 1)
            saved.append(row.iteration)

    report = SmoothedLoss(char_to_ix, ix_to_char, every, dino_names, [on_row],
                          seq_length=COURSE_NAMES)
    t0 = time.perf_counter()
    try:
        hist = run(sides, source, [report, progress])
    except Diverged as exc:
        progress.close()
        note = "" if not save else (
            f"; {save} holds the last good state (iteration {saved[-1]})" if saved
            else f"; nothing was written to {save}")
        print(f"dl-parity: error: training diverged: {exc}; stopped{note}", file=sys.stderr)
        return 1
    finally:
        progress.close()
    wall = time.perf_counter() - t0
    if save:
        _save(save, sides[0], vocabulary, dtype, hist.steps_done)
    _summary(sides, hist, report, wall, save)
    return 0


def _save(path, side, vocabulary: str, dtype: str, step: int) -> None:
    from dl_parity.checkpoint import CheckpointError
    from dl_parity.checkpoint_char import CharCheckpoint, save_char_checkpoint

    try:
        save_char_checkpoint(path, CharCheckpoint(side.course_parameters(), vocabulary, "dinos",
                                                  dtype, side.name, step))
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None


# ----------------------------------------------------------------------------- printing
def _header(impls) -> str:
    cells = [f"{'iteration':>9}"] + [f"{'loss ' + name:>12}" for name in impls]
    if len(impls) == 2:
        cells.append("max |Δ param|")
    return "  ".join(cells)


def _fmt_row(row, impls) -> str:
    """The course's "Iteration: %d, Loss: %f" of each side, on one line."""
    cells = [f"{row.iteration:>9d}"] + [f"{row.losses[name]:>12f}" for name in impls]
    if row.max_diff is not None:
        cells.append(f"{row.max_diff[0]:.1e} ({row.max_diff[1]})")
    return "  ".join(cells)


def _fmt_names(row, impls) -> list[str]:
    """The sampled names, one column per side (the course prints them one a line)."""
    columns = [row.names[name] for name in impls]
    width = max(len(n) for col in columns for n in col) + 2
    lines = ["           " + "".join(f"{name:<{width}}" for name in impls).rstrip()]
    for names in zip(*columns):
        lines.append("           " + "".join(f"{n:<{width}}" for n in names).rstrip())
    return lines + [""]


def _summary(sides, hist, report, wall, save) -> None:
    from dl_parity.engine import max_parameter_difference

    print(f"{'':16}" + "".join(f"{side.name:>14}" for side in sides))
    print(f"{'smoothed loss':16}" + "".join(f"{report.loss[s.name]:>14f}" for s in sides))
    print(f"{'time':16}" + "".join(f"{hist.seconds[s.name]:>12.1f} s" for s in sides)
          + f"   (wall {wall:.1f} s, {hist.steps_done} iterations)")
    if len(sides) == 2:
        diff, key = max_parameter_difference(*(s.course_parameters() for s in sides))
        a, b = (np.asarray(hist.costs[s.name]) for s in sides)
        print(f"final max |numpy - torch| over the parameters: {diff:.2e} (in {key}); "
              f"largest |Δ loss| over all {len(a)} iterations: {np.max(np.abs(a - b)):.2e}")
        if np.dtype(sides[0].dtype) == np.float64:
            print("(measured, float64 on CPU: the two stay within 1e-12 of each other until "
                  "iteration 11400, 1e-10 until 12320, 1e-8 until 13167; then the chaotic "
                  "dynamics amplify the last-bit differences and they part, as two NumPy runs "
                  "from weights one ulp apart do: parity_tests/test_char_rnn_engine.py)")
    if save:
        print(f"checkpoint: {save} (iteration {hist.steps_done - 1}, {sides[0].name}'s "
              f"parameters); sample from it with dl-parity sample --checkpoint {save}")
