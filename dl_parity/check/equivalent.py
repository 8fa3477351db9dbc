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
_SOFTMAX_2D = ("the sum (or max) is over axis 0, the first: without keepdims that axis is removed, "
               "and broadcasting puts it back in front, exactly where keepdims=True keeps it")

_LOCAL_COSTS = ("the condition `if print_cost and i % 100 == 0` only decides which costs go into the "
                "local list costs, which the course's model never returns (its notebook plots it): "
                "nothing outside the function changes")

_TIMES_ONES = "(1/m) * 1 and (1/m) / 1 are the same number, bit for bit: the ones only give the shape"

_KEEP_PROB = ("the branch `elif keep_prob < 1` follows `if keep_prob == 1` (or `lambd == 0 and "
              "keep_prob == 1`), and the checks keep keep_prob in (0, 1]: where it is reached, "
              "keep_prob < 1, keep_prob <= 1 and keep_prob < 2 are all true")

_W2V_SPLIT = ("heavy only splits the words between the two ways SkipGram._row_sums sums a word's "
              "rows, a running sum (np.add.accumulate) and the rank-by-rank adds; both add the "
              "rows in the batch's order from the first, so any split (the words sorted by "
              "count, the rank loop going on past heavy) gives the same sums bit for bit: only "
              "the speed changes")

EQUIVALENT: dict[str, str] = {
    "scratch.char_rnn:rnn_step_backward: `np.dot` -> `np.multiply` #1": _OUTER,   # dy a^T
    "scratch.char_rnn:rnn_step_backward: `np.dot` -> `np.multiply` #3": _OUTER,   # daraw x^T
    "scratch.char_rnn:rnn_step_backward: `np.dot` -> `np.multiply` #4": _OUTER,   # daraw a_prev^T
    "scratch.rnn:_softmax: `True` -> `False` #1": _SOFTMAX_2D,
    "scratch.rnn:_softmax: `True` -> `False` #2": _SOFTMAX_2D,
    "scratch.multiclass:softmax: `True` -> `False` #1": _SOFTMAX_2D,
    "scratch.multiclass:softmax: `True` -> `False` #2": _SOFTMAX_2D,
    "scratch.multiclass:softmax_backward: `True` -> `False` #1": _SOFTMAX_2D,
    "scratch.optimization:model: `i % 100 == 0` -> `(i % 100 != 0)` #1": _LOCAL_COSTS,
    "scratch.optimization:model: `i % 100` -> `(i // 100)` #1": _LOCAL_COSTS,
    "scratch.optimization:model: `100` -> `101` #1": _LOCAL_COSTS,
    "scratch.optimization:model: `0` -> `1` #4": _LOCAL_COSTS,
    "scratch.batch_norm:batchnorm_backward: `1 / m * np.ones_like(Zmu)` -> `(1 / m / np.ones_like(Zmu))` #1":
        _TIMES_ONES,
    "scratch.batch_norm:batchnorm_backward: `1 / m * np.ones_like(Zmu)` -> `(1 / m / np.ones_like(Zmu))` #2":
        _TIMES_ONES,
    "scratch.regularization:backward_propagation_with_regularization: `np.dot` -> `np.multiply` #2":
        "the week's network has one output unit: W3^T is (n2, 1) and dZ3 is (1, m), so their dot "
        "product is an outer product, which np.multiply computes by broadcasting, bit for bit",
    "scratch.regularization:model: `keep_prob < 1` -> `(keep_prob <= 1)` #1": _KEEP_PROB,
    "scratch.regularization:model: `1` -> `2` #3": _KEEP_PROB,
    "scratch.regularization:model: `keep_prob < 1` -> `(keep_prob <= 1)` #2": _KEEP_PROB,
    "scratch.regularization:model: `1` -> `2` #5": _KEEP_PROB,
    "scratch.rnn:lstm_forward: `1.0` -> `2.0` #1":
        "1.0 only brings a Python float into np.result_type, to make the result a float type; "
        "2.0 does the same",
    "scratch.gradient_checking:dictionary_to_vector: `1` -> `2` #4":
        "count only tells the first key from the others (count == 0); counting by 2 instead of "
        "1 keeps every later count nonzero",
    "scratch.fast_attention:EncoderLayer._shards: `k == 1` -> `(k != 1)` #1":
        "it only chooses which BLAS thread session a shard's products run in (the layer's own "
        "or a one-thread one): the same products on the same data, so only the speed changes, "
        "and a tolerance-based test cannot tell (measured: it survived in CI run 2; run 1, on "
        "the same code, counted it caught, so its fate depended on the machine's load)",
    "scratch.fast_word2vec:SkipGram._row_sums: `self.V <= 65536` -> `(self.V < 65536)` #1":
        "it only differs at V = 65536, where the indices (0..65535) fit uint16 keys and int64 "
        "keys alike: the same stable order either way, only the sort's speed changes (V = "
        "65537, where uint16 keys would wrap, is tested: test_fast_word2vec_wide_vocabulary)",
    "scratch.fast_word2vec:SkipGram._row_sums: `-counts` -> `(counts)` #2": _W2V_SPLIT,
    "scratch.fast_word2vec:SkipGram._row_sums: `-FEW` -> `(FEW)` #1": _W2V_SPLIT,
}
