"""The combinations :class:`dl_parity.models.course2.Course2Net` accepts, each refusal one
clear ValueError naming the setting (the CLI turns it into one line, exit status 2)."""
from __future__ import annotations

import math


def check_net(net) -> None:
    from .course2 import COSTS, INITS

    dims = net.layer_dims
    if len(dims) < 2 or not all(isinstance(n, int) and n >= 1 for n in dims):
        raise ValueError(f"layer_dims: expected at least two positive sizes, got {dims!r}")
    if net.init not in INITS:
        raise ValueError(f"init: expected one of {', '.join(INITS)}, got {net.init!r}")
    if net.cost not in COSTS:
        raise ValueError(f"cost: expected 'nansum' or 'sum', got {net.cost!r}")
    if net.output_activation not in ("sigmoid", "softmax"):
        raise ValueError(f"output_activation: expected 'sigmoid' or 'softmax', got "
                         f"{net.output_activation!r}")
    if net.masks not in ("course", "fresh"):
        raise ValueError(f"masks: expected 'course' or 'fresh', got {net.masks!r}")
    _check_lambd_keep_prob(net)
    _check_routes(net)


def _check_lambd_keep_prob(net) -> None:
    lambd, keep_prob = net.lambd, net.keep_prob
    if isinstance(lambd, bool) or not isinstance(lambd, (int, float)) \
            or not math.isfinite(lambd) or lambd < 0:
        raise ValueError(f"lambd: expected a finite number >= 0 (the L2 strength), got {lambd!r}")
    if isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float)) \
            or not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob: expected a probability in (0, 1], got {keep_prob!r}")
    if lambd and keep_prob < 1:
        raise ValueError(f"lambd, keep_prob: L2 (lambd > 0) or dropout (keep_prob < 1), not "
                         f"both (the course's model does one at a time), got lambd {lambd} "
                         f"and keep_prob {keep_prob}")


def _check_routes(net) -> None:
    """What the course's functions can compute: see the table in models/course2.py."""
    three = net.L == 3 and net.output_activation == "sigmoid"
    if net.batch_norm:
        if net.lambd:
            raise ValueError("lambd: batch norm here has no L2 term (scratch.batch_norm's "
                             "network); use lambd 0 with batch_norm")
        if net.init != "he":
            raise ValueError(f"init: the batch-norm network starts from He weights "
                             f"(scratch.batch_norm.initialize_parameters_bn), got {net.init!r}")
        if net.L < 2:
            raise ValueError(f"layer_dims: batch norm needs a hidden layer, got {net.layer_dims}")
        return
    if (net.lambd or net.keep_prob < 1) and not three:
        what = "lambd (L2)" if net.lambd else "keep_prob (dropout)"
        raise ValueError(f"{what}: the course's regularization network has three layers "
                         f"[n_x, n1, n2, 1] and a sigmoid output (scratch.regularization), got "
                         f"layer_dims {list(net.layer_dims)} with {net.output_activation}"
                         + ("; dropout on deeper nets: add batch_norm" if net.keep_prob < 1
                            else ""))
    if net.cost == "nansum" and not three:
        raise ValueError(f"cost: the week-1 nansum cost goes with the course's three-layer "
                         f"sigmoid network (scratch.initialization), got layer_dims "
                         f"{list(net.layer_dims)}; use cost 'sum' (scratch.optimization)")
