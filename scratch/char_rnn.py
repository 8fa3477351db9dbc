"""Course 5, week 1: "Dinosaurus Island", a character-level language model (an RNN).

One name at a time: the characters of a name, preceded by a zero vector, go in; the
same characters shifted by one, followed by "\\n", are the targets. Vocabulary: "\\n" and
a-z (27 characters); a character is a one-hot column x<t> (n_x, 1), n_x = vocab_size.

Shapes (batch of one example, columns): x<t> (n_x, 1); a<t> (n_a, 1); ŷ<t> (n_y, 1),
n_y = n_x. Parameters {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_y, n_a),
"b": (n_a, 1), "by": (n_y, 1)} (the hidden bias is "b", not "ba").

Forward, time step t:  a<t> = tanh(Wax x<t> + Waa a<t-1> + b)
                       ŷ<t> = softmax(Wya a<t> + by)
Loss (SUMMED over t):  L = -sum_t log ŷ<t>[y<t>]
Backward, t = T..1:    dy = ŷ<t> - onehot(y<t>)
                       dWya += dy a<t>^T;  dby += dy
                       da = Wya^T dy + da_next
                       daraw = (1 - a<t>^2) * da
                       db += daraw;  dWax += daraw x<t>^T;  dWaa += daraw a<t-1>^T
                       da_next = Waa^T daraw
Clip:                  every gradient entry into [-maxValue, maxValue] (maxValue = 5)
Update (SGD):          W := W - alpha clip(dW), in place
Smoothed loss:         loss := 0.999 loss + 0.001 L, from -log(1/27) * dino_names

The course's quirks are kept on purpose (its notebook tests and its printed trace
depend on them): ``sample`` reseeds NumPy's global generator with counter + seed at
every character and advances seed by one more (2 a character in all); ``model``
shuffles the names once after ``np.random.seed(0)``, walks them cyclically
(j % len(examples)) and carries a_prev from one name into the next (the gradient stops
at the name's first step: a_prev is a constant there).

Course functions keep their names and signatures (``COURSE_API.md``); the helpers the
course ships in its ``utils.py`` (softmax, smooth, get_initial_loss, print_sample,
get_sample, initialize_parameters, rnn_step_forward, rnn_forward, rnn_step_backward,
rnn_backward, update_parameters) live here too, with the same arithmetic in the same
order, so that the published loss trace is reproduced to its printed six decimals.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from ._validate import checked
from ._validate_char_rnn import (  # noqa: F401  (the key lists: re-exported, the course's names)
    GRADIENT_KEYS,
    PARAMETER_KEYS,
    check_build_example,
    check_clip,
    check_initialize_parameters,
    check_model,
    check_optimize,
    check_rnn_backward,
    check_rnn_forward,
    check_rnn_step_backward,
    check_rnn_step_forward,
    check_sample,
    check_update_parameters,
)

#: the course's data file, shipped with the package (source and sha256: data/SOURCES.md)
DINOS_PATH = Path(__file__).resolve().parent / "data" / "dinos" / "dinos.txt"


# ----------------------------------------------------------------------------- utils
def softmax(x):
    """ŷ = e^{x - max x} / sum e^{x - max x}, over axis 0 (the course's utils).

    The maximum is each column's (the course's utils take the whole array's, the same number
    for the one column (n_y, 1) it passes, so the same arithmetic there); with logits 1000
    apart nothing overflows and no column becomes 0 / 0.

    Args: x (n_y, m) logits. Returns: (n_y, m), each column summing to 1.
    """
    e_x = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e_x / e_x.sum(axis=0)


def smooth(loss, cur_loss):
    """The printed loss, an exponentially weighted average: loss * 0.999 + cur_loss * 0.001."""
    return loss * 0.999 + cur_loss * 0.001


def get_initial_loss(vocab_size, seq_length):
    """Where the smoothed loss starts: -log(1/vocab_size) * seq_length (a uniform guess)."""
    return -np.log(1.0 / vocab_size) * seq_length


def get_sample(sample_ix, ix_to_char):
    """The sampled indices as text, first character upper-cased ("\\n" kept at the end)."""
    txt = ''.join(ix_to_char[ix] for ix in sample_ix)
    txt = txt[0].upper() + txt[1:]  # capitalize first character
    return txt


def print_sample(sample_ix, ix_to_char):
    """Print :func:`get_sample`'s text, without a line break of its own."""
    print('%s' % (get_sample(sample_ix, ix_to_char), ), end='')


