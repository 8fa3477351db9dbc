"""Course 2's data: the circles and moons (scikit-learn's generators, seeded as the course
seeds them) and the "football" file of the regularization assignment (shipped with the
package, ``scratch/data/football/data.mat``; source and sha256 in ``scratch/data/SOURCES.md``).

Layout, the course's: X (2, m) (one column per example), Y (1, m) of 0/1 labels.

- :func:`load_circles`:  ``np.random.seed(1)``; ``make_circles(n_samples=300, noise=.05)`` (train),
  then ``np.random.seed(2)``; ``make_circles(n_samples=100, noise=.05)`` (test).
- :func:`load_moons`:    ``np.random.seed(3)``; ``make_moons(n_samples=300, noise=.2)``.
- :func:`load_2D_dataset`: ``scipy.io.loadmat``; X = data["X"].T, Y = data["y"].T and the
  test set from "Xval", "yval" (211 train, 200 test positions on a football field).

scikit-learn's generators draw from NumPy's global generator when given no
``random_state``, which is why the course seeds ``np.random`` first; these functions
do the same, so they reset that global state as a side effect, like the course.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

#: the football file shipped with the package
FOOTBALL_PATH = Path(__file__).resolve().parent / "data" / "football" / "data.mat"

_FOOTBALL_KEYS = {"X": 2, "y": 1, "Xval": 2, "yval": 1}


def load_circles():
    """The initialization assignment's two circles: (train_X, train_Y, test_X, test_Y).

    Shapes (2, 300), (1, 300), (2, 100), (1, 100); labels 0 (outer circle) and 1 (inner).
    """
    import sklearn.datasets

    np.random.seed(1)
    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=.05)
    np.random.seed(2)
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=.05)
    train_X = train_X.T
    train_Y = train_Y.reshape((1, train_Y.shape[0]))
    test_X = test_X.T
    test_Y = test_Y.reshape((1, test_Y.shape[0]))
    return train_X, train_Y, test_X, test_Y


def load_moons():
    """The optimization assignment's moons: (train_X (2, 300), train_Y (1, 300))."""
    import sklearn.datasets

    np.random.seed(3)
    train_X, train_Y = sklearn.datasets.make_moons(n_samples=300, noise=.2)
    train_X = train_X.T
    train_Y = train_Y.reshape((1, train_Y.shape[0]))
    return train_X, train_Y


def _read_football(path):
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"football data: no file at {path}; expected the course's "
                                f"data.mat (the package ships it at {FOOTBALL_PATH})")
    try:
        data = scipy.io.loadmat(path)
    except Exception as error:      # scipy raises ValueError, TypeError or MatReadError
        raise ValueError(f"football data: {path} is not a readable MATLAB .mat file "
                         f"({type(error).__name__}: {error})") from None
    for key, columns in _FOOTBALL_KEYS.items():
        value = data.get(key)
        if not isinstance(value, np.ndarray) or value.ndim != 2 or value.shape[1] != columns:
            got = "missing" if value is None else f"shape {np.shape(value)}"
            raise ValueError(f"football data: {path}: expected {key!r} of shape (m, {columns}), "
                             f"got {got}")
    for x, y in (("X", "y"), ("Xval", "yval")):
        if data[x].shape[0] != data[y].shape[0]:
            raise ValueError(f"football data: {path}: {x} has {data[x].shape[0]} rows but {y} "
                             f"has {data[y].shape[0]}")
    return data


def load_2D_dataset(path=None):
    """The regularization assignment's football data: (train_X, train_Y, test_X, test_Y).

    Args:
        path: a MATLAB file with keys X (m, 2), y (m, 1), Xval, yval; default the
            packaged ``scratch/data/football/data.mat``.
    Returns:
        train_X (2, 211), train_Y (1, 211), test_X (2, 200), test_Y (1, 200); labels 0/1
        (1: the French goalkeeper's players headed the ball).
    Raises:
        FileNotFoundError if there is no file at ``path``; ValueError if it is not a
        .mat file with those keys and shapes.
    """
    data = _read_football(FOOTBALL_PATH if path is None else path)
    train_X = data['X'].T
    train_Y = data['y'].T
    test_X = data['Xval'].T
    test_Y = data['yval'].T
    return train_X, train_Y, test_X, test_Y
