"""Course 5, week 2, assignment 2: "Emojify!", version 1 (the average of the word vectors
into a softmax), and the input pipeline of version 2 (sentences to indices, the
pretrained embedding matrix).

Emojifier-V1, for one sentence i (the course's notation; n_h = the vectors' size, n_y the
number of classes):

    avg(i) = mean of e_w over the words w of sentence i found in word_to_vec_map
             (unknown words are skipped; no known word gives avg = 0)
    z(i) = W avg(i) + b                      W (n_y, n_h), b (n_y,)
    a(i) = softmax(z(i))
    L(i) = -sum_k Y_oh,k(i) log a_k(i)
    dz = a(i) - Y_oh(i);  dW = dz avg(i)^T;  db = dz
    W := W - alpha dW;  b := b - alpha db    (stochastic gradient descent, one sentence a step)

``model`` initialises W = randn(n_y, n_h) / sqrt(n_h) (the caller seeds NumPy), b = 0, and
loops ``num_iterations`` times over the m sentences in order. Labels Y are integers
0..n_y - 1 (m,); n_y = len(np.unique(Y)), as the course's.

Emojifier-V2's inputs: ``sentences_to_indices`` turns sentences into an (m, max_len) array of
word indices, zero-padded (index 0 is padding, so ``word_to_index`` starts at 1), and
``pretrained_embedding_layer`` builds the embedding matrix (len(word_to_index) + 1, emb_dim)
whose row 0 is zeros; :func:`scratch.embedding.embedding_forward` looks the rows up.

Course quirks kept: sentences are lower-cased and split on white space; words missing from
the map (V1) or from ``word_to_index`` (V2) are skipped, not errors; ``sentences_to_indices``
returns floats; ``model`` prints the cost and calls ``predict`` (which prints the accuracy)
every 100 epochs.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_c5 import (check_convert_to_one_hot, check_model_step, check_emojify_model,
                           check_predict, check_pretrained_embedding_layer,
                           check_sentence_to_avg, check_sentences_to_indices)


def softmax(x):
    """softmax(x) = e^(x - max x) / sum e^(x - max x) over the whole array (the course's
    emo_utils: x is one example's (n_y,) logits)."""
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum()


@checked(check_convert_to_one_hot)
def convert_to_one_hot(Y, C):
    """Y (m,) integer labels -> (m, C) one-hot rows: np.eye(C)[Y]."""
    Y = np.eye(C)[Y.reshape(-1)]
    return Y


@checked(check_sentence_to_avg)
def sentence_to_avg(sentence, word_to_vec_map):
    """avg = (1 / count) sum of e_w over the known words w of the sentence.

    Args:
        sentence: a string (one example of X).
        word_to_vec_map: dict word -> vector (n_h,).
    Returns:
        avg (n_h,): zeros if no word of the sentence is in the map.
    """
    # a valid word of the map, for the vectors' shape
    any_word = list(word_to_vec_map.keys())[0]
    # Step 1: split the sentence into lower-case words
    words = sentence.lower().split()
    # the average word vector, the shape of the word vectors
    avg = np.zeros(word_to_vec_map[any_word].shape)
    count = 0
    # Step 2: sum the vectors of the words found in the map
    for w in words:
        if w in word_to_vec_map:
            avg += word_to_vec_map[w]
            count += 1
    if count > 0:
        # the average, only if a word was found
        avg = avg / count
    return avg


@checked(check_model_step)
def model_step(avg, Y_oh_i, W, b, learning_rate):
    """One step of the course's loop on one sentence: forward, cost, gradients, update.

    z = W avg + b;  a = softmax(z);  cost = -sum(Y_oh_i log a)
    dz = a - Y_oh_i;  dW = dz avg^T;  db = dz;  W := W - alpha dW;  b := b - alpha db

    Args:
        avg (n_h,), Y_oh_i (n_y,) the one-hot label, W (n_y, n_h), b (n_y,), learning_rate.
    Returns:
        (cost, grads, W, b): the cost BEFORE the update (a float), {"dW", "db"}, and the NEW
        W and b (the inputs are left unchanged).
    """
    n_y, n_h = W.shape
    # Forward propagate the avg through the softmax layer
    z = np.dot(W, avg) + b
    a = softmax(z)
    # the cost, with the one-hot label
    cost = -np.sum(np.dot(Y_oh_i, np.log(a)))
    # Compute gradients
    dz = a - Y_oh_i
    dW = np.dot(dz.reshape(n_y, 1), avg.reshape(1, n_h))
    db = dz
    # Update parameters with Stochastic Gradient Descent
    W = W - learning_rate * dW
    b = b - learning_rate * db
    return float(cost), {"dW": dW, "db": db}, W, b


@checked(check_predict)
def predict(X, Y, W, b, word_to_vec_map):
    """pred(j) = argmax softmax(W avg(j) + b) for every sentence; prints the accuracy
    (the course's emo_utils.predict).

    Args:
        X (m,) sentences; Y (m,) labels; W (n_y, n_h); b (n_y,); word_to_vec_map.
    Returns:
        pred (m, 1), floats holding the predicted classes.
    """
    m = X.shape[0]
    pred = np.zeros((m, 1))
    for j in range(m):                       # Loop over training examples
        avg = sentence_to_avg.unchecked(X[j], word_to_vec_map)
        # Forward propagation
        Z = np.dot(W, avg) + b
        A = softmax(Z)
        pred[j] = np.argmax(A)
    print("Accuracy: " + str(np.mean((pred[:] == Y.reshape(Y.shape[0], 1)[:]))))
    return pred


@checked(check_emojify_model)
def model(X, Y, word_to_vec_map, learning_rate=0.01, num_iterations=400):
    """Emojifier-V1 trained by stochastic gradient descent, one sentence a step.

    Args:
        X: (m,) sentences (strings).  Y: (m,) integer labels 0..n_y - 1.
        word_to_vec_map: dict word -> vector (n_h,).
        learning_rate: alpha.  num_iterations: epochs over the m sentences.
    Returns:
        (pred, W, b): the predictions of the last printed epoch (m, 1) (None if none was
        printed), W (n_y, n_h), b (n_y,).
    """
    # a valid word of the map
    any_word = list(word_to_vec_map.keys())[0]
    # the cost, needed during grading
    cost = 0
    pred = None
    m = Y.shape[0]                             # number of training examples
    n_y = len(np.unique(Y))                    # number of classes
    n_h = word_to_vec_map[any_word].shape[0]   # dimensions of the word vectors
    # Xavier initialization
    W = np.random.randn(n_y, n_h) / np.sqrt(n_h)
    b = np.zeros((n_y,))
    # Y to one-hot rows with n_y classes
    Y_oh = convert_to_one_hot.unchecked(Y, C=n_y)
    # Optimization loop
    for t in range(num_iterations):            # Loop over the number of iterations
        for i in range(m):                     # Loop over the training examples
            # Average the word vectors of the words of the i'th sentence
            avg = sentence_to_avg.unchecked(X[i], word_to_vec_map)
            # forward, cost, gradients and the SGD update
            cost, _, W, b = model_step.unchecked(avg, Y_oh[i], W, b, learning_rate)
        if t % 100 == 0:
            print("Epoch: " + str(t) + " --- cost = " + str(cost))
            pred = predict.unchecked(X, Y, W, b, word_to_vec_map)
    return pred, W, b


@checked(check_sentences_to_indices)
def sentences_to_indices(X, word_to_index, max_len):
    """X_indices[i, j] = word_to_index[j-th known word of sentence i], zero-padded.

    Args:
        X: (m,) sentences.  word_to_index: dict word -> index >= 1 (0 is padding).
        max_len: the width; every sentence must have at most max_len known words.
    Returns:
        X_indices (m, max_len), floats (the course's np.zeros), for the embedding layer.
    """
    m = X.shape[0]                                   # number of training examples
    X_indices = np.zeros([m, max_len])
    for i in range(m):                               # loop over training examples
        # the i'th sentence, lower case, split into words
        sentence_words = X[i].lower().split()
        j = 0
        for w in sentence_words:
            # skip words the vocabulary does not have
            if w in word_to_index:
                X_indices[i, j] = word_to_index[w]
                j = j + 1
    return X_indices


@checked(check_pretrained_embedding_layer)
def pretrained_embedding_layer(word_to_vec_map, word_to_index):
    """The course's Keras ``Embedding(vocab_size, emb_dim, trainable=False)`` holds one
    matrix; in NumPy the layer IS that matrix: emb_matrix[word_to_index[w]] = e_w, row 0
    (padding) and any index without a word stay 0.

    Args:
        word_to_vec_map: dict word -> vector (emb_dim,).
        word_to_index: dict word -> index in 1..len(word_to_index) (0 is padding).
    Returns:
        emb_matrix (len(word_to_index) + 1, emb_dim), the weights of the frozen layer:
        ``embedding_forward(X_indices, emb_matrix)`` is the layer applied.
    """
    vocab_size = len(word_to_index) + 1              # adding 1 to fit Keras embedding (requirement)
    any_word = list(word_to_vec_map.keys())[0]
    emb_dim = word_to_vec_map[any_word].shape[0]     # the word vectors' size
    # Step 1: the embedding matrix, zeros
    emb_matrix = np.zeros([vocab_size, emb_dim])
    # Step 2: row idx holds the vector of the idx'th word of the vocabulary
    for word, idx in word_to_index.items():
        emb_matrix[idx, :] = word_to_vec_map[word]
    return emb_matrix