def load_dinos(path=None):
    """The course's data: ``data = open(path).read().lower()``, 27 characters.

    Args:
        path: the names file, one name per line; default the shipped ``dinos.txt``.
    Returns:
        (examples, char_to_ix, ix_to_char): examples = ``data.split("\\n")`` (what the
        course passes to :func:`model` as data_x: 1536 names for dinos.txt);
        char_to_ix / ix_to_char map the sorted characters ("\\n" = 0, "a" = 1, ...).
    """
    path = DINOS_PATH if path is None else Path(path)
    if not path.is_file():
        raise ValueError(f"path: expected a text file of names, one a line, got {str(path)!r} "
                         f"(not a file)")
    data = path.read_text().lower()
    if not data.strip():
        raise ValueError(f"{str(path)!r}: expected at least one name, got an empty file")
    chars = sorted(set(data) | {"\n"})
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    ix_to_char = {i: ch for i, ch in enumerate(chars)}
    return data.split("\n"), char_to_ix, ix_to_char


@checked(check_build_example)
def build_example(example, char_to_ix):
    """One training pair (the lines of the course's ``model``).

    X = [None] + [char_to_ix[ch] for ch in example]   (None: the zero input x<1> = 0)
    Y = X[1:] + [char_to_ix["\\n"]]                     (the next character; "\\n" ends it)

    Args: example a name (str); char_to_ix from :func:`load_dinos`.
    Returns: (X, Y), two lists of length len(example) + 1.
    """
    X = [None] + [char_to_ix[ch] for ch in example]
    Y = X[1:] + [char_to_ix["\n"]]
    return X, Y


@checked(check_initialize_parameters)
def initialize_parameters(n_a, n_x, n_y):
    """``np.random.seed(1)``; Wax, Waa, Wya = randn * 0.01 (in that order); b, by = 0.

    Returns {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_y, n_a), "b": (n_a, 1),
    "by": (n_y, 1)}.
    """
    np.random.seed(1)
    Wax = np.random.randn(n_a, n_x) * 0.01  # input to hidden
    Waa = np.random.randn(n_a, n_a) * 0.01  # hidden to hidden
    Wya = np.random.randn(n_y, n_a) * 0.01  # hidden to output
    b = np.zeros((n_a, 1))  # hidden bias
    by = np.zeros((n_y, 1))  # output bias
    return {"Wax": Wax, "Waa": Waa, "Wya": Wya, "b": b, "by": by}


# ----------------------------------------------------------------------------- forward
@checked(check_rnn_step_forward)
def rnn_step_forward(parameters, a_prev, x):
    """One time step: a<t> = tanh(Wax x<t> + Waa a<t-1> + b); ŷ<t> = softmax(Wya a<t> + by).

    Args:
        parameters: {"Wax", "Waa", "Wya", "b", "by"}.
        a_prev: a<t-1> (n_a, 1).  x: x<t> (n_x, 1), one-hot or zeros.
    Returns:
        (a_next, p_t): a<t> (n_a, 1) and ŷ<t> (n_y, 1). Nothing is cached here:
        :func:`rnn_forward` keeps every x<t>, a<t>, ŷ<t>.
    """
    Waa, Wax, Wya, by, b = (parameters['Waa'], parameters['Wax'], parameters['Wya'],
                            parameters['by'], parameters['b'])
    a_next = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)  # hidden state
    p_t = softmax(np.dot(Wya, a_next) + by)  # probabilities for next chars
    return a_next, p_t


