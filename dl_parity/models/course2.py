"""Course 2's networks (initialization, regularization, optimization, batch norm) as one
model: LINEAR-RELU x (L-1) - LINEAR-SIGMOID (or softmax), with the course's
initialisations, L2 (``lambd``), inverted dropout (``keep_prob``), batch norm, and any
optimizer of :class:`dl_parity.models.optim.Optim`.

NumPy side, the course's own functions, chosen by the configuration:

==========================  ==============================================================
batch_norm                  scratch.batch_norm: L_model_forward_bn (training, the masks when
                            keep_prob < 1), compute_cost_bn, L_model_backward_bn,
                            update_running_stats_bn (unbiased, PyTorch's running_var)
keep_prob < 1               scratch.regularization: forward/backward_propagation_with_dropout
                            (masks given), compute_cost (the nansum cost)
lambd > 0                   scratch.regularization: compute_cost_with_regularization,
                            backward_propagation_with_regularization
softmax                     scratch.multiclass: L_model_forward/backward_multiclass
cost "nansum" (week 1)      scratch.initialization: forward_propagation, compute_loss,
                            backward_propagation (three layers)
cost "sum" (week 2)         scratch.optimization: forward_propagation, compute_cost / m_batch,
                            backward_propagation (any depth)
==========================  ==============================================================

then the optimizer's update (:class:`dl_parity.models.optim.CourseUpdate`). The bench's fast
path of a batch-norm net (:meth:`Course2Net.fast_path`) is scratch.fast_bn.BatchNormNet, the
same step with preallocated buffers, timed beside this course form. Costs returned
by ``step``: week 1's (1/m) cross-entropy (plus the L2 term) with each log clamped at -100,
which is the course's nansum cost, what its ``model`` functions record, wherever no log is
below -100 (where one is, as with the x 10 initialisation, the course's value is kept in
``course_costs``, and the engine gets the cost nn.BCELoss reports, as the torch side);
week 2's batch SUM divided by the batch's m, so that the engine's epoch cost
sum_t m_t J_t / m is the course's ``cost_total / m`` (to rounding); batch norm's clamped
mean cross-entropy.

Torch side: ``DeepNet`` / ``DropoutNet`` with ``torch_ref.regularization.train_step``
(gradient from ``nn.BCEWithLogitsLoss`` on Z[L]: the course's A[L] - Y even where the
sigmoid saturates, as with the x 10 initialisation; the cost it reports is the course's,
``nn.BCELoss`` on A[L]), ``BatchNormNet`` with ``train_step_bn``, softmax nets with
``nn.CrossEntropyLoss``; L2 as the optimizer's weight_decay lambd / m on the weights
(``torch_ref.regularization.l2_param_groups``); dropout masks given to ``MaskedDropout``.

Dropout masks are the engine's shared randomness (:meth:`Course2Net.extra`), drawn by
NumPy: ``masks="course"`` draws them as the course's forward does, ``np.random.seed(1)``
then D[l] = rand(n[l], m) < keep_prob (the same masks at every step of a run);
``masks="fresh"`` draws new ones at every step from ``default_rng([mask_seed, step])``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from scratch import batch_norm as bn
from scratch import deep_nn, initialization as ini, multiclass, optimization as opt
from scratch import regularization as reg

from ..flags import option
from .base import NumpySide, TorchSide, optim_or_default, register
from .classifier import Classifier
from .mlp import LAYERS, MLP
from .optim import OPTIMIZER_FIELDS

INITS = ("zeros", "random", "he", "scaled")
COSTS = ("nansum", "sum")


@register
@dataclass(frozen=True)
class Course2Net(Classifier):
    """What a course-2 network is; refuses the combinations the course's code has no route for."""
    layer_dims: tuple[int, ...] = option(dataclasses.MISSING, "layer sizes, input first "
                                         "(default: the data set's course network)", **LAYERS)
    init: str = option(
        "he", "initial weights: zeros, random (randn x 10, seed 3), he (randn x sqrt(2 / "
        "n[l-1])) or scaled (randn / sqrt(n[l-1])); default: the data set's course run "
        "(circles he, football scaled, moons he)", kind="str", choices=INITS)
    lambd: float = option(0.0, "L2 regularization strength (full batch; the course's 0.7)",
                          metavar="LAMBDA", low=0,
                          expect="a finite number >= 0 (the L2 strength)")
    keep_prob: float = option(
        1.0, "inverted dropout after each hidden layer, keeping units with probability P in "
             "(0, 1] (the course's 0.86)", metavar="P", low=0, low_open=True, high=1,
        high_closed=True, noun="a probability")
    batch_norm: bool = option(False, "batch normalization before each hidden ReLU "
                                     "(nn.BatchNorm1d on the torch side)", kind="bool")
    cost: str = "sum"                     # "nansum" (week 1) or "sum" (week 2)
    output_activation: str = "sigmoid"    # or "softmax" (one-hot Y (C, m))
    masks: str = "course"                 # dropout masks: "course" (seed 1) or "fresh"
    mask_seed: int = 1

    name = "course2"
    hidden_activation = "relu"
    takes = Classifier.takes + OPTIMIZER_FIELDS

    def __post_init__(self):
        super().__post_init__()
        _check_net(self)

    @property
    def L(self) -> int:
        return len(self.layer_dims) - 1

    def describe(self) -> str:
        dims = self.layer_dims
        bn_ = " + batch norm" if self.batch_norm else ""
        drop = f" + dropout (keep_prob {self.keep_prob:g})" if self.keep_prob < 1 else ""
        hidden = " -> ".join(f"{n} (relu{bn_}{drop})" for n in dims[1:-1])
        text = " -> ".join(p for p in (str(dims[0]), hidden,
                                       f"{dims[-1]} ({self.output_activation})") if p)
        return text + (f"; L2 lambd {self.lambd:g}" if self.lambd else "")

    io_sizes = MLP.io_sizes
    io_text = MLP.io_text
    check_sizes = MLP.check_sizes
    shapes_note = MLP.shapes_note

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """The course's W[l], b[l]; with batch norm W[l], gamma[l], beta[l] and the running
        statistics (n[l], 1) for l < L, then W[L], b[L]."""
        if not self.batch_norm:
            return MLP.parameter_shapes(self)
        return {k: np.shape(v) for k, v in bn.initialize_parameters_bn(self.layer_dims).items()}

    def for_settings(self, settings) -> "Course2Net":
        """L2 needs the full batch (its lambd / (2 m) has the whole training set's m); the
        x 10 draw is the course's after np.random.seed(3); fresh masks follow the seed."""
        if self.lambd and not settings.full_batch:
            raise ValueError("lambd: the course's L2 term is lambd / (2 m) with m the whole "
                             "training set; use it with full-batch training (no --batch-size)")
        if self.init == "random" and not self.batch_norm and settings.seed != 3:
            raise ValueError(f"seed: the course's x 10 initialisation draws after "
                             f"np.random.seed(3); got seed {settings.seed}")
        return dataclasses.replace(self, mask_seed=settings.seed) if self.masks == "fresh" \
            else self

    def cost_description(self) -> str:
        """What the cost columns show, where the course's own cost could differ."""
        if self.cost != "nansum":
            return ""
        return ("the cross-entropy of A[L] with each log clamped at -100 on both sides "
                "(nn.BCELoss; scratch.optimization.compute_cost / m)" + (" + the L2 term"
                if self.lambd else "") + ": the course's nansum cost wherever no log is below "
                "-100 (it is inf where A[L] is exactly 0 or 1 on a wrong label)")

    # ------------------------------------------------------------ initial weights
    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        """The course's initialiser (they call ``np.random.seed(3)`` themselves; another seed
        uses the same formula from course 1's seeded twin); see :meth:`init_description`."""
        dims = list(self.layer_dims)
        if self.batch_norm:
            return bn.initialize_parameters_bn(dims, seed=seed)
        if self.init == "zeros":
            return ini.initialize_parameters_zeros(dims)
        if self.init == "random":
            if seed != 3:
                raise ValueError(f"seed: the course's x 10 initialisation draws after "
                                 f"np.random.seed(3); got seed {seed}")
            return ini.initialize_parameters_random(dims)
        if self.init == "he":
            return ini.initialize_parameters_he(dims) if seed == 3 \
                else multiclass.initialize_parameters_he(dims, seed=seed)
        return reg.initialize_parameters(dims) if seed == 3 \
            else deep_nn.initialize_parameters_scaled(dims, seed=seed)

    def init_description(self, seed: int) -> str:
        if self.batch_norm:
            return (f"np.random.seed({seed}); He W = randn * sqrt(2 / n[l-1]), gamma = 1, "
                    f"beta = 0, b[L] = 0 (scratch.batch_norm.initialize_parameters_bn)")
        return {"zeros": "W = 0, b = 0 (scratch.initialization.initialize_parameters_zeros)",
                "random": "np.random.seed(3); W = randn * 10, b = 0 "
                          "(scratch.initialization.initialize_parameters_random)",
                "he": f"np.random.seed({seed}); He W = randn * sqrt(2 / n[l-1]), b = 0 "
                      f"(scratch.initialization.initialize_parameters_he)",
                "scaled": f"np.random.seed({seed}); W = randn / sqrt(n[l-1]), b = 0 "
                          f"(scratch.regularization.initialize_parameters)"}[self.init]

    # ------------------------------------------------------------ shared randomness
    def extra(self, step: int, X, Y) -> dict:
        """This step's dropout masks {"D1": (n[1], m) bool, ...} (empty without dropout)."""
        if self.keep_prob == 1:
            return {}
        m = X.shape[-1]
        if self.masks == "course":
            np.random.seed(1)
            draw = np.random.rand
        else:
            rng = np.random.default_rng([self.mask_seed, step])
            draw = lambda *shape: rng.random(shape)  # noqa: E731  (rand's signature)
        return {f"D{l}": draw(self.layer_dims[l], m) < self.keep_prob
                for l in range(1, self.L)}

    # ------------------------------------------------------------ the two sides
    def side(self, impl: str, parameters, dtype="float64", device="cpu", optim=None):
        optim = optim_or_default(optim)
        if impl == "numpy":
            return NumpyCourse2(self, parameters, dtype, optim)
        return TorchCourse2(self, parameters, dtype, device, optim)

    def flops(self, m: int, needed: bool = False) -> int:
        """The GEMMs of the MLP of the same sizes (batch norm and dropout are element-wise)."""
        return MLP.flops(self, m, needed)

    # ------------------------------------------------------------ bench
    #: the bench times the course form (this NumPy side) beside the batch-norm fast path
    bench_course_form = True

    def fast_path(self, parameters, dtype, optim=None):
        """scratch.fast_bn.BatchNormNet for a batch-norm net (buffers per batch size, GEMMs
        with out=, the BN backward's compact form, the whole update on flat vectors) with
        ``optim``'s update (Adam's betas and epsilon; default plain gradient descent); None
        otherwise: the bench then times the course form. Its ``step(X, Y, masks, lr)`` takes
        the step's dropout masks (:meth:`extra`), the same the course form is given."""
        if not self.batch_norm:
            return None
        from scratch.fast_bn import BatchNormNet

        o = optim_or_default(optim)
        return BatchNormNet({k: np.asarray(v, dtype) for k, v in parameters.items()},
                            self.output_activation, self.keep_prob, dtype, optimizer=o.name,
                            learning_beta=float(o.beta), beta1=float(o.beta1),
                            beta2=float(o.beta2), adam_epsilon=float(o.epsilon))

    def minimum_memory(self, m: int, dtype) -> int | None:
        """Batch norm: parameters, gradients, Adam's v and s, X, Z_norm[l] and A[l], Y of one
        batch (scratch.fast_bn.BatchNormNet.theoretical_memory, with Adam: the bench's
        optimizer); None for the other nets (no fast path)."""
        if not self.batch_norm:
            return None
        from dl_parity.models.optim import Optim

        net = self.fast_path(self.initial_parameters(1), dtype, Optim(0.01, name="adam"))
        return int(net.theoretical_memory(m))


