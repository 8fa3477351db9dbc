"""The trainable models: each module of this package defines one (a :class:`base.Model`
registered with ``@register``), and importing the package imports every module, so the
registry holds every model without a list to edit.

    from dl_parity.models import get_model, MODELS
    get_model("cnn")                      # the class registered as "cnn"

See :mod:`dl_parity.models.base` for the protocol, docs/design.md for adding a model.
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import REGISTRY, Model, register  # noqa: F401

#: modules of this package that hold no model
_SUPPORT = {"base", "classifier", "optim"}

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _SUPPORT and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

#: the registered model names, in registration order
MODELS = tuple(REGISTRY)


def get_model(name: str) -> type[Model]:
    """The model class registered as ``name``; ValueError naming the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"model: expected one of {', '.join(REGISTRY)}, got {name!r}") \
            from None
