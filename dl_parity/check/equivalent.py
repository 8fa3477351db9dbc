"""Operator mutants that compute the same function as the original line, so no test can (or
should) catch them: each with the reason. ``dl-parity mutants`` does not run these and leaves
them out of the score. A key names the module, the function and the exact change, so an entry
stops applying as soon as the line it is about changes (and must then be judged again).
"""
from __future__ import annotations

#: mutant key (see dl_parity/check/mutants.py) -> why it computes the same thing
_OUTER = ("char_rnn's step functions take one example at a time: every vector is a column "
          "(n, 1) (its checks refuse anything else), and np.dot of a column and a row is their "
          "outer product, which np.multiply computes by broadcasting, bit for bit")
_SOFTMAX_2D = ("z is (n_y, m): the sum (or max) over axis 0 without keepdims has shape (m,), "
               "which broadcasts against (n_y, m) along the last axis, exactly as (1, m) does")

EQUIVALENT: dict[str, str] = {
    "scratch.char_rnn:_rnn_step_backward: `np.dot` -> `np.multiply` #1": _OUTER,   # dy a^T
    "scratch.char_rnn:_rnn_step_backward: `np.dot` -> `np.multiply` #3": _OUTER,   # daraw x^T
    "scratch.char_rnn:_rnn_step_backward: `np.dot` -> `np.multiply` #4": _OUTER,   # daraw a_prev^T
    "scratch.rnn:_softmax: `True` -> `False` #1": _SOFTMAX_2D,
    "scratch.rnn:_softmax: `True` -> `False` #2": _SOFTMAX_2D,
}
