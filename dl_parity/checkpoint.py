"""Checkpoints both implementations read: the course's parameter dict in a ``.npz`` file.

A checkpoint is what ``np.savez`` writes for {"W1": (n[1], n[0]), "b1": (n[1], 1), ...,
"WL", "bL"} (the course's shapes, whichever side trained it), plus, beside the arrays,
what it takes to rebuild the model:

    layer_dims          int64 (L + 1,)   [n_x, n[1], ..., n[L]]
    hidden_activation   str  (0-d)       "relu", "tanh", ...
    output_activation   str  (0-d)       "sigmoid" or "softmax"
    dataset             str  (0-d)       "planar", "cat" or "mnist"
    dtype               str  (0-d)       "float64" or "float32"
    impl                str  (0-d)       which side's parameters these are ("numpy", "torch")
    step                int64 (0-d)      iterations (full batch) or batches (mini-batch) done

Every entry is a plain array (strings as NumPy unicode scalars), so the file loads with
``np.load(path, allow_pickle=False)``: opening a checkpoint never runs code from it.
The torch side loads the same dict with ``DeepNet.load_course_parameters``.

MLP checkpoints carry no ``model`` entry; the other kinds do, and have their own
modules: ``model = "cnn"`` (:mod:`dl_parity.checkpoint_cnn`, the course-4 CNN) and
``model = "char_rnn"`` (:mod:`dl_parity.checkpoint_char`). :func:`checkpoint_model` tells
them apart; :func:`save_run_checkpoint` writes the kind a training run's model needs. All
kinds share this module's reading (:func:`read_arrays`) and writing
(:func:`write_atomically`).

Writes are atomic: the arrays go to a temporary file in the target's directory, which is
flushed to disk and then renamed over the target with ``os.replace``. A reader sees the
old file or the new one, never half of one, and a run that stops early leaves the last
good checkpoint as it was.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

META_KEYS = ("layer_dims", "hidden_activation", "output_activation", "dataset", "dtype",
             "impl", "step")
FLOAT_DTYPES = ("float64", "float32")
MODEL = "mlp"
#: the other kinds of checkpoint and what reads them
OTHER_MODELS = {"cnn": "dl_parity.checkpoint_cnn; dl-parity evaluate reads it",
                "char_rnn": "dl_parity.checkpoint_char; dl-parity sample reads it"}


class CheckpointError(ValueError):
    """A file that is not a dl-parity checkpoint, or one that does not fit what was asked."""


@dataclass
class Checkpoint:
    parameters: dict[str, np.ndarray]
    layer_dims: list[int]
    hidden_activation: str
    output_activation: str
    dataset: str
    dtype: str
    impl: str = "numpy"
    step: int = 0

    @property
    def L(self) -> int:
        return len(self.layer_dims) - 1


def save_checkpoint(path, ckpt: Checkpoint) -> Path:
    """Write ``ckpt`` to ``path`` atomically (temporary file + ``os.replace``).

    Refuses (CheckpointError) parameters that are not finite or do not fit
    ``layer_dims``: a diverged model is never written.
    """
    path = Path(path)
    _check_parameters(ckpt.parameters, ckpt.layer_dims, str(path))
    arrays = finite_arrays(path, {k: np.asarray(v) for k, v in ckpt.parameters.items()})
    arrays.update(
        layer_dims=np.asarray(ckpt.layer_dims, dtype=np.int64),
        hidden_activation=np.str_(ckpt.hidden_activation),
        output_activation=np.str_(ckpt.output_activation),
        dataset=np.str_(ckpt.dataset),
        dtype=np.str_(ckpt.dtype),
        impl=np.str_(ckpt.impl),
        step=np.int64(ckpt.step),
    )
    return write_atomically(path, arrays)


def finite_arrays(path, parameters) -> dict[str, np.ndarray]:
    """The parameters as arrays, or CheckpointError naming the first that holds NaN or inf
    (a diverged model is never saved); every checkpoint kind checks so before writing."""
    arrays = {k: np.asarray(v) for k, v in parameters.items()}
    for key, value in arrays.items():
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: refusing to save {key}: it holds NaN or inf "
                                  f"(a diverged model)")
    return arrays


def write_atomically(path, arrays: Mapping[str, np.ndarray]) -> Path:
    """``np.savez(path, **arrays)``, atomically: a temporary file in the target's folder,
    flushed to disk, then ``os.replace``d over ``path`` (every checkpoint kind writes so).

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
        os.chmod(tmp, 0o666 & ~_umask())     # mkstemp makes 0600; give a normal file's mode
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_checkpoint(path, layer_dims=None) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (``allow_pickle=False``).

    Args:
        path: the ``.npz`` file.
        layer_dims: if given, the arrays must fit these sizes exactly.
    Raises:
        CheckpointError: missing file, not an ``.npz`` archive, pickled content, missing
            keys, shapes that do not chain or do not fit ``layer_dims``, NaN or inf.
    """
    path = Path(path)
    data = read_arrays(path, f"W1, b1, ... and {', '.join(META_KEYS)}",
                       "the course's parameters W1, b1, ...")
    tag = model_tag(data)
    if tag != MODEL:
        raise CheckpointError(f"{path}: not an MLP checkpoint: it holds a {tag} model "
                              f"({OTHER_MODELS.get(tag, 'an unknown kind')})")
    missing = [k for k in META_KEYS if k not in data]
    if missing:
        raise CheckpointError(f"{path}: not a dl-parity checkpoint: missing "
                              f"{', '.join(missing)} (found keys {', '.join(sorted(data))})")
    dims = [int(n) for n in np.asarray(data["layer_dims"]).ravel()]
    if len(dims) < 2 or min(dims) < 1:
        raise CheckpointError(f"{path}: layer_dims should be at least two positive sizes, "
                              f"got {dims}")
    dtype = str(data["dtype"])
    if dtype not in FLOAT_DTYPES:
        raise CheckpointError(f"{path}: dtype should be one of {', '.join(FLOAT_DTYPES)}, "
                              f"got {dtype!r}")
    L = len(dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        for key in (f"W{l}", f"b{l}"):
            if key not in data:
                raise CheckpointError(f"{path}: missing {key}; layer_dims {dims} needs W1, b1, "
                                      f"..., W{L}, b{L}")
            parameters[key] = data[key]
    extra = sorted(k for k in data if k not in parameters and k not in META_KEYS + ("model",))
    if extra:
        raise CheckpointError(f"{path}: unexpected arrays {', '.join(extra)} for layer_dims "
                              f"{dims} (expected W1, b1, ..., W{L}, b{L})")
    _check_parameters(parameters, dims, str(path))
    if layer_dims is not None and list(layer_dims) != dims:
        raise CheckpointError(f"{path}: the checkpoint's arrays are for layers "
                              f"{','.join(map(str, dims))}, but --layers asks for "
                              f"{','.join(map(str, layer_dims))}")
    for key, value in parameters.items():
        if value.dtype.kind != "f":
            raise CheckpointError(f"{path}: {key} should be floating point, got {value.dtype}")
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: {key} holds NaN or inf")
    return Checkpoint(parameters=parameters, layer_dims=dims,
                      hidden_activation=str(data["hidden_activation"]),
                      output_activation=str(data["output_activation"]),
                      dataset=str(data["dataset"]), dtype=dtype, impl=str(data["impl"]),
                      step=int(data["step"]))


def read_arrays(path, expected: str, contents: str) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` archive ``path``, read with ``allow_pickle=False``
    (opening a checkpoint never runs code from it); every kind of checkpoint reads so.

    Args:
        expected: what the archive should hold, for the message about a single ``.npy``.
        contents: what a checkpoint holds, for the message about an unreadable file.
    Raises:
        CheckpointError: missing file, a single array, pickled content, not an archive.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise CheckpointError(f"{path}: not a checkpoint: expected an .npz archive of "
                                  f"{expected}, got a single array (.npy)")
        with npz:
            return {k: npz[k] for k in npz.files}
    except CheckpointError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        # np.load: ValueError for pickled data or an unknown format, OSError/EOFError for
        # unreadable or truncated files, BadZipFile for a damaged archive
        raise CheckpointError(f"{path}: not a dl-parity checkpoint (an .npz archive of "
                              f"{contents} loadable without pickle): "
                              f"{type(exc).__name__}: {exc}") from None


def model_tag(data: Mapping[str, np.ndarray]) -> str:
    """The ``model`` entry of a checkpoint's arrays: "cnn", "char_rnn", ...; "mlp" where
    there is none (MLP checkpoints carry no tag: their keys are W1..WL and META_KEYS)."""
    if "model" not in data:
        return MODEL
    tag = data["model"]
    return str(tag) if tag.ndim == 0 and tag.dtype.kind == "U" else repr(tag.tolist())


def checkpoint_model(path) -> str:
    """Which model a checkpoint file holds ("mlp", "cnn", "char_rnn"), read from its
    ``model`` entry alone. Raises CheckpointError as :func:`read_arrays`."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            return MODEL                 # load_checkpoint gives the full message
        with npz:
            return model_tag({"model": npz["model"]} if "model" in npz.files else {})
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError):
        return MODEL                     # unreadable: load_checkpoint says why


