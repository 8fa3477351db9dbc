"""`dl-parity evaluate`: accuracy of a checkpoint with either implementation.

    dl-parity evaluate --checkpoint cat.npz --dataset cat --impl torch

    dl-parity evaluate --checkpoint cnn.npz --impl numpy --plot wrong.png

The checkpoint is the course's parameter dict (see :mod:`dl_parity.checkpoint`, and
:mod:`dl_parity.checkpoint_cnn` for the course-4 CNN), so a model trained by either side
is evaluated by either: scratch uses the dict as is, the torch model loads it with
``load_course_parameters``. Prints the train and test accuracy, and for MNIST the test
set's confusion matrix.
"""
from __future__ import annotations

import os

import numpy as np

from dl_parity.cli import UsageError


def add_parser(subparsers):
    from dl_parity.settings import DATASETS

    p = subparsers.add_parser(
        "evaluate", help="accuracy of a saved checkpoint, with either implementation",
        description="Load a checkpoint written by `dl-parity train --save` (an MLP's W1..WL, "
                    "or the MNIST CNN's conv and FC weights) and report its train and test "
                    "accuracy (and a confusion matrix for MNIST).")
    p.add_argument("--checkpoint", required=True, metavar="PATH", help="the .npz checkpoint")
    p.add_argument("--dataset", choices=DATASETS,
                   help="data to evaluate on (default: the checkpoint's)")
    p.add_argument("--impl", choices=("numpy", "torch"), default="numpy",
                   help="which implementation computes the predictions (default: numpy)")
    p.add_argument("--layers", metavar="N0,N1,...,NL",
                   help="expected layer sizes of an MLP checkpoint; its arrays must fit them")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="where the PyTorch side runs (default: cpu)")
    p.add_argument("--plot", metavar="PATH",
                   help="write a grid of misclassified test images (cat, MNIST) or the decision "
                        "boundary (planar) to PATH (PNG)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads for NumPy's BLAS and for torch (default: every CPU)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder holding catvnoncat/ and MNIST/raw/ (default: $DL_PARITY_DATA, "
                        "else ./data)")
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
    """(checkpoint, dataset, model, side) for a checkpoint file, every mistake a UsageError.

    The file's ``model`` entry picks the kind: an MLP's W1..WL (no entry), or the course-4
    CNN's dict (``model = "cnn"``, :mod:`dl_parity.checkpoint_cnn`)."""
    from dl_parity.checkpoint import CheckpointError, checkpoint_model, load_checkpoint
    from dl_parity.options import check_device

    check_device(device)
    try:
        kind = checkpoint_model(path)
        if kind == "cnn":
            return _load_cnn(path, dataset, impl, device, layers)
        ckpt = load_checkpoint(path)
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    return _load_mlp(path, ckpt, dataset, impl, device, layers)


def _checked_dataset(path, ckpt, dataset):
    from dl_parity.settings import DATASETS

    dataset = dataset or ckpt.dataset
    if dataset not in DATASETS:
        raise UsageError(f"{path}: the checkpoint names an unknown dataset {ckpt.dataset!r}; "
                         f"pass --dataset {'|'.join(DATASETS)}")
    return dataset


def _load_mlp(path, ckpt, dataset, impl, device, layers):
    from dl_parity.models.mlp import MLP
    from dl_parity.options import parse_layers
    from dl_parity.settings import SHAPES

    dataset = _checked_dataset(path, ckpt, dataset)
    n_x, n_y = SHAPES[dataset]
    dims = ckpt.layer_dims
    if dims[0] != n_x or dims[-1] != n_y:
        raise UsageError(f"{path}: the checkpoint's layers {','.join(map(str, dims))} do not fit "
                         f"{dataset} (input n_x = {n_x}, output {n_y}); it was trained on "
                         f"{ckpt.dataset}")
    if layers is not None:
        want = parse_layers(layers, dataset, dims)
        if list(want) != dims:
            raise UsageError(f"{path}: the checkpoint's arrays are for layers "
                             f"{','.join(map(str, dims))}, but --layers asks for {layers}")
    model = MLP(tuple(dims), ckpt.hidden_activation, ckpt.output_activation)
    try:
        side = model.side(impl, ckpt.parameters, ckpt.dtype, device)
    except ValueError as exc:   # e.g. an activation name neither side knows
        raise UsageError(f"{path}: {exc}") from None
    return ckpt, dataset, model, side


