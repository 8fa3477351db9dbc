"""The learning curves of the study page: every recipe with a ``curve``
(:mod:`dl_parity.recipes`), so every model has one, trained by both sides in lockstep
from the same initial dict, float64 on the CPU, through the engine.

A curve whose data is not on this machine (the cat images, MNIST) is left out, and
:func:`train` says so; nothing is downloaded for the page.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dl_parity.errors import UsageError


@dataclass
class CurveRun:
    """One recipe's curve: both sides' cost at every step."""
    key: str
    title: str
    setup: str
    costs: dict[str, list[float]]
    formula: str = ""


def plan_of(recipe, quick: bool):
    """The curve's run: the recipe's plan, both sides, float64, CPU, ``curve.steps`` (or
    ``curve.quick``) iterations or epochs."""
    from dl_parity.training import plan_for

    steps = recipe.curve.quick if quick else recipe.curve.steps
    plan = plan_for(recipe, ("numpy", "torch"), "cpu", given={"dtype": "float64"})
    if steps is None:
        return plan
    return dataclasses.replace(plan, **({"iterations": steps} if plan.full_batch
                                        else {"epochs": steps}))


def train(quick: bool = False, data_dir=None, on_step=None) -> tuple[list[CurveRun], list[str]]:
    """(the curves, what was left out and why). ``on_step(plan)`` makes an engine callback
    for a run (e.g. a progress bar), or None."""
    from dl_parity.engine import run
    from dl_parity.recipes import RECIPES

    curves, missing = [], []
    for recipe in (r for r in RECIPES if r.curve is not None):
        plan = plan_of(recipe, quick)
        try:
            data = plan.load_data(data_dir, download=False)
        except UsageError as exc:
            missing.append(f"{recipe.curve.title}: {exc}")
            continue
        examples = recipe.curve.quick_examples if quick else recipe.curve.examples
        if examples:
            data = data.head(examples)
        plan = dataclasses.replace(plan, model=plan.model.fit_data(data))
        source = plan.batches(data)
        sides = plan.sides(plan.model.initial_parameters(plan.seed))
        callbacks = [] if on_step is None else [on_step(plan, source)]
        costs = run(sides, source, callbacks).costs
        setup = (f"{plan.model.describe()}; {plan.model.init_description(plan.seed)}; "
                 f"{plan.describe_training(source)}")
        curves.append(CurveRun(recipe.name, recipe.curve.title, setup, costs,
                               recipe.curve.formula))
    return curves, missing