@checked(check_rnn_forward)
def rnn_forward(X, Y, a0, parameters, vocab_size=None):
    """Forward through one name, and its loss L = -sum_t log ŷ<t>[Y[t]] (a SUM, no 1/T).

    Args:
        X: list of T indices; X[t] = None gives the zero input x<t> = 0.
        Y: list of T target indices.
        a0: a<0> (n_a, 1), the hidden state carried in (copied, not changed).
        parameters: {"Wax", "Waa", "Wya", "b", "by"}.
        vocab_size: n_x; read off Wax when None (the course's utils default to 27).
    Returns:
        (loss, cache): loss a float (np.float64 for float64 parameters);
        cache = (y_hat, a, x), three dicts keyed by t = 0..T-1 holding ŷ<t> (n_y, 1),
        a<t> (n_a, 1) (and a[-1] = a0) and x<t> (n_x, 1).
    """
    vocab_size = parameters["Wax"].shape[1]
    dtype = parameters["Wax"].dtype
    # Initialize x, a and y_hat as empty dictionaries
    x, a, y_hat = {}, {}, {}
    a[-1] = np.copy(a0)
    # initialize your loss to 0
    loss = 0
    for t in range(len(X)):
        # x[t]: the one-hot vector of the t'th character; X[t] = None: x[t] = 0
        x[t] = np.zeros((vocab_size, 1), dtype=dtype)
        if X[t] is not None:
            x[t][X[t]] = 1
        # Run one step forward of the RNN
        a[t], y_hat[t] = rnn_step_forward.unchecked(parameters, a[t - 1], x[t])
        # Update the loss by substracting the cross-entropy term of this time-step from it.
        loss -= np.log(y_hat[t][Y[t], 0])
    cache = (y_hat, a, x)
    return loss, cache


# ----------------------------------------------------------------------------- backward
@checked(check_rnn_step_backward)
def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """Back through one time step, accumulating into ``gradients`` IN PLACE.

    dWya += dy a<t>^T;  dby += dy;  da = Wya^T dy + da_next;  daraw = (1 - a<t>^2) * da
    db += daraw;  dWax += daraw x<t>^T;  dWaa += daraw a<t-1>^T;  da_next = Waa^T daraw

    Args:
        dy: dL/dz<t> = ŷ<t> - onehot(y<t>), (n_y, 1).
        gradients: dict dWax, dWaa, dWya, db, dby (running sums) and da_next (n_a, 1),
            dL/da<t> from the later steps.
        parameters: {"Wax", "Waa", "Wya", "b", "by"}.
        x: x<t> (n_x, 1).  a: a<t> (n_a, 1).  a_prev: a<t-1> (n_a, 1).
    Returns:
        gradients, the same dict, updated; its da_next is now dL/da<t-1>.
    """
    gradients['dWya'] += np.dot(dy, a.T)
    gradients['dby'] += dy
    da = np.dot(parameters['Wya'].T, dy) + gradients['da_next']  # backprop into h
    daraw = (1 - a * a) * da  # backprop through tanh nonlinearity
    gradients['db'] += daraw
    gradients['dWax'] += np.dot(daraw, x.T)
    gradients['dWaa'] += np.dot(daraw, a_prev.T)
    gradients['da_next'] = np.dot(parameters['Waa'].T, daraw)
    return gradients


@checked(check_rnn_backward)
def rnn_backward(X, Y, parameters, cache):
    """Backpropagation through time over one name (t = T-1 down to 0).

    At each step dy = ŷ<t> - onehot(Y[t]) (softmax and the summed cross-entropy
    together), then :func:`rnn_step_backward`.

    Args:
        X, Y: the lists given to :func:`rnn_forward`.  parameters: as there.
        cache: (y_hat, a, x) from :func:`rnn_forward`.
    Returns:
        (gradients, a): gradients dWax (n_a, n_x), dWaa (n_a, n_a), dWya (n_y, n_a),
        db (n_a, 1), dby (n_y, 1) of the summed loss (not clipped), and da_next
        (n_a, 1) = dL/da<0>; a is the cache's dict of hidden states (a[T-1] the last).
    """
    # Initialize gradients as an empty dictionary
    gradients = {}
    # Retrieve from cache and parameters
    (y_hat, a, x) = cache
    Waa, Wax, Wya, by, b = (parameters['Waa'], parameters['Wax'], parameters['Wya'],
                            parameters['by'], parameters['b'])
    # each one should be initialized to zeros of the same dimension as its corresponding parameter
    gradients['dWax'], gradients['dWaa'] = np.zeros_like(Wax), np.zeros_like(Waa)
    gradients['dWya'] = np.zeros_like(Wya)
    gradients['db'], gradients['dby'] = np.zeros_like(b), np.zeros_like(by)
    gradients['da_next'] = np.zeros_like(a[0])
    # Backpropagate through time
    for t in reversed(range(len(X))):
        dy = np.copy(y_hat[t])
        dy[Y[t]] -= 1
        gradients = rnn_step_backward.unchecked(dy, gradients, parameters, x[t], a[t], a[t - 1])
    return gradients, a