# ----------------------------------------------------------------------------- the checks
def _check_net(net) -> None:
    """The combinations the course's functions compute; each refusal one ValueError naming
    the field (the CLI names the flag)."""
    if net.cost not in COSTS:
        raise ValueError(f"cost: expected 'nansum' or 'sum', got {net.cost!r}")
    if net.output_activation not in ("sigmoid", "softmax"):
        raise ValueError(f"output_activation: expected 'sigmoid' or 'softmax', got "
                         f"{net.output_activation!r}")
    if net.masks not in ("course", "fresh"):
        raise ValueError(f"masks: expected 'course' or 'fresh', got {net.masks!r}")
    if net.lambd and net.keep_prob < 1:
        raise ValueError(f"lambd, keep_prob: L2 (lambd > 0) or dropout (keep_prob < 1), not "
                         f"both (the course's model does one at a time), got lambd "
                         f"{net.lambd} and keep_prob {net.keep_prob}")
    three = net.L == 3 and net.output_activation == "sigmoid"
    if net.batch_norm:
        _check_batch_norm(net)
    elif (net.lambd or net.keep_prob < 1) and not three:
        what = "lambd (L2)" if net.lambd else "keep_prob (dropout)"
        raise ValueError(f"{what}: the course's regularization network has three layers "
                         f"[n_x, n1, n2, 1] and a sigmoid output (scratch.regularization), got "
                         f"layer_dims {list(net.layer_dims)} with {net.output_activation}"
                         + ("; dropout on deeper nets: add batch_norm" if net.keep_prob < 1
                            else ""))
    elif net.cost == "nansum" and not three:
        raise ValueError(f"layer_dims, cost: the week-1 nansum cost goes with the course's "
                         f"three-layer sigmoid network (scratch.initialization), got layer_dims "
                         f"{list(net.layer_dims)}; use cost 'sum' (scratch.optimization)")


