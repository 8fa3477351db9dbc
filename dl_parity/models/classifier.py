"""What the classifiers (course 1's MLPs, course 2's networks, course 4's CNN) share: data in
the course's layout (X (n_x, m), Y (n_y, m): 0/1 labels or one-hot columns), the course's
batches, accuracy and confusion matrix, and the pictures of their predictions.

Data: :func:`dl_parity.data.load_data` (planar, cat, MNIST, circles, football, moons; the
recipe's ``data`` names the set). Batches: the course's full batch
(:class:`~dl_parity.engine.FullBatch`) or ``random_mini_batches(seed + epoch)``
(:class:`~dl_parity.engine.MiniBatches`), with the model's shared randomness
(``extra``: dropout masks) when it has some. Labels: 1 where A[L] > 0.5 (sigmoid, the
course's ``predict``), argmax_k A[L]_k (softmax).
"""
from __future__ import annotations

import numpy as np

from .base import Evaluation, Model


class Classifier(Model):
    """Base of the models that classify columns of X (see the module doc). A subclass has
    ``output_activation`` ("sigmoid" or "softmax") and :meth:`io_sizes`."""

    output_activation = "sigmoid"
    plots_evaluation = True

    def io_sizes(self) -> tuple[int, int]:
        """(n_x, n_y): the input size and the number of output units."""
        raise NotImplementedError

    def io_text(self) -> str:
        """What it reads and gives, for the message about data that does not fit."""
        n_x, n_y = self.io_sizes()
        return f"input n_x = {n_x}, output {n_y}"

    def labels(self, A) -> np.ndarray:
        """Labels (m,) of A[L] (n_y, m): 1 where A > 0.5, or argmax over the classes."""
        if self.output_activation == "sigmoid":
            return (np.asarray(A) > 0.5).reshape(-1).astype(np.int64)
        return np.argmax(A, axis=0).astype(np.int64)

    # ------------------------------------------------------------ data
    def check_dataset(self, dataset: str) -> None:
        from dl_parity.data import SHAPES

        if dataset not in SHAPES:
            raise ValueError(f"dataset: the {self.name} model reads one of "
                             f"{', '.join(SHAPES)}, got {dataset!r}")
        self.check_sizes(*SHAPES[dataset], dataset)

    def check_sizes(self, n_x: int, n_y: int, dataset: str) -> None:
        if self.io_sizes() != (n_x, n_y):
            raise ValueError(f"{self.io_text()}, which does not fit {dataset} (input n_x = "
                             f"{n_x}, output {n_y})")

    @classmethod
    def load_data(cls, spec, data_dir=None, download: bool = True):
        from dl_parity.data import load_data

        return load_data(spec, data_dir, download)

    def check_data(self, data) -> None:
        self.check_sizes(data.n_x, data.n_y, data.name)

    def source(self, plan, data):
        return plan.source(data.X_train, data.Y_train)

    # ------------------------------------------------------------ evaluation
    def evaluate(self, side, data) -> Evaluation:
        """Train and test accuracy (and the test set's confusion matrix for softmax)."""
        result = Evaluation()
        y_train = side.predict(data.X_train)
        result.columns["train accuracy"] = _percent(y_train, data.y_train)
        result.lines.append(f"train accuracy  {_percent(y_train, data.y_train)} "
                            f"(m = {data.X_train.shape[-1]})")
        if data.X_test is None:
            result.columns["test accuracy"] = None
            result.notes["test accuracy"] = f"({data.name} has no test set)"
            result.lines.append(f"test accuracy   ({data.name} has no test set)")
            return result
        y_test = side.predict(data.X_test)
        result.columns["test accuracy"] = _percent(y_test, data.y_test)
        result.lines.append(f"test accuracy   {_percent(y_test, data.y_test)} "
                            f"(m = {data.X_test.shape[-1]})")
        if self.output_activation == "softmax":
            M = confusion_matrix(data.y_test, y_test, len(data.classes))
            result.lines += ["", "confusion matrix (test): row = true class, column = predicted",
                             "      " + "".join(f"{c:>6}" for c in data.classes)]
            result.lines += [f"{data.classes[k]:>5} " + "".join(f"{n:>6d}" for n in M[k])
                             for k in range(len(data.classes))]
        return result

    def plots(self, stem: str, suffix: str, plan, data, sides) -> list:
        """The decision boundary of every side (2-D data) or a grid of the test images the
        first side gets wrong (images)."""
        from dl_parity import plots
        from dl_parity.data import TITLES

        if data.image_shape is None and data.n_x == 2:
            return [plots.decision_boundary({s.name: s.predict for s in sides}, data.X_train,
                                            data.y_train, f"{stem}-boundary{suffix}",
                                            title=TITLES.get(data.name, data.name))]
        if data.X_test is not None and data.image_shape is not None:
            side = sides[0]
            return [plots.misclassified_grid(
                data.X_test, data.y_test, side.predict(data.X_test), data.image_shape,
                data.classes, f"{stem}-misclassified{suffix}",
                title=f"{data.name} test images {side.name} gets wrong")]
        return []

    def evaluation_plot(self, path, side, data, dataset: str):
        from dl_parity import plots

        if data.image_shape is None and data.n_x == 2:
            return plots.decision_boundary({side.name: side.predict}, data.X_train, data.y_train,
                                           path, title=dataset)
        if data.X_test is None or data.image_shape is None:
            raise ValueError(f"plot: {dataset} is neither 2-D points (a decision boundary) nor "
                             f"images with a test set (the misclassified ones)")
        return plots.misclassified_grid(data.X_test, data.y_test, side.predict(data.X_test),
                                        data.image_shape, data.classes, path,
                                        title=f"{dataset} test images {side.name} gets wrong")

    def lockstep_note(self, plan, report, history, sides) -> str:
        saturated = len(getattr(sides[0], "course_costs", ()))
        return separation_note(report.rows, history.costs, plan, saturated)

    # ------------------------------------------------------------ bench
    def bench_batch(self, m: int, dtype, seed: int = 0) -> tuple:
        """X (n_x, m) uniform in [0, 1) (like pixel intensities), drawn straight in
        ``dtype``; Y (n_y, m): 0/1 labels (sigmoid) or one-hot columns (softmax)."""
        rng = np.random.default_rng(seed)
        n_x, n_y = self.io_sizes()
        X = rng.random((n_x, m), dtype=np.dtype(dtype).type)
        softmax = self.output_activation == "softmax"
        labels = rng.integers(0, n_y if softmax else 2, size=m)
        Y = np.zeros((n_y, m), dtype)
        if softmax:
            Y[labels, np.arange(m)] = 1
        else:
            Y[0] = labels
        return X, Y


