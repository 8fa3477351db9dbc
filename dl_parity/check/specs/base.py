"""What ``dl-parity check`` knows about one course function: a :class:`Spec`.

A spec names the course function (its name, its parameters in the course's order), the
scratch function that is the reference, the catalog formula (where ``dl-parity show`` looks),
and how to check a learner's version of it:

- ``cases()``: the inputs, drawn once with fixed seeds: random shapes including m = 1 and
  non-square layers, float64, O(1) values as in the parity suite. Each case also states the
  rounding steps n of its tolerance (2 gamma_n, see ``compare.tolerance``).
- ``torch(args)``: PyTorch's answer on the same inputs (torch_ref and autograd), for the
  outputs PyTorch computes, as {output path: array}; the second, independent witness.
- ``fd(args)``: finite differences of the reference's forward pass, for gradient outputs, as
  {output path: numerical gradient}; the third witness, compared with the course's criterion
  ||g - g_approx|| / (||g|| + ||g_approx||) < 1e-7.
- ``published(fn)``: the course notebook's own inputs and printed values, where it has them.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: the course's gradient-checking criterion (epsilon 1e-7, float64)
FD_EPSILON = 1e-7
FD_THRESHOLD = 1e-7
#: rounding steps charged to an element-wise function (parity_tests/_tolerances.py)
ELEMENTWISE_OPS = 8


@dataclass(frozen=True)
class Case:
    label: str          # "n[l-1] = 3, n[l] = 2, m = 1"
    args: tuple         # the positional arguments, in the course's order
    steps: int          # rounding steps n of the tolerance
    m: int | None = None    # the number of examples (to name a factor of m)


@dataclass(frozen=True)
class Spec:
    name: str                       # the course's name: "linear_backward"
    assignment: str                 # the scratch module of its assignment: "deep_nn"
    reference: str                  # the scratch function: "scratch.deep_nn.linear_backward"
    formula: str                    # the catalog id: "w4.linear_backward"
    params: tuple[str, ...]         # the course's parameters, in order
    cases: Callable[[], list[Case]]
    outputs: tuple[str, ...] = ()   # names of a tuple output's items
    torch: Callable | None = None   # torch(args) -> {path: array}
    fd: Callable | None = None      # fd(args) -> {path: numerical gradient}
    published: Callable | None = None   # published(fn) -> [(what, actual, expected, atol)]
    modifies_inputs: bool = False   # the course's function updates its inputs in place
    required: int | None = None     # positional parameters a learner's version must accept
    notes: tuple[str, ...] = field(default=())

    def reference_function(self) -> Callable:
        module, name = self.reference.rsplit(".", 1)
        return getattr(importlib.import_module(module), name)

    @property
    def key(self) -> str:
        return f"{self.assignment}.{self.name}"


# ----------------------------------------------------------------------------- drawing data
def rng_for(*seed) -> np.random.Generator:
    return np.random.default_rng(list(seed))


def parameters(rng, dims) -> dict:
    """W[l] ~ N(0, 1) / sqrt(n[l-1]) (Z stays O(1) at any width), b[l] ~ N(0, 1/4)."""
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
        p[f"b{l}"] = 0.5 * rng.standard_normal((dims[l], 1))
    return p


def labels(rng, shape) -> np.ndarray:
    """Y in {0., 1.}; at least one of each when there are two entries or more."""
    Y = (rng.uniform(size=shape) < 0.5).astype(np.float64)
    if Y.size >= 2:
        Y.flat[0], Y.flat[1] = 0.0, 1.0
    return Y


def steps_of_layers(dims, m: int) -> int:
    """parity_tests/_tolerances.steps_of_layers: rounding steps of one forward + backward."""
    n = 0
    for n_prev, n_l in zip(dims[:-1], dims[1:]):
        n += n_prev + n_l + m + 3 * ELEMENTWISE_OPS
    return n


# ----------------------------------------------------------------------------- finite differences
def numerical_gradient(f: Callable[[], float], x: np.ndarray, epsilon: float = FD_EPSILON):
    """Central differences of the scalar f() with respect to every entry of ``x`` (changed in
    place and restored): (f(x + eps) - f(x - eps)) / (2 eps), as the course's gradient check."""
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + epsilon
        plus = float(f())
        x[i] = old - epsilon
        minus = float(f())
        x[i] = old
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def course_difference(grad, approx) -> float:
    """||grad - approx|| / (||grad|| + ||approx||): the course's gradient-check number."""
    grad = np.asarray(grad, dtype=np.float64).ravel()
    approx = np.asarray(approx, dtype=np.float64).ravel()
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - approx) / denominator)


def copy_tree(tree):
    if isinstance(tree, np.ndarray):
        return tree.copy()
    if isinstance(tree, dict):
        return {k: copy_tree(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [copy_tree(v) for v in tree]
    if isinstance(tree, tuple):
        return tuple(copy_tree(v) for v in tree)
    return tree


# ----------------------------------------------------------------------------- torch helpers
def t64(a, requires_grad: bool = False):
    """A float64 CPU tensor of ``a`` (a copy)."""
    import torch

    t = torch.tensor(np.asarray(a, dtype=np.float64))
    return t.requires_grad_(requires_grad)


def np64(t) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64)