def _check_batch_norm(net) -> None:
    if net.lambd:
        raise ValueError("lambd: batch norm here has no L2 term (scratch.batch_norm's "
                         "network); use lambd 0 with batch_norm")
    if net.init != "he":
        raise ValueError(f"init: the batch-norm network starts from He weights "
                         f"(scratch.batch_norm.initialize_parameters_bn), got {net.init!r}")
    if net.L < 2:
        raise ValueError(f"layer_dims: batch norm needs a hidden layer, got {net.layer_dims}")


# ----------------------------------------------------------------------------- the sides
class NumpyCourse2(NumpySide):
    """scratch's side: the course's functions for this configuration, then the course's update."""

    def __init__(self, model, parameters, dtype, optim):
        super().__init__(model, parameters, dtype, optim)
        self.update = optim.numpy_update(self.parameters)
        self.course_costs: dict[int, float] = {}    # step -> the course's cost where infinite
        self.steps = 0

    def prepare(self, X, Y, extra=None):
        return np.ascontiguousarray(X), np.ascontiguousarray(Y), extra or {}

    def step(self, batch) -> float:
        """forward, cost, backward (the course's functions), update; returns the cost."""
        X, Y, masks = batch
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            cost, grads, A = self._cost_and_grads(X, Y, masks)
            cost = self._like_torch(float(cost), A, Y)
            self.parameters = self.update.update(self.parameters, grads, self.learning_rate)
        self.steps += 1
        return cost

    def _like_torch(self, cost: float, A, Y) -> float:
        """The week-1 nets' cost as the torch side reports it (``nn.BCELoss`` on A[L]): the
        cross-entropy with each log clamped at -100 (scratch.optimization.compute_cost / m),
        plus the course's L2 term. It is the course's nansum cost wherever no log is below
        -100; where a sigmoid saturates (the x 10 initialisation) the course's cost is
        larger, or +inf where A[L] is exactly 0 or 1 on a wrong label, and such a step
        keeps the course's value in ``course_costs``."""
        if self.model.cost != "nansum":
            return cost
        clamped = opt.compute_cost(A, Y) / A.shape[1]
        if self.model.lambd:      # the course's L2 term alone: its cost at A3 = Y (CE = 0)
            clamped += reg.compute_cost_with_regularization(Y, Y, self.parameters,
                                                            self.model.lambd)
        if abs(clamped - cost) > 1e-12 * abs(clamped):
            self.course_costs[self.steps] = cost
        return float(clamped)

    def _cost_and_grads(self, X, Y, masks):
        """(the course's cost, its gradients, A[L])."""
        p, net = self.parameters, self.model
        if net.batch_norm:
            return self._batch_norm_step(X, Y, masks)
        if net.keep_prob < 1:
            A3, cache = reg.forward_propagation_with_dropout(X, p, net.keep_prob, masks=masks)
            return (reg.compute_cost(A3, Y),
                    reg.backward_propagation_with_dropout(X, Y, cache, net.keep_prob), A3)
        if net.lambd:
            A3, cache = reg.forward_propagation(X, p)
            return (reg.compute_cost_with_regularization(A3, Y, p, net.lambd),
                    reg.backward_propagation_with_regularization(X, Y, cache, net.lambd), A3)
        if net.output_activation == "softmax":
            AL, caches = multiclass.L_model_forward_multiclass(X, p, "relu")
            return (multiclass.compute_cost_multiclass(AL, Y),
                    multiclass.L_model_backward_multiclass(AL, Y, caches, "relu"), AL)
        if net.cost == "nansum":
            a3, cache = ini.forward_propagation(X, p)
            return ini.compute_loss(a3, Y), ini.backward_propagation(X, Y, cache), a3
        a, cache = opt.forward_propagation(X, p)
        return opt.compute_cost(a, Y) / X.shape[1], opt.backward_propagation(X, Y, cache), a

    def _batch_norm_step(self, X, Y, masks):
        net = self.model
        AL, caches = bn.L_model_forward_bn(X, self.parameters, True, net.output_activation,
                                           keep_prob=net.keep_prob, masks=masks)
        cost = bn.compute_cost_bn(AL, Y, net.output_activation)
        grads = bn.L_model_backward_bn(AL, Y, caches)
        # BatchNorm1d's running statistics: beta 0.9 (momentum 0.1), the unbiased variance
        self.parameters = bn.update_running_stats_bn(self.parameters, caches, beta=0.9,
                                                     unbiased=True)
        return cost, grads, AL

    def output(self, X) -> np.ndarray:
        """A[L] (n[L], m) without dropout (batch norm: test mode, the running statistics)."""
        p, net = self.parameters, self.model
        if net.batch_norm:
            return bn.L_model_forward_bn(X, p, False, net.output_activation)[0]
        if net.output_activation == "softmax":
            return multiclass.L_model_forward_multiclass(X, p, "relu")[0]
        if net.cost == "nansum" or net.lambd or net.keep_prob < 1:   # the week-1 predict
            return ini.forward_propagation(X, p)[0]
        return opt.forward_propagation(X, p)[0]                      # the week-2 predict


