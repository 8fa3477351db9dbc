"""Checkpoints both implementations read, one format for every model: the course's parameter
dict in a ``.npz`` file, with what it takes to rebuild the model beside it.

    <the course's arrays>   e.g. W1 (n[1], n[0]), b1 (n[1], 1), ...; the CNN's conv
                            filters; the char-RNN's Wax, Waa, Wya, b, by (whichever side
                            trained them: the course's layout)
    model    str (0-d)      the model's registry name ("mlp", "course2", "cnn", ...)
    config   str (0-d)      the model's fields as JSON (``model.config()``), from which
                            ``from_config`` rebuilds it: layer sizes, activations, batch
                            norm, a vocabulary, ...
    dataset  str (0-d)      the data set it was trained on
    dtype    str (0-d)      "float64" or "float32"
    impl     str (0-d)      which side's parameters these are ("numpy", "torch")
    step     int64 (0-d)    gradient steps done

Every entry is a plain array (strings as NumPy unicode scalars), so the file loads with
``np.load(path, allow_pickle=False)``: opening a checkpoint never runs code from it. The
arrays' keys and shapes are checked once, on load and before a save, against the
model's ``parameter_shapes()``; a diverged model (NaN or inf) is never written.

Writes are atomic: the arrays go to a temporary file in the target's directory, which is
flushed to disk and then renamed over the target with ``os.replace``. A reader sees the
old file or the new one, never half of one, and a run that stops early leaves the last
good checkpoint as it was.

Files of the first formats (before the ``config`` entry: an MLP's W1..WL with
``layer_dims`` and the activations and no ``model`` entry; ``model = "cnn"`` with
``image_shape``; ``model = "char_rnn"`` with ``vocabulary``) still load: their model's
``from_legacy`` reads what they hold instead.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

META_KEYS = ("model", "config", "dataset", "dtype", "impl", "step")
FLOAT_DTYPES = ("float64", "float32")
#: the model of a file with no ``model`` entry (the first MLP checkpoints)
UNTAGGED = "mlp"


class CheckpointError(ValueError):
    """A file that is not a dl-parity checkpoint, or one that does not fit what was asked."""


@dataclass
class Checkpoint:
    model: object                      # a dl_parity.models.base.Model
    parameters: dict[str, np.ndarray]
    dataset: str
    dtype: str
    impl: str = "numpy"
    step: int = 0


def save_checkpoint(path, ckpt: Checkpoint) -> Path:
    """Write ``ckpt`` to ``path`` atomically (temporary file + ``os.replace``).

    Refuses (CheckpointError) parameters that do not fit the model or are not finite:
    a diverged model is never written.
    """
    path = Path(path)
    clash = sorted(set(ckpt.parameters) & set(META_KEYS))
    if clash:
        raise CheckpointError(f"{path}: the parameters {', '.join(clash)} have the names of "
                              f"a checkpoint's entries ({', '.join(META_KEYS)})")
    try:
        ckpt.model.check_parameters(ckpt.parameters)
    except ValueError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    arrays = finite_arrays(path, ckpt.parameters)
    arrays.update(model=np.str_(ckpt.model.name), config=np.str_(ckpt.model.to_json()),
                  dataset=np.str_(ckpt.dataset), dtype=np.str_(ckpt.dtype),
                  impl=np.str_(ckpt.impl), step=np.int64(ckpt.step))
    return write_atomically(path, arrays)


def save_run_checkpoint(path, plan, side, steps: int) -> Path:
    """The train command's save hook: ``side``'s parameters after ``steps`` gradient steps
    of ``plan`` (a :class:`dl_parity.training.Plan`)."""
    return save_checkpoint(path, Checkpoint(plan.model, side.course_parameters(), plan.dataset,
                                            plan.dtype, side.name, steps))


def finite_arrays(path, parameters) -> dict[str, np.ndarray]:
    """The parameters as arrays, or CheckpointError naming the first that holds NaN or inf
    (a diverged model is never saved)."""
    arrays = {k: np.asarray(v) for k, v in parameters.items()}
    for key, value in arrays.items():
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: refusing to save {key}: it holds NaN or inf "
                                  f"(a diverged model)")
    return arrays


def write_atomically(path, arrays: Mapping[str, np.ndarray]) -> Path:
    """``np.savez(path, **arrays)``, atomically: a temporary file in the target's folder,
    flushed to disk, then ``os.replace``d over ``path``.

    Raises:
        CheckpointError: the folder does not exist. Anything the write raises (a full
            disk, ...) propagates after the temporary file is removed; ``path`` is untouched.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CheckpointError(f"cannot save the checkpoint to {path}: the folder {directory} "
                              f"does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.chmod(tmp, 0o666 & ~umask())     # mkstemp makes 0600; give a normal file's mode
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)     # a file object: savez adds no ".npz" to the name
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def umask() -> int:
    """The process's umask (what a normal file's mode leaves out)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------------------- reading
def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint (``allow_pickle=False``), of this format or a first one.

    Raises:
        CheckpointError: missing file, a folder, not an ``.npz`` archive, pickled content,
            an unknown model, missing entries, arrays that do not fit the model, non-float
            arrays, NaN or inf.
    """
    path = Path(path)
    data = read_arrays(path)
    model, legacy = _model(path, data)
    missing = [k for k in META_KEYS[2:] if k not in data]
    if missing:
        raise CheckpointError(f"{path}: not a complete checkpoint: missing {', '.join(missing)} "
                              f"(found keys {', '.join(sorted(data))})")
    dtype = str(data["dtype"])
    if dtype not in FLOAT_DTYPES:
        raise CheckpointError(f"{path}: dtype should be one of {', '.join(FLOAT_DTYPES)}, "
                              f"got {dtype!r}")
    parameters = {k: v for k, v in data.items() if k not in META_KEYS and k not in legacy}
    try:
        model.check_parameters(parameters)
    except ValueError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    for key, value in parameters.items():
        if value.dtype.kind != "f":
            raise CheckpointError(f"{path}: {key} should be floating point, got {value.dtype}")
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: {key} holds NaN or inf")
    return Checkpoint(model, parameters, str(data["dataset"]), dtype, str(data["impl"]),
                      int(data["step"]))


