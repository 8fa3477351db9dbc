"""From a catalog dotted path to the code a student reads.

The catalog names code by dotted path (``scratch.deep_nn.linear_backward``,
``torch_ref.models.DeepNet.forward``, ``torch_ref.models.ACTIVATIONS``);
:func:`get_source` imports it and returns its source text with the file and line
it starts at, read with :mod:`inspect` (functions, classes, methods) or, for a
module-level value such as a dict, the assignment statement found with
:mod:`ast` (with the ``#:`` comment above it). Nothing is ever hand-copied: the
study guide and ``dl-parity show`` print what is in the files now.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .catalog import CATALOG, Formula


@dataclass(frozen=True)
class Source:
    """The source of one dotted path.

    ``code`` is the dedented text; ``file`` the path relative to the project root
    (absolute when outside it); ``line`` the first line (1-based). When the path
    cannot be resolved, ``code`` is empty and ``error`` says why.
    """
    path: str
    code: str
    file: str = ""
    line: int = 0
    kind: str = ""            # "function", "class", "method", "value" or "module"
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file else ""


PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _relative(path: str | None) -> str:
    if not path:
        return ""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(p)


def resolve(path: str):
    """Import the longest module prefix of ``path``, then getattr the rest.

    Returns ``(module, owner, obj, attribute_names)``: ``owner`` is the object
    that holds ``obj`` (the module or a class). Raises ``ImportError`` or
    ``AttributeError`` with the dotted path in the message.
    """
    parts = path.split(".")
    module = None
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # only "this prefix is not a module" is a reason to try a shorter one
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise
        rest = parts[i:]
        break
    if module is None:
        raise ImportError(f"{path}: no importable module in this dotted path")
    owner, obj = module, module
    for attr in rest:
        if not hasattr(obj, attr):
            raise AttributeError(f"{path}: {type(obj).__name__} "
                                 f"{getattr(obj, '__qualname__', getattr(obj, '__name__', obj))!s} "
                                 f"has no attribute {attr!r}")
        owner, obj = obj, getattr(obj, attr)
    return module, owner, obj, rest


def _assignment_source(module, name: str) -> tuple[str, int] | None:
    """The module-level statement that assigns ``name``, with the comments right above it."""
    try:
        text = inspect.getsource(module)
    except (OSError, TypeError):
        return None
    tree = ast.parse(text)
    lines = text.splitlines()
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        start = node.lineno  # 1-based
        while start > 1 and lines[start - 2].lstrip().startswith("#"):
            start -= 1
        return "\n".join(lines[start - 1:node.end_lineno]) + "\n", start
    return None


def get_source(path: str) -> Source:
    """The source of a catalog dotted path (never raises for a path that does not resolve)."""
    try:
        module, owner, obj, rest = resolve(path)
    except (ImportError, AttributeError) as exc:
        return Source(path, "", error=str(exc))
    except Exception as exc:  # a module that fails to import is reported, not raised
        return Source(path, "", error=f"{path}: importing it raised {type(exc).__name__}: {exc}")
    if not rest:
        kind = "module"
    elif inspect.isclass(obj):
        kind = "class"
    elif inspect.isclass(owner) and callable(obj):
        kind = "method"
    elif inspect.isroutine(obj) and getattr(obj, "__name__", "") == rest[-1]:
        kind = "function"
    else:
        kind = "value"
    if kind == "value":
        found = _assignment_source(module, rest[-1]) if len(rest) == 1 else None
        if found is None:
            return Source(path, "", kind=kind,
                          error=f"{path}: a {type(obj).__name__} value whose assignment "
                                f"was not found in {module.__name__}")
        code, line = found
        return Source(path, code, _relative(inspect.getsourcefile(module)), line, kind)
    target = inspect.unwrap(obj) if callable(obj) else obj
    try:
        lines, line = inspect.getsourcelines(target)
        file = inspect.getsourcefile(target)
    except (OSError, TypeError) as exc:
        return Source(path, "", kind=kind, error=f"{path}: no source available ({exc})")
    return Source(path, textwrap.dedent("".join(lines)), _relative(file), max(line, 1), kind)


#: private helpers that only check input: not shown (they hold no formula)
_CHECKS = ("__", "_check", "_as_", "_validate", "_describe")


def _is_shown_helper(obj, name: str, package: str) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return (inspect.isfunction(obj) and name.startswith("_") and not name.startswith(_CHECKS)
            and module.split(".")[0] == package and not module.rsplit(".", 1)[-1].startswith(
                "_validate"))


def private_helpers(src: Source) -> list[str]:
    """Dotted paths of the private functions (``_name``) that ``src`` calls, in call order.

    A public course function may hand part of its formula to a private helper (the loop
    ``_backward_from_dZL``), or run another checked function's formula in a loop
    (``rnn_cell_forward.unchecked(...)``, the body without its input check): the formula
    is there, so the reader is shown it too. Calls by name (``_helper(...)``), through a
    module of the same package (``deep_nn._helper(...)``) and of ``f.unchecked`` are
    followed; input checks (``_check*``, ``_as_*``, scratch's ``_validate`` modules) are
    left out.
    """
    if not src.ok or src.kind not in ("function", "method"):
        return []
    module_name = src.path.rsplit(".", 2 if src.kind == "method" else 1)[0]
    try:
        module = importlib.import_module(module_name)
        tree = ast.parse(src.code)
    except Exception:
        return []
    package = module_name.split(".")[0]
    found: list[str] = []
    # every name the code reads, in order: calls (``_helper(...)``, ``deep_nn._helper(...)``)
    # and helpers handed on as arguments (``_gru_loop_forward(gru_cell_forward.unchecked, ...)``)
    refs = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute))),
                  key=lambda n: (n.lineno, n.col_offset))
    for ref in refs:
        if isinstance(ref, ast.Name):
            obj, name = getattr(module, ref.id, None), ref.id
        elif isinstance(ref.value, ast.Name) and inspect.ismodule(
                getattr(module, ref.value.id, None)):
            obj, name = getattr(getattr(module, ref.value.id), ref.attr, None), ref.attr
        elif (ref.attr == "unchecked" and isinstance(ref.value, ast.Name)
              and callable(getattr(getattr(module, ref.value.id, None), "unchecked", None))):
            # ``cell_forward.unchecked(...)``: a loop runs a checked function's formula
            obj, name = getattr(module, ref.value.id).unchecked, "_" + ref.value.id
        else:
            continue
        if _is_shown_helper(obj, name, package):
            found.append(f"{obj.__module__}.{obj.__name__}")
    return list(dict.fromkeys(found))


def entry_sources(entry: Formula, helpers: bool = True) -> tuple[list[Source], list[Source]]:
    """(NumPy sources, PyTorch sources) of one catalog entry, in catalog order.

    With ``helpers``, each function is followed by the private helpers it calls, and
    theirs in turn (see :func:`private_helpers`), depth first, each shown once.
    """
    def expand(paths):
        out: list[Source] = []
        seen: set[str] = set()

        def visit(path, depth):
            seen.add(path)
            src = get_source(path)
            out.append(src)
            for h in private_helpers(src) if helpers and depth < 6 else []:
                if h not in seen and h not in paths:
                    visit(h, depth + 1)
        for p in paths:
            if p not in seen:
                visit(p, 0)
        return out
    return expand(entry.scratch), expand(entry.torch)


def numpy_code(entry: Formula) -> str:
    """All the NumPy code shown for ``entry`` (its functions and their private helpers)."""
    return "\n".join(src.code for src in entry_sources(entry)[0])


def short_name(path: str) -> str:
    """``scratch.deep_nn.linear_backward`` -> ``linear_backward``; methods keep their class."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return ".".join(parts[-2:])
    return parts[-1]


def all_names() -> list[str]:
    """Every name ``dl-parity show`` accepts: ids, function names and full dotted paths."""
    names: list[str] = []
    for f in CATALOG:
        names.append(f.id)
        for p in f.scratch + f.torch:
            names.extend([p, p.rsplit(".", 1)[-1], short_name(p)])
    return list(dict.fromkeys(names))


def entries_for(name: str) -> list[Formula]:
    """Every entry that ``name`` designates: its id, or a function it lists (all of them)."""
    out = [f for f in CATALOG if f.id == name]
    if out:
        return out
    return [f for f in CATALOG
            if any(p == name or p.rsplit(".", 1)[-1] == name or short_name(p) == name
                   for p in f.scratch + f.torch)]