class TorchCourse2(TorchSide):
    """torch_ref's side: the nn.Module loaded with the same dict, autograd and torch.optim."""

    def __init__(self, model, parameters, dtype, device, optim):
        super().__init__(model, dtype, device, optim)
        self.net = self._build().load_course_parameters(parameters)

    def _build(self):
        from torch_ref.batch_norm import BatchNormNet
        from torch_ref.models import DeepNet
        from torch_ref.regularization import DropoutNet

        net, kw = self.model, dict(device=self.device, dtype=self.dtype)
        if net.batch_norm:
            return BatchNormNet(net.layer_dims, net.output_activation, keep_prob=net.keep_prob,
                                **kw)
        if net.keep_prob < 1:
            return DropoutNet(net.layer_dims, "relu", keep_prob=net.keep_prob, **kw)
        return DeepNet(net.layer_dims, "relu", output=net.output_activation, **kw)

    def prepare(self, X, Y, extra=None):
        """(m, n_x) X, the loss's target (Y.T, or class indices for softmax), the masks;
        the optimizer is built at the first batch (L2's weight_decay lambd / m needs m)."""
        if self.optimizer is None:
            from torch_ref.regularization import l2_param_groups

            self.make_optimizer(l2_param_groups(self.net, self.model.lambd, X.shape[-1])
                                if self.model.lambd else self.net.parameters())
        return self.rows(X), self.target(Y), extra or None

    def step(self, batch) -> float:
        from torch_ref import regularization as treg
        from torch_ref.batch_norm import train_step_bn
        from torch_ref.train import criterion_for, train_step

        X, target, masks = batch
        net = self.model
        if net.keep_prob < 1:
            self.net.set_course_masks(masks)
        if net.batch_norm:
            return train_step_bn(self.net, self.optimizer, X, target).item()
        if net.output_activation == "softmax":
            return train_step(self.net, self.optimizer, X, target,
                              criterion_for("softmax")).item()
        return treg.train_step(self.net, self.optimizer, X, target, net.lambd).item()
