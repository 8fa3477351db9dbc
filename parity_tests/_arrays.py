"""Array comparisons that check the shape before the values.

``np.testing.assert_array_equal`` and ``assert_allclose`` broadcast: a function that
returns the scalar 0.5 where a (2, 2) array of 0.5 is expected passes them, and so does
a (1, m) result compared with (m,) values, or an (n, 1) column with a (1, n) row when
they hold the same number. These two assert that the shapes are equal (both named in the
message), then call NumPy's, with NumPy's arguments and defaults. The dtype is not
compared (a float32 result against float64 values is fine); ``parity.close`` in
conftest.py does the same shape check for the torch-against-NumPy comparisons.
"""
from __future__ import annotations

import numpy as np


def _array(a) -> np.ndarray:
    if hasattr(a, "detach"):                      # a torch tensor, on any device
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def _same_shape(actual, desired, err_msg):
    a, d = _array(actual), _array(desired)
    assert a.shape == d.shape, (f"shape {a.shape} (actual) vs {d.shape} (desired)"
                                + (f": {err_msg}" if err_msg else ""))
    return a, d


def assert_array_equal(actual, desired, err_msg=""):
    """``np.testing.assert_array_equal`` of two arrays of the same shape."""
    a, d = _same_shape(actual, desired, err_msg)
    np.testing.assert_array_equal(a, d, err_msg=err_msg)


def assert_allclose(actual, desired, rtol=1e-7, atol=0, err_msg=""):
    """``np.testing.assert_allclose`` (|actual - desired| <= atol + rtol |desired|) of two
    arrays of the same shape."""
    a, d = _same_shape(actual, desired, err_msg)
    np.testing.assert_allclose(a, d, rtol=rtol, atol=atol, err_msg=err_msg)
