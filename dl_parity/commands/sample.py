"""`dl-parity sample`: draw from a checkpoint of a model that samples, with either implementation.

    dl-parity sample --checkpoint names.npz --impl torch --names 7 --seed 0

The checkpoint is the course's dict with its model's config (:mod:`dl_parity.checkpoint`,
written by ``dl-parity train --save``); the model draws (``model.sample``). For the
course-5 character model, name k is drawn as the course's ``model`` draws its k-th name:
the course's ``sample(parameters, char_to_ix, seed + k)`` on the NumPy side; on the torch
side the same loop over the torch model's probabilities, NumPy drawing each character with the
course's ``np.random.seed(counter + seed)``. With --seed 0 and --names 7 the names are the
ones the training run printed at the checkpoint's iteration.
"""
from __future__ import annotations

from dl_parity.errors import UsageError


def add_parser(subparsers):
    p = subparsers.add_parser(
        "sample", help="sample from a checkpoint of a model that samples (course 5's names)",
        description="Sample names from a checkpoint written by `dl-parity train --save` of a "
                    "model that samples (course 5's character model), with the NumPy or the "
                    "PyTorch implementation.")
    p.add_argument("--checkpoint", required=True, metavar="PATH", help="the .npz checkpoint")
    p.add_argument("--impl", choices=("numpy", "torch"), default="numpy",
                   help="which implementation computes the probabilities (default: numpy)")
    p.add_argument("--names", type=int, default=7, metavar="N",
                   help="how many names (default 7, the course's)")
    p.add_argument("--seed", type=int, default=0,
                   help="name k is drawn with the course's seed + k (default 0, the course's)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="where the PyTorch side runs (default: cpu)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from dl_parity.checkpoint import CheckpointError, load_checkpoint
    from dl_parity.models import REGISTRY
    from dl_parity.options import check_device

    if args.names < 1:
        raise UsageError(f"--names: expected a positive integer, got {args.names}")
    check_device(args.device)
    try:
        ckpt = load_checkpoint(args.checkpoint)
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    if not ckpt.model.samples:
        samplers = ", ".join(name for name, cls in REGISTRY.items() if cls.samples)
        raise UsageError(f"{args.checkpoint}: the {ckpt.model.name} model does not sample "
                         f"(models that do: {samplers}); dl-parity evaluate --checkpoint "
                         f"{args.checkpoint} evaluates it")
    side = ckpt.model.side(args.impl, ckpt.parameters, ckpt.dtype, args.device)
    for name in ckpt.model.sample(side, args.names, args.seed):
        print(name)
    return 0
