"""The Deep Learning Specialization (courses 1, 2, 4 and 5), derived by hand in NumPy.

NumPy only: nothing here imports torch. Each week's graded functions keep the
course's names, signatures and return structures (``docs/course_api.md`` lists
them, with the course's quirks), so a student's notebook and its unit tests work
with them.

Modules
-------
numpy_basics         course 1, week 2: "Python basics with NumPy" (row-wise softmax, L1, L2, ...)
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
fast_bn              week 3's batch-norm network (dropout, Adam) written for speed (reference:
                     batch_norm)
datasets_course2     course 2's circles, moons (scikit-learn) and football (.mat) data
conv                 course 4, week 1: convolution and pooling, the course's loops
fast_conv            the same with im2col, and the MNIST CNN
conv_layers          course 4, weeks 2-3: Keras's Conv2D, BatchNormalization, MaxPooling2D and
                     Conv2DTranspose by hand, forward and backward
resnet               course 4, week 2: the identity and convolutional blocks
mobilenet            course 4, week 2: the depthwise separable convolution
detection            course 4, week 3: YOLO's IoU, score filtering, non-max suppression
yolo                 course 4, week 3: the course's yolo_boxes_to_corners, scale_boxes, yolo_eval
unet                 course 4, week 3: U-Net's conv block and up-sampling block
style_transfer       course 4, week 4: content, style (Gram) and total costs, gradients by hand
face_recognition     course 4, week 4: the triplet loss and its gradient
rnn                  course 5, week 1: RNN, LSTM, two GRU forms, forward and backward in time
char_rnn             course 5, week 1: "Dinosaurus Island", character-level language model
attention            course 5, week 4: positional encoding, masks, attention, an encoder layer
embedding            course 5, week 2: the embedding lookup and its backward
word_vectors         course 5, week 2: cosine similarity, analogies, neutralize, equalize
emojify              course 5, week 2: Emojifier-V1 (trained by hand), V2's inputs
word2vec             course 5, week 2: skip-gram with negative sampling, on the sonnets
nmt_attention        course 5, week 3: one_step_attention, forward and backward
trigger_word         course 5, week 3: the trigger-word model's Conv1D, forward and backward
transformer          course 5, week 4: decoder layer, encoder/decoder stacks, the transformer
fast_rnn             the RNN, the LSTM and the dinosaur step written for speed (reference: rnn,
                     char_rnn)
fast_attention       the encoder layer written for speed (reference: attention)
fast_word2vec        the skip-gram step written for speed (reference: word2vec)

The fast paths' BLAS threads per product, and their batches split across threads in
shards, live in the private ``_blas`` module.
"""
