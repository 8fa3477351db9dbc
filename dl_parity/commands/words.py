"""`dl-parity train --dataset sonnets`: word vectors (course 5, week 2) by skip-gram with
negative sampling on Shakespeare's sonnets, through the engine.

    dl-parity train --dataset sonnets --impl both        (both sides in lockstep)

The model, its batch source and its report are :mod:`dl_parity.models.word2vec` (a unit in
today's style, to be ported onto the model protocol of issue 16). Each epoch the pairs are
shuffled and the negatives drawn once by NumPy and given to both sides. One log line per
epoch (each side's mean cost; with ``--impl both`` the largest parameter difference), then
the nearest words of a few queries by cosine similarity and the course's analogy on the
trained vectors (``scratch.word_vectors``).

The train command dispatches here (``run_words(args)``) with its own parsed options.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from dl_parity.cli import UsageError

#: train's options that mean nothing for the word vectors, and why
_NOT_FOR_WORDS = {
    "layers": "--layers: the word vectors' sizes are the vocabulary and --emb-dim's 50",
    "iterations": "--iterations: the word vectors train in epochs of mini-batches; use --epochs N",
    "lr_drop_epoch": "--lr-drop-epoch: the word vectors' learning rate is constant",
    "plot": "--plot: not available for sonnets (its report is the printed neighbours)",
    "save": "--save: not available for sonnets yet (the model protocol's one checkpoint "
            "format will carry word vectors)",
    "log_every": "--log-every: sonnets logs once per epoch",
    "names": "--names: only --dataset dinos samples names",
}


def _check_args(args) -> None:
    from dl_parity.commands import train_course2
    from dl_parity.options import check_device, positive

    if getattr(args, "model", "mlp") not in (None, "mlp"):
        raise UsageError(f"--model {args.model}: not available with --dataset sonnets (its model "
                         f"is skip-gram with negative sampling)")
    for option, message in _NOT_FOR_WORDS.items():
        if getattr(args, option, None) is not None:
            raise UsageError(message)
    if train_course2.requested(args):
        raise UsageError("course-2 options (--optimizer, --keep-prob, ...) apply to the course-2 "
                         "data sets, not to --dataset sonnets")
    for option in ("epochs", "batch_size", "threads"):
        positive("--" + option.replace("_", "-"), getattr(args, option, None))
    positive("--lr", getattr(args, "lr", None), float)
    check_device(getattr(args, "device", "cpu") or "cpu")


def _corpus_path(data_dir):
    """The shipped sonnets, or DIR/sonnets.txt (or DIR/shakespeare/sonnets.txt)."""
    if data_dir is None:
        return None
    for candidate in (Path(data_dir) / "sonnets.txt",
                      Path(data_dir) / "shakespeare" / "sonnets.txt"):
        if candidate.is_file():
            return candidate
    raise UsageError(f"--data-dir {data_dir}: no sonnets.txt there (nor shakespeare/sonnets.txt); "
                     f"leave --data-dir out to use the shipped sonnets")


def run_words(args) -> int:
    """Train the word vectors as ``args`` say; the exit status (0, or 1 if training diverged)."""
    from dl_parity.options import cpu_threads

    _check_args(args)
    threads = getattr(args, "threads", None)
    if threads is None:
        threads = 1 if args.impl == "both" else (os.cpu_count() or 1)
    with cpu_threads(threads):
        return _run(args)


def _run(args) -> int:
    from dl_parity.models import word2vec as w2v

    impls = ["numpy", "torch"] if args.impl == "both" else [args.impl]
    dtype = getattr(args, "dtype", None) or "float64"
    device = getattr(args, "device", None) or "cpu"
    seed = w2v.SEED if getattr(args, "seed", None) is None else args.seed
    try:
        source = w2v.SkipGramBatches.sonnets(
            batch_size=getattr(args, "batch_size", None) or w2v.BATCH_SIZE,
            epochs=getattr(args, "epochs", None) or w2v.EPOCHS, seed=seed,
            path=_corpus_path(getattr(args, "data_dir", None)))
    except ValueError as exc:
        raise UsageError(f"the corpus: {exc}") from None
    model = w2v.Word2Vec(source.vocab_size,
                         learning_rate=args.lr if args.lr is not None else w2v.LEARNING_RATE)
    initial = model.initial_parameters(seed)
    sides = [model.side(impl, initial, dtype, device) for impl in impls]
    _print_plan(impls, source, model, seed, dtype, device)
    return _train(args, sides, source, impls)


def _print_plan(impls, source, model, seed, dtype, device) -> None:
    who = " and ".join(impls) + (" in lockstep" if len(impls) == 2 else "")
    v = source.vocabulary
    print(f"dl-parity train: {who} on sonnets ({v['words']} words, {source.vocab_size} distinct, "
          f"{source.m} skip-gram pairs within +-{v['window']} words)")
    print(f"  model   {model.describe()}")
    print(f"  init    {model.init_description(seed)}")
    batches = -(-source.m // source.batch_size)
    print(f"  train   lr {model.learning_rate:g}, {source.epochs} epochs of {batches} batches of "
          f"{source.batch_size} pairs, {source.k} negatives each (drawn by NumPy, the same for "
          f"both sides), {dtype}" + (f", torch on {device}" if "torch" in impls else ""))
    print()
    cells = [f"{'epoch':>5}"] + [f"{'cost ' + name:>18}" for name in impls]
    if len(impls) == 2:
        cells += [f"{'|Δ cost|':>11}", "max |Δ param|"]
    print("  ".join(cells), flush=True)


def _train(args, sides, source, impls) -> int:
    from dl_parity.callbacks import Logger, Progress
    from dl_parity.engine import Diverged, run

    progress = Progress(source.epochs, "epoch", getattr(args, "quiet", False))

    def on_row(row):
        cells = [f"{row.step:>5d}"] + [f"{c:>18.12g}" for c in row.costs.values()]
        if row.max_diff is not None:
            a, b = row.costs.values()
            cells += [f"{abs(a - b):>11.1e}", f"{row.max_diff[0]:.1e} ({row.max_diff[1]})"]
        progress.write("  ".join(cells))

    t0 = time.perf_counter()
    try:
        history = run(sides, source, [Logger(False, 1, [on_row]), progress])
    except Diverged as exc:
        progress.close()
        print(f"dl-parity: error: training diverged: {exc}; stopped", file=sys.stderr)
        return 1
    finally:
        progress.close()
    _summary(sides, source, history, time.perf_counter() - t0)
    return 0


def _summary(sides, source, history, wall) -> None:
    import numpy as np

    from dl_parity.engine import max_parameter_difference
    from dl_parity.models import word2vec as w2v
    from scratch.word2vec import word_vectors

    print()
    print(f"{'time':16}" + "".join(f"{history.seconds[s.name]:>10.1f} s" for s in sides)
          + f"   (wall {wall:.1f} s, {history.steps_done} steps)")
    if len(sides) == 2:
        diff, key = max_parameter_difference(*(s.course_parameters() for s in sides))
        a, b = (np.asarray(history.costs[s.name]) for s in sides)
        print(f"final max |numpy - torch| over the parameters: {diff:.2e} (in {key}); largest "
              f"|Δ cost| over all {len(a)} steps: {np.max(np.abs(a - b)):.2e}")
    side = sides[0]
    vectors = word_vectors(side.course_parameters(), source.vocabulary["index_to_word"])
    print(f"\nnearest words by cosine similarity ({side.name}'s vectors, the rows of E):")
    for word in w2v.QUERIES:
        if word in vectors:
            near = ", ".join(f"{w} {s:.2f}" for w, s in w2v.neighbours(vectors, word))
            print(f"  {word:>8}: {near}")
    print("analogies, a : b :: c : complete_analogy(a, b, c):")
    for a, b, c, d in w2v.analogies(vectors):
        print(f"  {a} : {b} :: {c} : {d}")
    print("(17,672 words are far too few for reliable analogies: see the README, 'Word vectors')")
