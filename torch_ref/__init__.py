"""Course 1 of the Deep Learning Specialization in idiomatic PyTorch.

``nn.Module``s built from ``nn.Linear`` and torch's activations, the course's cost
as ``nn.BCELoss``, gradients by autograd and updates by ``torch.optim.SGD``.
Nothing here imports ``scratch``: the two routes are independent, and the parity
suite checks that they agree.

Layout convention: torch's, examples in rows. X is (m, n_x) here where the course
(and ``scratch``) uses (n_x, m); ``nn.Linear``'s weight is (out, in), which is the
course's W[l] (n[l], n[l-1]) unchanged; its bias is (n[l],) where the course's
b[l] is (n[l], 1).
"""
from .models import DeepNet, LogisticRegression, PlanarNet, ACTIVATIONS
from .train import criterion_for, he_init_, loss_input, train_step

__all__ = ["DeepNet", "LogisticRegression", "PlanarNet", "ACTIVATIONS", "train_step",
           "loss_input", "criterion_for", "he_init_"]
