"""`dl-parity evaluate`: a checkpoint's model evaluated with either implementation.

    dl-parity evaluate --checkpoint cat.npz --dataset cat --impl torch

    dl-parity evaluate --checkpoint mnist.npz --impl numpy --plot wrong.png

The checkpoint is the course's parameter dict with its model's config
(:mod:`dl_parity.checkpoint`), so a model trained by either side is evaluated by either:
scratch uses the dict as is, the torch model loads it. What is printed is the model's
evaluation (``model.evaluate``): the classifiers' train and test accuracy (and a
confusion matrix for softmax outputs), the character model's sampled names, the word
vectors' nearest words and analogies.
"""
from __future__ import annotations

import os

from dl_parity.errors import UsageError


def add_parser(subparsers):
    from dl_parity.recipes import datasets

    p = subparsers.add_parser(
        "evaluate", help="evaluate a saved checkpoint, with either implementation",
        description="Load a checkpoint written by `dl-parity train --save` and report the "
                    "model's evaluation: train and test accuracy (and a confusion matrix for "
                    "MNIST) of a classifier, the names a character model samples, the "
                    "nearest words and analogies of word vectors.")
    p.add_argument("--checkpoint", required=True, metavar="PATH", help="the .npz checkpoint")
    p.add_argument("--dataset", choices=datasets(),
                   help="data to evaluate on (default: the checkpoint's)")
    p.add_argument("--impl", choices=("numpy", "torch"), default="numpy",
                   help="which implementation computes the predictions (default: numpy)")
    p.add_argument("--layers", metavar="N0,N1,...,NL",
                   help="expected layer sizes of a checkpoint with layer sizes; its arrays must "
                        "fit them")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="where the PyTorch side runs (default: cpu)")
    p.add_argument("--plot", metavar="PATH",
                   help="write a grid of misclassified test images (cat, MNIST) or the decision "
                        "boundary (2-D data: planar, circles, football, moons) to PATH (.png, "
                        ".pdf or .svg)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads for NumPy's BLAS and for torch (default: every CPU)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder holding the data (default: $DL_PARITY_DATA, else ./data)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from dl_parity.options import cpu_threads, positive

    if args.threads is None:
        args.threads = os.cpu_count() or 1
    positive("--threads", args.threads)
    with cpu_threads(args.threads):
        return _run(args)


def load_model(path, dataset: str | None, impl: str, device: str = "cpu", layers=None):
    """(checkpoint, dataset, model, side) for a checkpoint file, every mistake a UsageError."""
    from dl_parity.checkpoint import CheckpointError, load_checkpoint
    from dl_parity.options import check_device

    check_device(device)
    try:
        ckpt = load_checkpoint(path)
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    model, dataset = ckpt.model, dataset or ckpt.dataset
    try:
        model.check_dataset(dataset)
    except ValueError as exc:
        raise UsageError(f"{path}: the checkpoint's model does not fit {dataset}: {exc}; it "
                         f"was trained on {ckpt.dataset}") from None
    _check_layers(path, model, layers)
    try:
        side = model.side(impl, ckpt.parameters, ckpt.dtype, device)
    except ValueError as exc:   # e.g. an activation name neither side knows
        raise UsageError(f"{path}: {exc}") from None
    return ckpt, dataset, model, side


def _check_layers(path, model, layers) -> None:
    """--layers: the sizes the user expects of a model with layer sizes."""
    from dl_parity.flags import parse_ints

    if layers is None:
        return
    dims = getattr(model, "layer_dims", None)
    if dims is None:
        raise UsageError(f"--layers: {path} holds a {model.name} model ({model.describe()}), "
                         f"whose sizes are its arrays'; --layers is for models with layer sizes")
    try:
        want = parse_ints("--layers", layers)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if want != tuple(dims):
        raise UsageError(f"{path}: the checkpoint's arrays are for layers "
                         f"{','.join(map(str, dims))}, but --layers asks for {layers}")


def _run(args) -> int:
    from dl_parity.options import check_output_path, plot_path
    from dl_parity.recipes import recipes_of

    check_output_path("--plot", args.plot)
    plot_path(args.plot)
    ckpt, dataset, model, side = load_model(args.checkpoint, args.dataset, args.impl,
                                            args.device, args.layers)
    if args.plot and not model.plots_evaluation:
        raise UsageError(f"--plot: the {model.name} model has no evaluation figure (its "
                         f"evaluation is printed)")
    spec = recipes_of(dataset)[0].data_spec
    data = model.load_data(spec, args.data_dir).astype(ckpt.dtype)
    try:
        model.check_data(data)
    except ValueError as exc:
        raise UsageError(f"{args.checkpoint}: {exc}") from None
    print(f"dl-parity evaluate: {args.checkpoint} ({ckpt.impl}'s parameters after {ckpt.step} "
          f"steps, {ckpt.dtype}) with {args.impl} on {dataset}")
    print(f"  model   {model.describe()}")
    for line in model.evaluate(side, data).lines:
        print(f"  {line}" if line else "")
    if args.plot:
        try:
            path = model.evaluation_plot(args.plot, side, data, dataset)
        except ValueError as exc:
            raise UsageError(f"--plot: {str(exc).removeprefix('plot: ')}") from None
        print(f"plot: {path}")
    return 0
