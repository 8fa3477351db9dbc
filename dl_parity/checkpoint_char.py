"""Checkpoints of the course-5 character model: the course's dict and its vocabulary, ``.npz``.

A char-RNN checkpoint holds the course's arrays, whichever side trained them,

    Wax (n_a, n_x)   Waa (n_a, n_a)   Wya (n_y, n_a)   b (n_a, 1)   by (n_y, 1)    n_y = n_x

and, beside them,

    model        str (0-d)   "char_rnn" (what tells it from the MLP checkpoints of
                             :mod:`dl_parity.checkpoint`)
    vocabulary   str (0-d)   the characters in index order (ix_to_char[i] = vocabulary[i]),
                             "\\n" included; its length is n_x
    dataset      str (0-d)   "dinos"
    dtype        str (0-d)   "float64" or "float32"
    impl         str (0-d)   which side's parameters these are ("numpy", "torch")
    step         int64 (0-d) iterations done

Every entry is a plain array (strings as NumPy unicode scalars), so the file loads with
``np.load(path, allow_pickle=False)``. Writes are atomic as in :mod:`dl_parity.checkpoint`
(a temporary file in the target's folder, flushed, then ``os.replace``): a reader sees the
old file or the new one, never half of one.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dl_parity.checkpoint import (FLOAT_DTYPES, CheckpointError, finite_arrays, read_arrays,
                                  write_atomically)

MODEL = "char_rnn"
PARAMETER_KEYS = ("Wax", "Waa", "Wya", "b", "by")
META_KEYS = ("model", "vocabulary", "dataset", "dtype", "impl", "step")


@dataclass
class CharCheckpoint:
    parameters: dict[str, np.ndarray]
    vocabulary: str                  # ix_to_char in index order
    dataset: str = "dinos"
    dtype: str = "float64"
    impl: str = "numpy"
    step: int = 0

    @property
    def n_a(self) -> int:
        return int(np.shape(self.parameters["Wax"])[0])

    @property
    def char_to_ix(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.vocabulary)}

    @property
    def ix_to_char(self) -> dict[int, str]:
        return dict(enumerate(self.vocabulary))


def save_char_checkpoint(path, ckpt: CharCheckpoint) -> Path:
    """Write ``ckpt`` to ``path`` atomically; refuses (CheckpointError) shapes that do not
    chain, a vocabulary that does not fit them, and NaN or inf (a diverged model)."""
    path = Path(path)
    _check(ckpt.parameters, ckpt.vocabulary, str(path))
    arrays = finite_arrays(path, {k: np.asarray(ckpt.parameters[k]) for k in PARAMETER_KEYS})
    arrays.update(model=np.str_(MODEL), vocabulary=np.str_(ckpt.vocabulary),
                  dataset=np.str_(ckpt.dataset), dtype=np.str_(ckpt.dtype),
                  impl=np.str_(ckpt.impl), step=np.int64(ckpt.step))
    return write_atomically(path, arrays)


def load_char_checkpoint(path) -> CharCheckpoint:
    """Read a checkpoint written by :func:`save_char_checkpoint` (``allow_pickle=False``).

    Raises:
        CheckpointError: missing file, not an ``.npz`` archive, pickled content, a
            checkpoint of another model (an MLP's W1, b1, ...), missing keys, shapes that
            do not chain or do not fit the vocabulary, non-float arrays, NaN or inf.
    """
    path = Path(path)
    data = read_arrays(path, f"{', '.join(PARAMETER_KEYS)} and {', '.join(META_KEYS)}",
                       "a char-RNN's Wax, Waa, Wya, b, by")
    if "model" not in data or str(data["model"]) != MODEL:
        what = ("an MLP checkpoint (W1, b1, ...; see dl-parity evaluate)"
                if "layer_dims" in data else f"keys {', '.join(sorted(data))}")
        raise CheckpointError(f"{path}: not a char-RNN checkpoint (dl-parity train --dataset "
                              f"dinos --save): got {what}")
    missing = [k for k in PARAMETER_KEYS + META_KEYS if k not in data]
    if missing:
        raise CheckpointError(f"{path}: not a complete char-RNN checkpoint: missing "
                              f"{', '.join(missing)}")
    dtype = str(data["dtype"])
    if dtype not in FLOAT_DTYPES:
        raise CheckpointError(f"{path}: dtype should be one of {', '.join(FLOAT_DTYPES)}, "
                              f"got {dtype!r}")
    parameters = {k: data[k] for k in PARAMETER_KEYS}
    vocabulary = str(data["vocabulary"])
    _check(parameters, vocabulary, str(path))
    for key, value in parameters.items():
        if value.dtype.kind != "f":
            raise CheckpointError(f"{path}: {key} should be floating point, got {value.dtype}")
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: {key} holds NaN or inf")
    return CharCheckpoint(parameters, vocabulary, dataset=str(data["dataset"]), dtype=dtype,
                          impl=str(data["impl"]), step=int(data["step"]))


def _check(parameters, vocabulary: str, where: str) -> None:
    """Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_x, n_a), b (n_a, 1), by (n_x, 1) with
    n_x = len(vocabulary), distinct characters, "\\n" among them."""
    missing = [k for k in PARAMETER_KEYS if k not in parameters]
    if missing:
        raise CheckpointError(f"{where}: missing {', '.join(missing)}")
    if len(set(vocabulary)) != len(vocabulary) or "\n" not in vocabulary:
        raise CheckpointError(f"{where}: the vocabulary should be distinct characters, the "
                              f"newline among them, got {vocabulary!r}")
    n_x = len(vocabulary)
    wax = np.shape(parameters["Wax"])
    if len(wax) != 2 or wax[1] != n_x:
        raise CheckpointError(f"{where}: Wax should be (n_a, {n_x}) for a vocabulary of {n_x} "
                              f"characters, got {wax}")
    n_a = wax[0]
    expected = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_x, n_a), "b": (n_a, 1),
                "by": (n_x, 1)}
    for key, shape in expected.items():
        got = np.shape(parameters[key])
        if got != shape:
            raise CheckpointError(f"{where}: {key} should be {shape} (n_a = {n_a}, n_x = "
                                  f"{n_x}), got {got}")