def _percent(y_pred, y_true) -> str:
    return f"{100 * float(np.mean(np.asarray(y_pred) == np.asarray(y_true))):.2f} %"


def confusion_matrix(y_true, y_pred, C: int) -> np.ndarray:
    """M[i, j] = number of examples of class i predicted as class j."""
    M = np.zeros((C, C), dtype=np.int64)
    np.add.at(M, (y_true, y_pred), 1)
    return M


def separation_note(rows, costs, plan, saturated: int = 0) -> str:
    """Say where the two runs separated, when a float64 run ends far apart, and why.

    Gradient descent past its stability limit (the learning rate above 2 / the largest
    Hessian eigenvalue) amplifies any difference step after step, so two routes whose
    roundings differ in the last bit drift apart from there on, as do two NumPy runs one
    ulp apart (measured in parity_tests/test_course_results.py::test_course_planar). So
    do saturated sigmoids (``saturated``: the steps where the course's cost differed from
    the clamped one, as with the x 10 initialisation): the note then says that instead.
    """
    if plan.dtype != "float64" or not rows or rows[-1].max_diff is None \
            or rows[-1].max_diff[0] <= 1e-6:
        return ""
    close = [r for r in rows if r.max_diff[0] <= 1e-9]
    if not close or close[-1] is rows[-1]:
        return ""
    unit = "iteration" if plan.full_batch else "epoch"
    text = (f"note: the two runs agreed to {max(r.max_diff[0] for r in close):.0e} through "
            f"{unit} {close[-1].step}, then separated.")
    rises = np.flatnonzero(np.diff(np.asarray(costs["numpy"])) > 0)
    if saturated:
        text += (f" The output saturated at {saturated} of the steps (A[L] within e^-100 of 0 "
                 f"or 1, the course's cost beyond the clamp or inf there): a saturated "
                 f"sigmoid amplifies the last-bit rounding differences of any two routes (two "
                 f"NumPy runs one ulp apart as well), so neither run is the reference for "
                 f"the other.")
    elif plan.full_batch and rises.size:
        text += (f" The cost first rises at iteration {rises[0] + 1}: at lr "
                 f"{plan.optim.learning_rate:g} gradient descent is past its stability limit "
                 f"there, which amplifies the last-bit rounding differences of any two "
                 f"routes (two NumPy runs one ulp apart as well), so from then on neither "
                 f"run is the reference for the other.")
    return text
