"""Course 1 of the Deep Learning Specialization, derived by hand in NumPy.

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
"""
