"""`dl-parity train`'s course-2 options: the course's initialisations, L2, dropout, batch norm,
momentum and Adam, learning-rate decay, on both implementations in lockstep.

    dl-parity train --dataset circles --init random           (week 1, initialization)
    dl-parity train --dataset football --keep-prob 0.86       (week 1, regularization)
    dl-parity train --dataset moons --optimizer adam          (week 2, optimization)
    dl-parity train --dataset mnist --optimizer adam --keep-prob 0.8 --batch-norm

circles, football and moons always train the course-2 network
(:class:`dl_parity.models.course2.Course2Net`); MNIST trains it (softmax output, He
weights, fresh dropout masks at every step) as soon as one of these options is given.
"""
from __future__ import annotations

from dl_parity.cli import UsageError

#: the course-2 options (argparse attribute names)
OPTIONS = ("init", "lambd", "keep_prob", "optimizer", "beta", "beta1", "beta2", "epsilon",
           "decay", "decay_rate", "time_interval", "batch_norm")
DATASETS = ("circles", "football", "moons", "mnist")


def add_arguments(p) -> None:
    g = p.add_argument_group("course 2 (circles, football, moons; mnist with any of these)")
    g.add_argument("--init", choices=("zeros", "random", "he", "scaled"),
                   help="initial weights: zeros, random (randn x 10, seed 3), he (randn x "
                        "sqrt(2 / n[l-1])) or scaled (randn / sqrt(n[l-1])); default: the data "
                        "set's course run (circles he, football scaled, moons he)")
    g.add_argument("--lambd", type=float, metavar="LAMBDA",
                   help="L2 regularization strength (full batch; the course's 0.7)")
    g.add_argument("--keep-prob", type=float, metavar="P",
                   help="inverted dropout after each hidden layer, keeping units with "
                        "probability P in (0, 1] (the course's 0.86)")
    g.add_argument("--optimizer", choices=("gd", "momentum", "adam"),
                   help="gd (default), momentum or adam: the course's update on the NumPy "
                        "side, torch.optim on the torch side")
    g.add_argument("--beta", type=float, help="momentum's beta in [0, 1) (default 0.9)")
    g.add_argument("--beta1", type=float, help="Adam's beta1 in [0, 1) (default 0.9)")
    g.add_argument("--beta2", type=float, help="Adam's beta2 in [0, 1) (default 0.999)")
    g.add_argument("--epsilon", type=float, help="Adam's epsilon > 0 (default 1e-8)")
    g.add_argument("--decay", choices=("update_lr", "schedule_lr_decay"),
                   help="the course's learning-rate decay after each epoch (one-epoch lag)")
    g.add_argument("--decay-rate", type=float, metavar="R", help="decay_rate >= 0 (default 1)")
    g.add_argument("--time-interval", type=int, metavar="E",
                   help="schedule_lr_decay: epochs between drops (default 1000)")
    g.add_argument("--batch-norm", action="store_true",
                   help="batch normalization before each hidden ReLU (nn.BatchNorm1d on the "
                        "torch side)")


def requested(args) -> bool:
    """Whether any course-2 option was given."""
    return any(getattr(args, name, None) not in (None, False) for name in OPTIONS)


def check_args(args, full_batch: bool) -> None:
    """Each option's range and companions; one UsageError line each."""
    if args.dataset not in DATASETS:
        given = next(f"--{n.replace('_', '-')}" for n in OPTIONS
                     if getattr(args, n) not in (None, False))
        raise UsageError(f"{given}: course-2 options apply to {', '.join(DATASETS)}; got "
                         f"--dataset {args.dataset}")
    if args.model != "mlp":
        raise UsageError("--model cnn: the course-2 options go with the course-2 network "
                         "(leave --model out)")
    opt = args.optimizer or "gd"
    for name, needs in (("beta", "momentum"), ("beta1", "adam"), ("beta2", "adam"),
                        ("epsilon", "adam")):
        if getattr(args, name) is not None and opt != needs:
            raise UsageError(f"--{name}: only with --optimizer {needs} (got --optimizer {opt})")
    for name in ("decay_rate", "time_interval"):
        if getattr(args, name) is not None and args.decay is None:
            raise UsageError(f"--{name.replace('_', '-')}: only with --decay")
    if args.time_interval is not None and args.decay != "schedule_lr_decay":
        raise UsageError("--time-interval: only with --decay schedule_lr_decay")
    if args.decay and args.lr_drop_epoch:
        raise UsageError("--decay: a run has one learning-rate schedule; leave out "
                         "--lr-drop-epoch")
    if args.batch_norm and args.save:
        raise UsageError("--save: checkpoints hold W1, b1, ..., WL, bL; the batch-norm "
                         "network's gamma, beta and running statistics have no place there")
    if args.lambd and not full_batch:
        raise UsageError("--lambd: the course's L2 term is lambd / (2 m) with m the whole "
                         "training set; use it with full-batch training (no --batch-size)")


def build(args, d, dims, lr, seed, drop):
    """(Course2Net, Optim) from the options on top of the data set's course settings;
    a bad value or combination is a UsageError naming the option."""
    from dl_parity.models.course2 import Course2Net
    from dl_parity.models.optim import Optim, step_drop
    from dl_parity.settings import MNIST_COURSE2

    mnist = args.dataset == "mnist"
    init = args.init or d.init or "he"
    if init == "random" and seed != 3 and not args.batch_norm:
        raise UsageError(f"--seed: the course's x 10 initialisation draws after "
                         f"np.random.seed(3); got seed {seed}"
                         + ("" if args.seed is not None else f" ({args.dataset}'s); pass --seed 3"))
    kw = dict(name=args.optimizer or "gd", decay=args.decay)
    for name in ("beta", "beta1", "beta2", "epsilon", "decay_rate", "time_interval"):
        if getattr(args, name) is not None:
            kw[name] = getattr(args, name)
    try:
        model = Course2Net(tuple(dims), init=init, lambd=args.lambd or 0.0,
                           keep_prob=1.0 if args.keep_prob is None else args.keep_prob,
                           batch_norm=args.batch_norm, cost=d.cost or "sum",
                           output_activation=d.output_activation,
                           masks=MNIST_COURSE2["masks"] if mnist else "course", mask_seed=seed)
        optim = Optim(lr, step_drop(None if args.decay else drop), **kw)
    except ValueError as exc:
        raise UsageError(_option_message(str(exc))) from None
    return model, optim


def _option_message(text: str) -> str:
    """"keep_prob: ..." -> "--keep-prob: ...": the model's and optimizer's checks name
    their settings; the user typed options."""
    names = {"keep_prob": "--keep-prob", "lambd": "--lambd", "init": "--init",
             "learning_rate": "--lr", "decay_rate": "--decay-rate", "beta": "--beta",
             "beta1": "--beta1", "beta2": "--beta2", "epsilon": "--epsilon",
             "layer_dims": "--layers", "lambd, keep_prob": "--lambd, --keep-prob",
             "cost": "--layers", "time_interval": "--time-interval"}
    head, _, rest = text.partition(": ")
    for what, option in names.items():
        if head == what or head.startswith(what + " "):
            return f"{option}: {rest}"
    return text