def _model(path, data) -> tuple[object, tuple[str, ...]]:
    """The model a checkpoint holds, and the entries of a first format that described it."""
    from dl_parity.models import REGISTRY, get_model

    tag = model_tag(data)
    if tag not in REGISTRY:
        raise CheckpointError(f"{path}: it holds a model {tag!r} that this dl-parity does not "
                              f"know (models: {', '.join(REGISTRY)})")
    cls = get_model(tag)
    try:
        if "config" in data:
            return cls.from_config(json.loads(str(data["config"]))), ()
        return cls.from_legacy(data)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        what = "its config" if "config" in data else "the first format's entries"
        raise CheckpointError(f"{path}: not a readable {tag} checkpoint: {what}: "
                              f"{type(exc).__name__}: {exc}") from None


def read_arrays(path) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` archive ``path``, read with ``allow_pickle=False``
    (opening a checkpoint never runs code from it).

    Raises:
        CheckpointError: missing file, a folder, a single array, pickled content, not an
            archive, a damaged archive.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder; expected a checkpoint file (.npz)")
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise CheckpointError(f"{path}: not a checkpoint: expected an .npz archive of "
                                  f"arrays, got a single array (.npy)")
        with npz:
            return {k: npz[k] for k in npz.files}
    except CheckpointError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise CheckpointError(f"{path}: not a dl-parity checkpoint: {_why(exc)}") from None


def _why(exc: Exception) -> str:
    """What np.load's error means, without its advice to load the file unsafely."""
    text = str(exc)
    if isinstance(exc, ValueError) and "Object arrays" in text:
        return ("it holds object arrays (pickled Python objects), which dl-parity never "
                "loads: a checkpoint holds plain numeric and string arrays")
    if isinstance(exc, ValueError) and "pickle" in text:
        return ("it is neither an .npz archive nor a .npy array (numpy could only read it "
                "by unpickling it, which dl-parity never does)")
    if isinstance(exc, zipfile.BadZipFile):
        return f"a damaged .npz archive ({text})"
    return f"unreadable ({type(exc).__name__}: {text})"


def model_tag(data: Mapping[str, np.ndarray]) -> str:
    """The ``model`` entry of a checkpoint's arrays; "mlp" where there is none (the first
    MLP checkpoints carried no tag)."""
    if "model" not in data:
        return UNTAGGED
    tag = data["model"]
    return str(tag) if tag.ndim == 0 and tag.dtype.kind == "U" else repr(tag.tolist())


def checkpoint_model(path) -> str:
    """Which model a checkpoint file holds, read from its ``model`` entry alone. Raises
    CheckpointError as :func:`read_arrays`."""
    return model_tag(read_arrays(path))
