"""Trajectory tests: the torch side through the engine, and how far two trajectories may drift.

Every trajectory test (shallow, deep, mini-batch) compares the NumPy route, run by the
course's own scratch function (``gradient_descent``, ``train_epoch``), with the torch
route run by the project's one training loop, :func:`dl_parity.engine.run`
(:func:`torch_trajectory`), step by step: the cost before each update and the parameters
after it.

The tolerance model of those tests, and where it stops describing them
----------------------------------------------------------------------
Each step, the two routes round differently and so inject a difference r into the
parameters (the one-step bound of ``_tolerances``). The tests' tolerance,
``tolerance(dtype, T * n_step)``, assumes those differences merely add up: after t steps
at most (t + 1) r. That is true when gradient descent is *stable* (a small difference in
the parameters stays small or shrinks). It is false in a chaotic or oscillating regime
(a learning rate above 2 / the largest Hessian eigenvalue, e.g. one hidden tanh unit with
W2 = -1.7 at lr 1.2): there a difference grows by a factor each step, so a last-bit
difference becomes 1e-4 within 100 steps, and NumPy rerun from weights one ulp apart
disagrees with ITSELF as much as with torch. Neither side is wrong, and loosening the
tolerance for every draw would hide wrong formulas in the stable ones.

The rule (``sensitivity_bound``): measure the amplification, bound by it
--------------------------------------------------------------------------
1. Rerun the NumPy route K = 4 times from the initial parameters with every nonzero entry
   moved by 1024 of its ulps (``np.spacing``), up or down as drawn by a fixed seed (why
   1024 and not 1, and why zeros stay: ``PERTURBATION_ULPS``, :func:`perturb`).
   Let d_t = max over the K runs and the parameters of |theta_k,t - theta_ref,t|, in ulps
   of the state's largest entry (state t: the parameters after t updates, t = 0 the
   initial ones), and a_t = d_t / d_0: the measured amplification, by step t, of an error
   present at step 0.
2. Linearising, an error injected at step s has grown by about a_t / a_s by step t.
   Each step injects at most r, so |torch_t - numpy_t| <= sum_{s<=t} r a_t / a_s
   <= (t + 1) r G_t with G_t = max(1, max_{s<=t} a_t / max(a_s, 1)). The denominator is
   floored at 1 (the initial perturbation), so that the reruns' own rounding noise, left
   alone once a stable phase has shrunk the perturbation, is not read as amplification.
   Caveat, measured on the chaotic draw: there the perturbation first shrinks (a_t ~ 0.4
   by step 40), then the late growth is driven by roundings injected mid-way, so the
   floored G_t under-estimates the growth of a one-ulp error by ~1000x in the last steps;
   the bound still holds there with a 35x margin (diff 4.3e-4, bound 1.6e-2 at step 99).
3. The test's existing tolerance already IS the (t + 1) r accumulation (its rounding
   count n grows with the steps; float64's rtol is the project's 1e-10 ceiling). So the
   asserted bound is the existing tolerance times G'_t: 1 where G_t <= 2 (K = 4 random
   directions estimate the growth only to within such a factor, and the existing
   tolerance has that headroom), else G_t rounded UP to a power of two (4, 8, ...; the
   recorded comparisons stay few): |torch_t - numpy_t| <= G'_t (atol + rtol |numpy_t|).

In the stable regime a_t <= 1, so G'_t = 1 and the bound IS the existing tolerance: a
wrong formula (a different learning rate, a missing 1/m) is caught as before. In the
chaotic regime G_t is measured, not assumed: on the failing draw G'_t = 1 up to step 67,
then it doubles every step (2e6 at step 90, 1e9 at 99), and the check still catches any
formula error made in the early steps, where G'_t = 1 (test_shallow_nn.py: the chaotic
and stable draws, and a learning rate x (1 + 1e-6) on the torch side, caught on both).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dl_parity.engine import run

#: how many perturbed NumPy reruns measure the amplification
K_PERTURBATIONS = 4
#: their size, in ulps of each entry: large enough that the rounding noise of the reruns
#: themselves (a random walk of a few ulps over 100 steps, which the existing tolerance
#: already counts) is < 1 % of it, small enough (2.3e-13 relative in float64, 6.1e-5 in
#: float32) to stay in the linear regime until the difference is macroscopic
PERTURBATION_ULPS = 1024
#: the seed of their directions (fixed: the bound of a test is repeatable)
PERTURBATION_SEED = 20261126


# ----------------------------------------------------------------------------- torch side
class _Record:
    """An engine callback keeping the torch side's course dict after every step."""

    def __init__(self):
        self.after = []

    def on_step(self, info):
        (side,) = info.sides
        self.after.append({k: np.array(v) for k, v in side.course_parameters().items()})


def torch_trajectory(model, parameters, dtype, device, learning_rate, source):
    """The torch side of ``model`` (a :class:`dl_parity.models.mlp.MLP`) alone in the
    engine, from ``parameters``, on ``source`` (FullBatch or MiniBatches), at
    ``Optim(learning_rate)``.

    Returns (costs, after): the cost before each update, and the course dict after it.
    """
    from dl_parity.models.optim import Optim

    side = model.side("torch", parameters, np.dtype(dtype).name, device, Optim(learning_rate))
    record = _Record()
    history = run([side], source, [record])
    return history.costs["torch"], record.after


