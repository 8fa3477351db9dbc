"""The Deep Learning Specialization (courses 1, 2, 4 and 5) in idiomatic PyTorch.

``nn.Module``s built from torch's layers (``nn.Linear``, ``nn.Conv2d``, ``nn.RNN``,
``nn.LSTM``, ``nn.GRU``, ``nn.MultiheadAttention``, ``nn.LayerNorm``, ...), the
course's costs as torch.nn losses, gradients by autograd and updates by
``torch.optim``. Nothing here imports ``scratch``: the two routes are independent,
and the parity suite checks that they agree. Each module converts the course's
parameter dict and layout in one named place.

Layout convention: torch's, examples in rows. X is (m, n_x) here where the course
(and ``scratch``) uses (n_x, m); ``nn.Linear``'s weight is (out, in), which is the
course's W[l] (n[l], n[l-1]) unchanged; its bias is (n[l],) where the course's
b[l] is (n[l], 1).

Modules
-------
numpy_basics         course 1, week 2: torch.sigmoid, F.normalize, softmax(dim=1), L1/MSE sums
models               course 1: logistic regression, the planar net, the L-layer DeepNet
train                the usual PyTorch step (autograd, torch.optim), the course's losses
datasets             the cat images and MNIST (torchvision) as tensors, examples in rows
regularization       course 2, week 1: nn.init, L2 as weight_decay, dropout with its mask
gradient_checking    course 2, week 1: torch.autograd.gradcheck
optim                course 2, week 2: torch.optim's SGD, momentum, Adam and schedulers
batch_norm           course 2, week 3: nn.BatchNorm1d between the layers
cnn                  course 4, week 1: nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, the MNIST CNN
conv_layers          course 4, weeks 2-3: Keras's Conv2D, BatchNormalization, pooling, Conv2DTranspose
resnet               course 4, week 2: ResNet's identity and convolutional blocks, MobileNet's
                     depthwise separable convolution (nn.Conv2d(groups=C) + 1x1)
detection            course 4, week 3: YOLO's boxes with torchvision.ops
yolo                 course 4, week 3: yolo_boxes_to_corners, scale_boxes, yolo_eval
unet                 course 4, week 3: U-Net's blocks, nn.ConvTranspose2d, the skip concatenation
style_transfer       course 4, week 4: content, style and total costs, autograd
face_recognition     course 4, week 4: the triplet loss, and torch's own beside it
rnn                  course 5, week 1: nn.RNN, nn.LSTM, nn.GRU and their cells
char_rnn             course 5, week 1: "Dinosaurus Island", nn.RNN + nn.Linear
word_vectors         course 5, week 2: F.cosine_similarity, analogies, neutralize, equalize
emojify              course 5, week 2: Emojify V1 (nn.EmbeddingBag(mean) + nn.Linear) and V2's input
word2vec             course 5, week 2: skip-gram with negative sampling, nn.Embedding + BCEWithLogitsLoss
nmt_attention        course 5, week 3: one_step_attention (two nn.Linear, softmax over T_x, bmm)
trigger_word         course 5, week 3: the trigger-word model's Conv1D as nn.Conv1d
attention            course 5, week 4: attention, nn.MultiheadAttention, an encoder layer
transformer          course 5, week 4: decoder layer, stacks and nn.Transformer (dropout 0)
graphs               a training step captured in a CUDA graph (torch.cuda.graphs)
"""
from .models import DeepNet, LogisticRegression, PlanarNet, ACTIVATIONS
from .train import criterion_for, he_init_, loss_input, train_step

__all__ = ["DeepNet", "LogisticRegression", "PlanarNet", "ACTIVATIONS", "train_step",
           "loss_input", "criterion_for", "he_init_"]