def save_run_checkpoint(path, plan, side, steps: int) -> Path:
    """The train command's save hook: ``side``'s parameters after ``steps`` gradient steps
    of ``plan`` (a :class:`dl_parity.training.Plan`), as the checkpoint of the plan's model:
    :mod:`dl_parity.checkpoint_cnn`'s for the CNN, this module's for an MLP."""
    model = plan.model
    if getattr(model, "name", MODEL) == "cnn":
        from dl_parity.checkpoint_cnn import CNNCheckpoint, save_cnn_checkpoint

        return save_cnn_checkpoint(path, CNNCheckpoint(
            side.course_parameters(), tuple(model.image_shape), plan.dataset, plan.dtype,
            side.name, step=steps))
    return save_checkpoint(path, Checkpoint(side.course_parameters(), list(model.layer_dims),
                                            model.hidden_activation, model.output_activation,
                                            plan.dataset, plan.dtype, side.name, step=steps))


def _check_parameters(parameters: Mapping[str, np.ndarray], dims: list[int], where: str):
    """W[l] must be (n[l], n[l-1]) and b[l] (n[l], 1) for l = 1..L."""
    for l in range(1, len(dims)):
        for key, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
            if key not in parameters:
                raise CheckpointError(f"{where}: missing {key} for layer_dims {dims}")
            got = np.shape(parameters[key])
            if got != shape:
                raise CheckpointError(f"{where}: {key} should be {shape} for layer_dims "
                                      f"{dims}, got {got}")
