"""The Deep Learning Specialization (courses 1, 2, 4 and 5), derived by hand in NumPy.

NumPy only: nothing here imports torch. Each week's graded functions keep the
course's names, signatures and return structures (see ``COURSE_API.md`` in the
shared notes), so a student's notebook and its unit tests work with them.

Modules
-------
activations          sigmoid, tanh, ReLU, leaky ReLU and their backward passes
cost                 the cross-entropy cost, logs clamped at -100 (as nn.BCELoss)
logistic_regression  week 2: logistic regression as a neural network
shallow_nn           week 3: one hidden layer (tanh), the planar model
deep_nn              week 4: deep network building blocks and the application models
multiclass           course 2, for MNIST: softmax, categorical cross-entropy, He init,
                     the course's random_mini_batches
fast_nn              week 4's network written for speed (the reference stays deep_nn)
planar               the course's planar "flower" data generator
datasets             the cat images (HDF5) and MNIST (IDX files, parsed here)
initialization       course 2, week 1: zeros / random / He initialization of a 3-layer net
regularization       course 2, week 1: L2 and (inverted) dropout
gradient_checking    course 2, week 1: centred-difference gradient checks
optimization         course 2, week 2: mini-batches, momentum, Adam, learning-rate decay, the model
batch_norm           course 2, week 3: batch norm forward/backward, running statistics, a BN network
datasets_course2     course 2's circles, moons (scikit-learn) and football (.mat) data
conv                 course 4, week 1: convolution and pooling, the course's loops
fast_conv            the same with im2col, and the MNIST CNN
detection            course 4, week 3: YOLO's IoU, score filtering, non-max suppression
style_transfer       course 4, week 4: content, style (Gram) and total costs, gradients by hand
face_recognition     course 4, week 4: the triplet loss and its gradient
rnn                  course 5, week 1: RNN, LSTM, two GRU forms, forward and backward in time
char_rnn             course 5, week 1: "Dinosaurus Island", character-level language model
attention            course 5, week 4: positional encoding, masks, attention, an encoder layer
fast_rnn             the RNN, the LSTM and the dinosaur step written for speed (reference: rnn,
                     char_rnn)
fast_attention       the encoder layer written for speed (reference: attention)
_blas                BLAS threads per product, and a batch split across threads in shards
"""
