"""Course 2's networks (initialization, regularization, optimization, batch norm) as one
model description: LINEAR-RELU x (L-1) - LINEAR-SIGMOID (or softmax), with the course's
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

then the optimizer's update (:class:`dl_parity.models.optim.CourseUpdate`). Costs returned
by ``step``: week 1's (1/m) nansum cross-entropy (plus the L2 term), what the course's
``model`` functions record; week 2's batch SUM divided by the batch's m, so that the
engine's epoch cost sum_t m_t J_t / m is the course's ``cost_total / m`` (to rounding);
batch norm's clamped mean cross-entropy.

Torch side: ``DeepNet`` / ``DropoutNet`` with ``torch_ref.regularization.train_step``
(``nn.BCEWithLogitsLoss`` on Z[L]: the course's gradient even where the sigmoid saturates,
as with the x 10 initialisation), ``BatchNormNet`` with ``train_step_bn``, softmax nets with
``nn.CrossEntropyLoss``; L2 as the optimizer's weight_decay lambd / m on the weights
(``torch_ref.regularization.l2_param_groups``); dropout masks given to ``MaskedDropout``.

Dropout masks are the engine's shared randomness (:meth:`Course2Net.extra`), drawn by
NumPy: ``masks="course"`` draws them as the course's forward does, ``np.random.seed(1)``
then D[l] = rand(n[l], m) < keep_prob (the same masks at every step of a run);
``masks="fresh"`` draws new ones at every step from ``default_rng([mask_seed, step])``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .optim import Optim

INITS = ("zeros", "random", "he", "scaled")
COSTS = ("nansum", "sum")


@dataclass(frozen=True)
class Course2Net:
    """What a course-2 network is; refuses the combinations the course's code has no route for."""
    layer_dims: tuple[int, ...]
    init: str = "he"                      # zeros | random (x 10) | he | scaled (randn / sqrt(n))
    lambd: float = 0.0
    keep_prob: float = 1.0
    batch_norm: bool = False
    cost: str = "sum"                     # "nansum" (week 1) or "sum" (week 2)
    output_activation: str = "sigmoid"    # or "softmax" (one-hot Y (C, m))
    masks: str = "course"                 # dropout masks: "course" (seed 1) or "fresh"
    mask_seed: int = 1

    name = "course2"
    hidden_activation = "relu"

    def __post_init__(self):
        from .course2_checks import check_net

        check_net(self)

    @property
    def L(self) -> int:
        return len(self.layer_dims) - 1

    def describe(self) -> str:
        dims = self.layer_dims
        bn = " + batch norm" if self.batch_norm else ""
        drop = f" + dropout (keep_prob {self.keep_prob:g})" if self.keep_prob < 1 else ""
        hidden = " -> ".join(f"{n} (relu{bn}{drop})" for n in dims[1:-1])
        text = " -> ".join(p for p in (str(dims[0]), hidden,
                                       f"{dims[-1]} ({self.output_activation})") if p)
        return text + (f"; L2 lambd {self.lambd:g}" if self.lambd else "")

    # ------------------------------------------------------------ initial weights
    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        """The course's initialiser (they call ``np.random.seed(3)`` themselves; another seed
        uses the same formula from course 1's seeded twin); see :meth:`init_description`."""
        from scratch import batch_norm, deep_nn, initialization, multiclass, regularization

        dims = list(self.layer_dims)
        if self.batch_norm:
            return batch_norm.initialize_parameters_bn(dims, seed=seed)
        if self.init == "zeros":
            return initialization.initialize_parameters_zeros(dims)
        if self.init == "random":
            if seed != 3:
                raise ValueError(f"seed: the course's x 10 initialisation draws after "
                                 f"np.random.seed(3); got seed {seed}")
            return initialization.initialize_parameters_random(dims)
        if self.init == "he":
            return initialization.initialize_parameters_he(dims) if seed == 3 \
                else multiclass.initialize_parameters_he(dims, seed=seed)
        return regularization.initialize_parameters(dims) if seed == 3 \
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
    def side(self, impl: str, parameters, dtype, device="cpu", optim: Optim | None = None):
        from .course2_sides import NumpyCourse2, TorchCourse2

        optim = optim or Optim(1.0)
        if impl == "numpy":
            return NumpyCourse2(self, parameters, dtype, optim)
        return TorchCourse2(self, parameters, dtype, device, optim)