# ----------------------------------------------------------------------------- the rule
def perturb(parameters: dict, rng: np.random.Generator, ulps: int = PERTURBATION_ULPS) -> dict:
    """Every nonzero entry moved by ``ulps`` of its own ulps, up or down (drawn by
    ``rng``), in its own dtype.

    Entries that are exactly 0 (the course's b = 0 initialisation) stay 0: a rounding
    error is relative, and 0 has none, whereas the "one ulp" of 0 is a denormal that can
    flip the sign of a Z[l] that is exactly 0 (a ReLU unit fed by dead units: Z = b = 0)
    and so take the other branch of ReLU's derivative, a jump no rounding of either
    route produces (both compute that Z as exactly 0; measured: a_t = 5e13 after 4
    mini-batch steps of test_multiclass before this rule, 1 after it).
    """
    out = {}
    for key, value in parameters.items():
        value = np.asarray(value)
        sign = np.where(rng.random(value.shape) < 0.5, 1, -1).astype(value.dtype)
        moved = value + sign * (ulps * np.spacing(np.abs(value)))
        out[key] = np.where(value == 0, value, moved).astype(value.dtype)
    return out


def _distance(a: dict, b: dict) -> float:
    """max |a - b| over every entry, in ulps of b's largest entry (the values' own scale)."""
    diff = max(float(np.max(np.abs(np.asarray(a[k], np.float64) - np.asarray(b[k], np.float64)),
                            initial=0.0)) for k in a)
    scale = max(float(np.max(np.abs(b[k]), initial=0.0)) for k in b)
    return diff / float(np.spacing(np.asarray(scale, dtype=next(iter(b.values())).dtype)))


def amplification(numpy_run: Callable[[dict], list[dict]], parameters: dict,
                  k: int = K_PERTURBATIONS, seed: int = PERTURBATION_SEED) -> np.ndarray:
    """a_t, t = 0..T: how much a one-ulp change of the initial parameters has grown by
    state t (the parameters after t updates), measured by ``k`` NumPy reruns, in ulps of
    the state's largest entry (so that parameters growing in magnitude, whose ulp grows
    with them, do not count as amplification).

    ``numpy_run(parameters)`` returns the course dicts after each of its T updates.
    """
    reference = [parameters] + list(numpy_run(parameters))
    d = np.zeros(len(reference))
    rng = np.random.default_rng(seed)
    for _ in range(k):
        start = perturb(parameters, rng)
        states = [start] + list(numpy_run(start))
        d = np.maximum(d, [_distance(p, q) for p, q in zip(states, reference)])
    return d / d[0]


def growth(a: np.ndarray) -> np.ndarray:
    """G_t = max(1, max_{s<=t} a_t / max(a_s, 1)), t = 0..T (see the module doc)."""
    floor = np.minimum.accumulate(np.maximum(np.asarray(a, np.float64), 1.0))
    return np.maximum(1.0, a / floor)


#: a measured growth up to this is not counted: K = 4 directions estimate the growth only
#: to within about such a factor, and the existing tolerances have that headroom
NOISE_FLOOR = 2.0


def rounded_up(G: np.ndarray) -> np.ndarray:
    """1 where G <= NOISE_FLOOR, else G rounded up to a power of two (4, 8, 16, ...)."""
    G = np.asarray(G, np.float64)
    return np.where(G <= NOISE_FLOOR, 1.0, 2.0 ** np.ceil(np.log2(np.maximum(G, 1.0))))


def sensitivity_bound(numpy_run, parameters) -> np.ndarray:
    """G'_t, t = 0..T: the factor on the existing tolerance at state t (1 when stable)."""
    return rounded_up(growth(amplification(numpy_run, parameters)))


def close_along(parity, what: str, torch_values, numpy_values, factors, *, rtol: float,
                atol: float, formula: str) -> None:
    """``parity.close`` of a trajectory (axis 0 = step) with the tolerance of step t
    multiplied by ``factors[t]``: one comparison per distinct factor, named after it
    (the plain tolerance where the factor is 1)."""
    torch_values, numpy_values = np.asarray(torch_values), np.asarray(numpy_values)
    factors = np.asarray(factors, dtype=np.float64)
    assert len(factors) == len(torch_values) == len(numpy_values)
    for factor in np.unique(factors):
        rows = factors == factor
        steps = np.flatnonzero(rows)
        name = what if factor == 1 else (f"{what}, steps {steps[0]}..{steps[-1]} (amplified "
                                         f"x{factor:g}, measured)")
        parity.close(name, torch_values[rows], numpy_values[rows], rtol=rtol * factor,
                     atol=atol * factor, formula=formula)


class _Unrecorded:
    """``parity.close``'s assertion without its record (for mutations meant to fail)."""

    @staticmethod
    def close(what, actual, expected, *, rtol, atol=0.0, formula, device=None):
        a = actual.detach().cpu().numpy() if hasattr(actual, "detach") else actual
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(expected, np.float64),
                                   rtol=rtol, atol=atol, err_msg=f"{what} ({formula})")


UNRECORDED = _Unrecorded()