# ----------------------------------------------------------------------------- clip, update
@checked(check_clip)
def clip(gradients, maxValue):
    """Clip every entry of dWaa, dWax, dWya, db, dby into [-maxValue, maxValue].

    Args:
        gradients: dict with (at least) dWaa, dWax, dWya, db, dby; left unchanged.
        maxValue: a positive number.
    Returns:
        a NEW dict {"dWaa", "dWax", "dWya", "db", "dby"} of clipped copies (any other
        key, such as rnn_backward's da_next, is dropped, as in the course).
    """
    gradients = {k: copy.deepcopy(gradients[k]) for k in GRADIENT_KEYS}
    dWaa, dWax, dWya, db, dby = (gradients['dWaa'], gradients['dWax'], gradients['dWya'],
                                 gradients['db'], gradients['dby'])
    # clip to mitigate exploding gradients
    for gradient in [dWaa, dWax, dWya, db, dby]:
        np.clip(gradient, -maxValue, maxValue, out=gradient)
    gradients = {"dWaa": dWaa, "dWax": dWax, "dWya": dWya, "db": db, "dby": dby}
    return gradients


@checked(check_update_parameters)
def update_parameters(parameters, gradients, learning_rate):
    """Gradient descent IN PLACE: W += -learning_rate * dW for Wax, Waa, Wya, b, by.

    Returns the same ``parameters`` dict (its arrays changed).
    """
    parameters['Wax'] += -learning_rate * gradients['dWax']
    parameters['Waa'] += -learning_rate * gradients['dWaa']
    parameters['Wya'] += -learning_rate * gradients['dWya']
    parameters['b'] += -learning_rate * gradients['db']
    parameters['by'] += -learning_rate * gradients['dby']
    return parameters


# ----------------------------------------------------------------------------- graded functions
@checked(check_optimize)
def optimize(X, Y, a_prev, parameters, learning_rate=0.01):
    """One step of stochastic gradient descent on one name: forward, backward, clip at 5,
    update ``parameters`` IN PLACE.

    Args:
        X: list of T indices, X[t] = None for a zero input (the course puts None first).
        Y: list of T target indices.
        a_prev: the hidden state carried in, (n_a, 1).
        parameters: {"Wax", "Waa", "Wya", "b", "by"}, changed in place.
        learning_rate: alpha.
    Returns:
        (loss, gradients, a[len(X) - 1]): the summed loss before the update, the CLIPPED
        gradients dWaa, dWax, dWya, db, dby, and the last hidden state a<T> (n_a, 1).
    """
    # Forward propagate through time
    loss, cache = rnn_forward.unchecked(X, Y, a_prev, parameters)
    # Backpropagate through time
    gradients, a = rnn_backward.unchecked(X, Y, parameters, cache)
    # Clip your gradients between -5 (min) and 5 (max)
    gradients = clip.unchecked(gradients, 5)
    # Update parameters
    parameters = update_parameters.unchecked(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1]


@checked(check_sample)
def sample(parameters, char_to_ix, seed):
    """Sample a name, one character at a time, from the RNN's own predictions.

    x<1> = 0, a<0> = 0; at each step a<t>, ŷ<t> = rnn_step_forward(...), then
    ``np.random.seed(counter + seed)`` and idx = np.random.choice(range(vocab_size),
    p=ŷ<t>) (so, with seed += 1 and counter += 1 after each character, the seed
    advances by 2 a character: the course's grading quirk); x<t+1> = onehot(idx).
    Stops after "\\n" or after 50 characters (then "\\n"'s index is appended).

    Args:
        parameters: {"Wax", "Waa", "Wya", "b", "by"}.
        char_to_ix: dict, "\\n" included.  seed: an integer.
    Returns:
        indices: list of the sampled indices, ending with char_to_ix["\\n"].
    Side effect: reseeds NumPy's global generator.
    """
    vocab_size = parameters['by'].shape[0]
    n_a = parameters['Waa'].shape[1]
    dtype = parameters['Wax'].dtype
    # x<1> = 0 (no character yet) and a<0> = 0
    x = np.zeros((vocab_size, 1), dtype=dtype)
    a_prev = np.zeros((n_a, 1), dtype=dtype)
    indices = []
    idx = -1
    counter = 0
    newline_character = char_to_ix['\n']
    while idx != newline_character and counter != 50:
        # a<t> = tanh(Wax x + Waa a_prev + b); y = softmax(Wya a<t> + by)
        a, y = rnn_step_forward.unchecked(parameters, a_prev, x)
        # for grading purposes
        np.random.seed(counter + seed)
        # the index of the next character, drawn with the probabilities y
        idx = np.random.choice(range(vocab_size), p=y.ravel())
        indices.append(idx)
        # the sampled character is the next input
        x = np.zeros((vocab_size, 1), dtype=dtype)
        x[idx] = 1
        a_prev = a
        # for grading purposes
        seed += 1
        counter += 1
    if counter == 50:
        indices.append(char_to_ix['\n'])
    return indices


