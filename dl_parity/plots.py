"""The pictures ``dl-parity train --plot`` and ``dl-parity evaluate --plot`` draw (Agg; PNG,
PDF or SVG by the file's suffix).

- :func:`learning_curves`: each implementation's cost against the step, on one figure;
- :func:`decision_boundary`: the planar classifier's regions under the flower's points,
  one panel per implementation;
- :func:`misclassified_grid`: test images the model gets wrong, with true and predicted labels.

Each figure is written atomically (a temporary file beside the target, then ``os.replace``),
with a normal file's permissions.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STYLE = {"numpy": {"color": "tab:blue", "linestyle": "-", "linewidth": 2.5, "alpha": 0.6},
         "torch": {"color": "tab:orange", "linestyle": "--", "linewidth": 1.2}}


#: the formats a figure is written in, by the file's suffix (none: PNG)
FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


def _save(fig, path) -> Path:
    """Write ``fig`` atomically in the format of ``path``'s suffix (.png, .pdf, .svg; no
    suffix: PNG), with a normal file's mode (0666 less the umask, as any file written)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix and suffix not in FORMATS:
        raise ValueError(f"plot: expected a file name ending in {', '.join(FORMATS)}, got "
                         f"{path.name!r}")
    fmt = FORMATS.get(suffix, "png")
    mask = os.umask(0)
    os.umask(mask)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{fmt}",
                               dir=path.parent if str(path.parent) else ".")
    try:
        os.chmod(tmp, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format=fmt, dpi=110, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        plt.close(fig)
    return path


def learning_curves(costs: dict[str, list[float]], path, *, xlabel="iteration",
                    title="", log_y=False) -> Path:
    """J at every step, one line per implementation (numpy solid, torch dashed on top)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, c in costs.items():
        ax.plot(np.arange(len(c)), c, label=name, **STYLE.get(name, {}))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cost J")
    if log_y:
        ax.set_yscale("log")
    ax.set_title(title or "learning curves")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def decision_boundary(predictors: dict, X, y, path, *, title="") -> Path:
    """Regions where each predictor says 0 or 1, under the points X (2, m) coloured by y.

    ``predictors``: name -> function mapping a (2, k) array to k labels.
    """
    x_min, x_max = X[0].min() - 1, X[0].max() + 1
    y_min, y_max = X[1].min() - 1, X[1].max() + 1
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, 300), np.linspace(y_min, y_max, 300))
    grid = np.c_[xx.ravel(), yy.ravel()].T
    fig, axes = plt.subplots(1, len(predictors), figsize=(5 * len(predictors), 4.5),
                             squeeze=False)
    for ax, (name, predict) in zip(axes[0], predictors.items()):
        Z = np.asarray(predict(grid)).reshape(xx.shape)
        ax.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
        ax.scatter(X[0], X[1], c=y, s=12, cmap=plt.cm.Spectral, edgecolors="k", linewidths=0.3)
        ax.set_title(f"{name}: decision boundary")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def misclassified_grid(X, y_true, y_pred, image_shape, classes, path, *, limit=32,
                       title="") -> Path:
    """Up to ``limit`` images (columns of X) where y_pred != y_true, labelled true/predicted."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))[:limit]
    cols = 8
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.5, rows * 1.75), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        image = X[:, i].reshape(image_shape)
        ax.imshow(image, cmap="gray" if len(image_shape) == 2 else None,
                  vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"true {classes[y_true[i]]}\npred {classes[y_pred[i]]}", fontsize=7)
    if not len(wrong):
        axes[0, 0].text(0, 0.5, "no misclassified images", fontsize=10)
    fig.suptitle(title or f"misclassified: {int(np.sum(np.asarray(y_true) != np.asarray(y_pred)))}"
                          f" of {len(y_true)} (first {len(wrong)} shown)")
    return _save(fig, path)