def _load_cnn(path, dataset, impl, device, layers):
    """A CNN checkpoint: scratch.fast_conv.CNN (numpy) or torch_ref.cnn.CNN (torch) loaded
    with its dict; its images must be the data set's (n_x = n_H n_W n_C, n_y classes)."""
    from dl_parity.checkpoint_cnn import load_cnn_checkpoint
    from dl_parity.settings import SHAPES

    ckpt = load_cnn_checkpoint(path)
    if layers is not None:
        raise UsageError(f"--layers: {path} holds a CNN (conv-relu-maxpool x 2 -> softmax), "
                         f"whose sizes are its arrays'; --layers is for MLP checkpoints")
    dataset = _checked_dataset(path, ckpt, dataset)
    model = ckpt.model()
    n_x, n_y = SHAPES[dataset]
    if int(np.prod(model.image_shape)) != n_x or model.n_y != n_y:
        raise UsageError(f"{path}: the checkpoint's CNN reads {'x'.join(map(str, model.image_shape))}"
                         f" images into {model.n_y} classes, which does not fit {dataset} "
                         f"(input n_x = {n_x}, output {n_y}); it was trained on {ckpt.dataset}")
    side = model.side(impl, ckpt.parameters, ckpt.dtype, device)
    return ckpt, dataset, model, side


def _run(args) -> int:
    from dl_parity.data import load_data
    from dl_parity.options import check_output_path
    from dl_parity.training import accuracy, confusion_matrix

    check_output_path("--plot", args.plot)
    ckpt, dataset, model, net = load_model(args.checkpoint, args.dataset, args.impl,
                                           args.device, args.layers)
    data = load_data(dataset, args.data_dir).astype(ckpt.dtype)
    print(f"dl-parity evaluate: {args.checkpoint} ({ckpt.impl}'s parameters after {ckpt.step} "
          f"steps, {ckpt.dtype}) with {args.impl} on {dataset}")
    print(f"  model   {model.describe()}")
    print(f"  train accuracy  {100 * accuracy(net, data.X_train, data.y_train):.2f} % "
          f"(m = {data.X_train.shape[1]})")
    if data.X_test is None:
        print("  test accuracy   (planar has no test set)")
        return _plot(args, dataset, data, net)
    y_pred = net.predict(data.X_test)
    print(f"  test accuracy   {100 * np.mean(y_pred == data.y_test):.2f} % "
          f"(m = {data.X_test.shape[1]})")
    if model.output_activation == "softmax":
        C = len(data.classes)
        M = confusion_matrix(data.y_test, y_pred, C)
        print()
        print("  confusion matrix (test): row = true class, column = predicted")
        print("        " + "".join(f"{c:>6}" for c in data.classes))
        for k in range(C):
            print(f"  {data.classes[k]:>5} " + "".join(f"{n:>6d}" for n in M[k]))
    return _plot(args, dataset, data, net, y_pred)


def _plot(args, dataset, data, net, y_pred=None) -> int:
    if not args.plot:
        return 0
    from dl_parity import plots

    if data.X_test is None:
        path = plots.decision_boundary({net.name: net.predict}, data.X_train, data.y_train,
                                       args.plot, title=dataset)
    else:
        y_pred = net.predict(data.X_test) if y_pred is None else y_pred
        path = plots.misclassified_grid(data.X_test, data.y_test, y_pred,
                                        data.image_shape, data.classes, args.plot,
                                        title=f"{dataset} test images {net.name} gets wrong")
    print(f"plot: {path}")
    return 0
