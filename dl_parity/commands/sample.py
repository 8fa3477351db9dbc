"""`dl-parity sample`: dinosaur names from a char-RNN checkpoint, with either implementation.

    dl-parity sample --checkpoint dinos.npz --impl torch --names 7 --seed 0

The checkpoint is the course's dict with its vocabulary (:mod:`dl_parity.checkpoint_char`,
written by ``dl-parity train --dataset dinos --save``). Name k is drawn as the course's
``model`` draws its k-th name: the course's ``sample(parameters, char_to_ix, seed + k)``
on the NumPy side; on the torch side the same loop over ``CharRNN``'s probabilities
(``torch_ref.char_rnn.next_char_probabilities``), NumPy drawing each character with the
course's ``np.random.seed(counter + seed)``. With --seed 0 and --names 7 the names are the
ones the training run printed at the checkpoint's iteration.
"""
from __future__ import annotations

from dl_parity.cli import UsageError


def add_parser(subparsers):
    p = subparsers.add_parser(
        "sample", help="sample names from a char-RNN checkpoint (course 5, dinos)",
        description="Sample names from a checkpoint written by `dl-parity train --dataset "
                    "dinos --save`, with the NumPy or the PyTorch implementation.")
    p.add_argument("--checkpoint", required=True, metavar="PATH",
                   help="the .npz char-RNN checkpoint")
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
    from dl_parity.checkpoint import CheckpointError
    from dl_parity.checkpoint_char import load_char_checkpoint
    from dl_parity.models.char_rnn import CharRNN, sample_names
    from dl_parity.options import check_device

    if args.names < 1:
        raise UsageError(f"--names: expected a positive integer, got {args.names}")
    if args.impl == "torch":
        check_device(args.device)
    try:
        ckpt = load_char_checkpoint(args.checkpoint)
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None
    model = CharRNN(vocab_size=len(ckpt.vocabulary), n_a=ckpt.n_a)
    side = model.side(args.impl, ckpt.parameters, ckpt.dtype, args.device)
    for name in sample_names(side, ckpt.char_to_ix, ckpt.ix_to_char, args.names, args.seed):
        print(name)
    return 0