@checked(check_model)
def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7,
          vocab_size=27, verbose=False):
    """Train the character-level RNN on the names, one name per iteration, and sample.

    Initialise (seed 1, * 0.01); loss = get_initial_loss(vocab_size, dino_names);
    examples = the stripped names, shuffled once after ``np.random.seed(0)``;
    a_prev = 0. Iteration j: the name examples[j % len(examples)] gives
    X = [None] + indices, Y = X[1:] + [newline]; ``optimize`` (lr 0.01) returns the
    loss and the last hidden state, which becomes the next name's a_prev; the loss is
    smoothed. Every 1000 iterations (j % 1000 == 0) it prints
    "Iteration: j, Loss: smoothed" and samples ``dino_names`` names with seeds 0, 1, ...

    Args:
        data_x: list of names (``load_dinos()[0]``: the lower-cased text split at "\\n").
        ix_to_char, char_to_ix: the vocabulary maps.
        num_iterations, n_a, dino_names, vocab_size, verbose: as the course's.
    Returns:
        (parameters, last_dino_name): the trained dict and the last name sampled
        (as :func:`get_sample` gives it, "\\n" included; "abc" if none was sampled).
    """
    # Retrieve n_x and n_y from vocab_size
    n_x, n_y = vocab_size, vocab_size
    # Initialize parameters
    parameters = initialize_parameters(n_a, n_x, n_y)
    # Initialize loss (this is required because we want to smooth our loss)
    loss = get_initial_loss(vocab_size, dino_names)
    # Build list of all dinosaur names (training examples).
    examples = [x.strip() for x in data_x]
    # Shuffle list of all dinosaur names
    np.random.seed(0)
    np.random.shuffle(examples)
    # Initialize the hidden state
    a_prev = np.zeros((n_a, 1))
    # for grading purposes
    last_dino_name = "abc"
    # Optimization loop
    for j in range(num_iterations):
        # the name of this iteration, cycling through the shuffled list
        idx = j % len(examples)
        single_example_chars = examples[idx]
        # X = [None] + its indices;  Y = X[1:] + [newline]
        X, Y = build_example.unchecked(single_example_chars, char_to_ix)
        # Forward-prop -> Backward-prop -> Clip -> Update parameters, learning rate 0.01
        curr_loss, gradients, a_prev = optimize(X, Y, a_prev, parameters, learning_rate=0.01)
        # debug statements to aid in correctly forming X, Y
        if verbose and j in [0, len(examples) - 1, len(examples)]:
            print("j = ", j, "idx = ", idx,)
        if verbose and j in [0]:
            print("single_example_chars", single_example_chars)
            print("single_example_ix", X[1:])
            print(" X = ", X, "\n", "Y =       ", Y, "\n")
        # Use a latency trick to keep the loss smooth.
        loss = smooth(loss, curr_loss)
        # Every 1000 iterations, sample dino_names names to see how the model is learning
        if j % 1000 == 0:
            print('Iteration: %d, Loss: %f' % (j, loss) + '\n')
            seed = 0
            for name in range(dino_names):
                sampled_indices = sample(parameters, char_to_ix, seed)
                last_dino_name = get_sample(sampled_indices, ix_to_char)
                print(last_dino_name.replace('\n', ''))
                seed += 1  # the same names every time (for grading purposes)
            print('\n')
    return parameters, last_dino_name

