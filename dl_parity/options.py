"""Command-line options shared by the commands, and the one route from ``dl-parity train``'s
flags to a run: each user mistake is one UsageError line.

The train command's model flags are not written here: they are the fields that the models
(:mod:`dl_parity.models`), the run settings (:class:`dl_parity.settings.Settings`) and the
optimizer (:class:`dl_parity.models.optim.Optim`) declare with a
:class:`dl_parity.flags.Flag` (:func:`add_model_flags`). A flag that the chosen model does
not have is refused here, generically (:func:`choose`), naming the model and its options.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from dl_parity.errors import UsageError
from dl_parity.flags import Flag, add_arguments, declared, name_the_flag, parse_ints

#: the file types ``--plot`` writes (matplotlib's formats, chosen by the suffix)
PLOT_SUFFIXES = (".png", ".pdf", ".svg")


# ----------------------------------------------------------------------------- model flags
def flag_specs() -> dict[str, tuple[Flag, list[str]]]:
    """Every flagged field of the settings, the optimizer and the models: field -> (its
    Flag, the models that take it), in declaration order."""
    from dl_parity.models import REGISTRY
    from dl_parity.models.base import UNIVERSAL
    from dl_parity.models.optim import Optim
    from dl_parity.settings import Settings

    specs: dict[str, tuple[Flag, list[str]]] = {}
    for owner in (Settings, Optim, *REGISTRY.values()):
        for name, spec in declared(owner).items():
            specs.setdefault(name, (spec, []))
    for name, (spec, owners) in specs.items():
        owners += [m for m, cls in REGISTRY.items()
                   if name in UNIVERSAL or name in cls.takes or name in declared(cls)]
    return specs


def accepted(model_cls) -> set[str]:
    """The fields a model's run takes from the command line."""
    from dl_parity.models.base import UNIVERSAL

    return set(UNIVERSAL) | set(model_cls.takes) | set(declared(model_cls))


def add_model_flags(parser) -> None:
    """The settings' and optimizer's flags, then each model's own (one group each)."""
    from dl_parity.models import REGISTRY
    from dl_parity.models.optim import Optim
    from dl_parity.settings import Settings

    specs = flag_specs()
    general = set(declared(Settings)) | set(declared(Optim))
    group = parser.add_argument_group("training (which models take each: in brackets)")
    for name in specs:
        if name in general:
            spec, owners = specs[name]
            add_arguments(group, name, spec, "all models" if len(owners) == len(REGISTRY)
                          else ", ".join(owners))
    for model, cls in REGISTRY.items():
        own = [n for n in declared(cls) if n not in general and specs[n][1][0] == model]
        if own:
            group = parser.add_argument_group(f"options of the {model} model")
            for name in own:
                add_arguments(group, name, specs[name][0], ", ".join(specs[name][1]))


def given_options(args) -> dict:
    """field -> value of every model flag the user gave (argparse leaves the others None);
    comma-separated lists parsed."""
    given = {}
    for name, (spec, _) in flag_specs().items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if spec.kind == "ints":
            try:
                value = parse_ints(spec.flag(name), value)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        given[name] = value
    return given


def choose(dataset: str, model: str | None, given: dict):
    """(recipe, model class) of a train run: ``--model`` when given, else the first model
    of the data set that takes every option given; a flag the model does not have is a
    UsageError naming the model and the flags it has."""
    from dl_parity.recipes import datasets_of, models_of, recipe_for
    from dl_parity.models import get_model

    names = models_of(dataset)
    if model is not None and model not in names:
        raise UsageError(f"--model {model}: not available with --dataset {dataset} (the "
                         f"{model} model trains on {', '.join(datasets_of(model)) or 'nothing'};"
                         f" the models of {dataset}: {', '.join(names)})")
    chosen = model or next((n for n in names if set(given) <= accepted(get_model(n))), names[0])
    cls = get_model(chosen)
    refused = [n for n in given if n not in accepted(cls)]
    if refused:
        specs = flag_specs()
        flag = specs[refused[0]][0].flag(refused[0])
        owners = specs[refused[0]][1]
        how = f"--model {chosen}" if model else f"--dataset {dataset} trains {chosen}"
        raise UsageError(f"{flag}: the {chosen} model has no such option ({how}; {flag} is an "
                         f"option of {', '.join(owners)}; the {chosen} model's: "
                         f"{', '.join(sorted(specs[n][0].flag(n) for n in accepted(cls)))})")
    return recipe_for(dataset, chosen, given), cls


