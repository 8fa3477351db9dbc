"""Checkpoints of the course-4 CNN: the course's dict and the image shape, in a ``.npz`` file.

A CNN checkpoint holds the course's arrays (scratch.fast_conv's layout, whichever side
trained them; the torch side converts with ``torch_ref.cnn.CNN.load_course_parameters``)

    W1 (f, f, n_C0, n_C1)   b1 (1, 1, 1, n_C1)        conv 1 (MNIST: (5, 5, 1, 8))
    W2 (f, f, n_C1, n_C2)   b2 (1, 1, 1, n_C2)        conv 2 (MNIST: (5, 5, 8, 16))
    W3 (n_y, n_flat)        b3 (n_y, 1)               FC, columns in (h, w, c) order
                                                      (MNIST: (10, 784) = 7 x 7 x 16)

and, beside them,

    model         str (0-d)     "cnn" (what tells it from an MLP's W1..WL, which carry no tag)
    image_shape   int64 (3,)    (n_H, n_W, n_C0) of one input image: (28, 28, 1)
    dataset       str (0-d)     "mnist"
    dtype         str (0-d)     "float64" or "float32"
    impl          str (0-d)     which side's parameters these are ("numpy", "torch")
    step          int64 (0-d)   mini-batch steps done

f, n_C1, n_C2 and n_y are read off the arrays; the convolutions are "same" (stride 1,
pad (f - 1) // 2) and each is followed by a 2 x 2 max pool, as
:class:`dl_parity.models.cnn.CNN` builds them, so n_flat = (n_H / 4)(n_W / 4) n_C2.

Plain arrays only (``np.load(path, allow_pickle=False)``); written atomically with
:func:`dl_parity.checkpoint.write_atomically`; a diverged model is never written.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dl_parity.checkpoint import (FLOAT_DTYPES, OTHER_MODELS, CheckpointError, finite_arrays,
                                  model_tag, read_arrays, write_atomically)

MODEL = "cnn"
PARAMETER_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
META_KEYS = ("model", "image_shape", "dataset", "dtype", "impl", "step")
POOL = 2


@dataclass
class CNNCheckpoint:
    parameters: dict[str, np.ndarray]
    image_shape: tuple[int, int, int] = (28, 28, 1)
    dataset: str = "mnist"
    dtype: str = "float32"
    impl: str = "numpy"
    step: int = 0

    def model(self):
        """The :class:`dl_parity.models.cnn.CNN` these arrays fit (sizes read off them)."""
        from dl_parity.models.cnn import CNN

        f, _, _, c1 = np.shape(self.parameters["W1"])
        c2 = np.shape(self.parameters["W2"])[3]
        n_y = np.shape(self.parameters["W3"])[0]
        return CNN(tuple(self.image_shape), (int(c1), int(c2)), int(f), int(n_y))


def save_cnn_checkpoint(path, ckpt: CNNCheckpoint) -> Path:
    """Write ``ckpt`` to ``path`` atomically (temporary file + ``os.replace``); refuses
    (CheckpointError) shapes that do not chain or do not fit ``image_shape``, and NaN or
    inf (a diverged model)."""
    path = Path(path)
    image_shape = _check(ckpt.parameters, ckpt.image_shape, str(path))
    arrays = finite_arrays(path, {k: np.asarray(ckpt.parameters[k]) for k in PARAMETER_KEYS})
    arrays.update(model=np.str_(MODEL), image_shape=np.asarray(image_shape, dtype=np.int64),
                  dataset=np.str_(ckpt.dataset), dtype=np.str_(ckpt.dtype),
                  impl=np.str_(ckpt.impl), step=np.int64(ckpt.step))
    return write_atomically(path, arrays)


def load_cnn_checkpoint(path) -> CNNCheckpoint:
    """Read a checkpoint written by :func:`save_cnn_checkpoint` (``allow_pickle=False``).

    Raises:
        CheckpointError: missing file, not an ``.npz`` archive, pickled content, a
            checkpoint of another model, missing or unexpected keys, shapes that do not
            chain or do not fit the image shape, non-float arrays, NaN or inf.
    """
    path = Path(path)
    data = read_arrays(path, f"{', '.join(PARAMETER_KEYS)} and {', '.join(META_KEYS)}",
                       "the CNN's parameters W1, b1, W2, b2, W3, b3")
    tag = model_tag(data)
    if tag != MODEL:
        what = ("an MLP checkpoint (W1, b1, ..., WL, bL and layer_dims)" if tag == "mlp"
                else f"a {tag} checkpoint ({OTHER_MODELS.get(tag, 'an unknown kind')})")
        raise CheckpointError(f"{path}: not a CNN checkpoint (dl-parity train --dataset mnist "
                              f"--model cnn --save): got {what}")
    missing = [k for k in PARAMETER_KEYS + META_KEYS if k not in data]
    if missing:
        raise CheckpointError(f"{path}: not a complete CNN checkpoint: missing "
                              f"{', '.join(missing)} (found keys {', '.join(sorted(data))})")
    extra = sorted(k for k in data if k not in PARAMETER_KEYS + META_KEYS)
    if extra:
        raise CheckpointError(f"{path}: unexpected arrays {', '.join(extra)} in a CNN "
                              f"checkpoint (expected {', '.join(PARAMETER_KEYS + META_KEYS)})")
    dtype = str(data["dtype"])
    if dtype not in FLOAT_DTYPES:
        raise CheckpointError(f"{path}: dtype should be one of {', '.join(FLOAT_DTYPES)}, "
                              f"got {dtype!r}")
    parameters = {k: data[k] for k in PARAMETER_KEYS}
    image_shape = _check(parameters, data["image_shape"], str(path))
    for key, value in parameters.items():
        if value.dtype.kind != "f":
            raise CheckpointError(f"{path}: {key} should be floating point, got {value.dtype}")
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: {key} holds NaN or inf")
    return CNNCheckpoint(parameters, image_shape, dataset=str(data["dataset"]), dtype=dtype,
                         impl=str(data["impl"]), step=int(data["step"]))


def _check(parameters, image_shape, where: str) -> tuple[int, int, int]:
    """W1 (f, f, n_C0, n_C1), b1 (1, 1, 1, n_C1), W2 (f, f, n_C1, n_C2), b2 (1, 1, 1, n_C2),
    W3 (n_y, n_flat), b3 (n_y, 1), with n_C0 and n_flat from image_shape (n_H, n_W, n_C0);
    returns image_shape as a tuple of ints."""
    missing = [k for k in PARAMETER_KEYS if k not in parameters]
    if missing:
        raise CheckpointError(f"{where}: missing {', '.join(missing)} (a CNN checkpoint holds "
                              f"{', '.join(PARAMETER_KEYS)})")
    shape = np.asarray(image_shape)
    if shape.shape != (3,) or shape.dtype.kind not in "iu" or shape.min() < 1:
        raise CheckpointError(f"{where}: image_shape should be three positive integers "
                              f"(n_H, n_W, n_C), got {shape.tolist()}")
    n_H, n_W, n_C0 = (int(n) for n in shape)
    W1 = np.shape(parameters["W1"])
    if len(W1) != 4 or W1[0] != W1[1] or W1[2] != n_C0:
        raise CheckpointError(f"{where}: W1 should be (f, f, {n_C0}, n_C1) for images "
                              f"{(n_H, n_W, n_C0)}, got {W1}")
    f, c1 = W1[0], W1[3]
    W2 = np.shape(parameters["W2"])
    if len(W2) != 4 or W2[:3] != (f, f, c1):
        raise CheckpointError(f"{where}: W2 should be ({f}, {f}, {c1}, n_C2) after W1 {W1}, "
                              f"got {W2}")
    c2, pad = W2[3], (f - 1) // 2
    h, w = n_H, n_W
    for _ in range(2):                                    # conv (stride 1, pad) then pool
        h = (h + 2 * pad - f + 1 - POOL) // POOL + 1
        w = (w + 2 * pad - f + 1 - POOL) // POOL + 1
    if h < 1 or w < 1:
        raise CheckpointError(f"{where}: images {(n_H, n_W, n_C0)} are too small for two "
                              f"conv {f}x{f} + max pool {POOL} blocks")
    W3 = np.shape(parameters["W3"])
    n_flat = h * w * c2
    if len(W3) != 2 or W3[1] != n_flat:
        raise CheckpointError(f"{where}: W3 should be (n_y, {n_flat}) (the flattened "
                              f"{(h, w, c2)} of P2), got {W3}")
    expected = {"b1": (1, 1, 1, c1), "b2": (1, 1, 1, c2), "b3": (W3[0], 1)}
    for key, want in expected.items():
        got = np.shape(parameters[key])
        if got != want:
            raise CheckpointError(f"{where}: {key} should be {want}, got {got}")
    return n_H, n_W, n_C0