def check_companions(recipe, cls, given: dict) -> None:
    """A flag that means something only beside another value (``Flag.only_with``): one
    UsageError naming both flags and what the other one is."""
    from dl_parity.models.optim import Optim

    specs = flag_specs()
    fields = {f.name: f.default for f in dataclasses.fields(Optim)}
    values = {**fields, **recipe.optim, **recipe.config, **given}
    for name in given:
        spec = specs[name][0]
        if spec.only_with is None:
            continue
        other, allowed = spec.only_with
        if values.get(other) not in allowed:
            other_flag = specs[other][0].flag(other)
            now = values.get(other)
            raise UsageError(f"{spec.flag(name)}: only with {other_flag} "
                             f"{' or '.join(map(str, allowed))} (got "
                             f"{f'{other_flag} {now}' if now is not None else f'no {other_flag}'})")


def usage(exc: Exception) -> UsageError:
    """A ValueError about a field (``keep_prob: ...``) as the user's flag (``--keep-prob: ...``)."""
    return UsageError(name_the_flag(str(exc), {n: s for n, (s, _) in flag_specs().items()}))


def plan_from_args(args):
    """The run's :class:`dl_parity.training.Plan`: the recipe of (--dataset, the model),
    with the user's options on top; every inconsistent option is a UsageError."""
    from dl_parity.training import plan_for

    given = given_options(args)
    recipe, cls = choose(args.dataset, args.model, given)
    check_companions(recipe, cls, given)
    impls = ["numpy", "torch"] if args.impl == "both" else [args.impl]
    try:
        plan = plan_for(recipe, impls, args.device, given=given)
        plan.model.check_dataset(plan.dataset)
    except ValueError as exc:
        raise usage(exc) from None
    return plan


# ----------------------------------------------------------------------------- other options
def check_device(device: str) -> None:
    """``--device cuda`` without CUDA is refused by every command (one rule)."""
    if device != "cuda":
        return
    import torch

    if not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available on this machine "
                         "(torch.cuda.is_available() is False); use --device cpu")


def check_output_path(option: str, path: str | None) -> None:
    if path is None:
        return
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if p.is_dir():
        raise UsageError(f"{option} {path}: is a folder; expected a file name")


def plot_path(path: str | None) -> tuple[str, str, str] | None:
    """``--plot PATH``: (PATH, stem, suffix), the companion figures being stem-boundary
    + suffix ...; the suffix picks the format (.png, .pdf, .svg; none: PNG), any other is
    refused."""
    if path is None:
        return None
    check_output_path("--plot", path)
    suffix = Path(path).suffix
    if suffix and suffix.lower() not in PLOT_SUFFIXES:
        raise UsageError(f"--plot {path}: expected a file name ending in "
                         f"{', '.join(PLOT_SUFFIXES)} (the format follows it), got {suffix!r}")
    return (str(path), str(path)[:-len(suffix)], suffix) if suffix \
        else (str(path), str(path), ".png")


def positive(option: str, value, kind=int):
    """``value`` if it is None or a positive finite number, else a UsageError."""
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise UsageError(f"{option}: expected a positive {'integer' if kind is int else 'number'}, "
                         f"got {value}")
    return value


class cpu_threads:
    """Limit NumPy's BLAS (threadpoolctl) and torch's intra-op threads to n, then restore."""

    def __init__(self, n: int):
        self.n = n

    def __enter__(self):
        import torch
        from threadpoolctl import threadpool_limits

        self._torch = torch.get_num_threads()
        self._blas = threadpool_limits(limits=self.n)
        torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self._torch)
        self._blas.restore_original_limits()
        return False
