"""torch_ref.train_step is right for every criterion it accepts, and refuses the others.

Issue 8: ``train_step(criterion=nn.CrossEntropyLoss())`` used to feed ``model(X)`` (the
softmax's probabilities) to a loss that applies log-softmax itself: a silent wrong cost
(softmax taken twice) and wrong gradients. It now feeds the logits, and a pairing that
cannot be right (BCELoss on a softmax output; a model without logits; a loss it does not
know) raises a clear ValueError before any update.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from scratch.multiclass import (L_model_backward_multiclass, L_model_forward_multiclass,
                                compute_cost_multiclass, initialize_parameters_he, one_hot)
from torch_ref import DeepNet, train_step
from torch_ref.train import loss_input

from ._tolerances import steps_of_layers, tolerance

DIMS = [5, 4, 3]


def _data(m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (DIMS[0], m))
    y = rng.integers(0, DIMS[-1], m)
    return X, y


def test_cross_entropy_step_uses_the_logits_and_matches_the_course(parity, device):
    """One SGD step with nn.CrossEntropyLoss from the course's dict: the cost and the new
    weights equal the hand-derived softmax step (float64; n counts one pass)."""
    X, y = _data()
    params = initialize_parameters_he(DIMS, seed=2)
    net = DeepNet.from_course_parameters(params, device=device, dtype=torch.float64,
                                         output="softmax")
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    cost = train_step(net, opt, torch.tensor(X.T, device=device),
                      torch.tensor(y, device=device), nn.CrossEntropyLoss())
    Y = one_hot(y, DIMS[-1])
    AL, caches = L_model_forward_multiclass(X, params)
    grads = L_model_backward_multiclass(AL, Y, caches)
    tol = tolerance(np.float64, steps_of_layers(DIMS, X.shape[1]))
    parity.close("cost", cost, compute_cost_multiclass(AL, Y), **tol, formula="c2.training")
    new = net.course_parameters()
    for key in ("W1", "b1", "W2", "b2"):
        parity.close(f"{key} after one step", new[key], params[key] - 0.5 * grads["d" + key],
                     **tol, formula="c2.training")


def test_probabilities_fed_to_cross_entropy_would_be_a_different_cost():
    """What the old code computed: CrossEntropyLoss of the softmax's output is not the
    course's cost (so the fix is observable, not cosmetic)."""
    X, y = _data()
    net = DeepNet.from_course_parameters(initialize_parameters_he(DIMS, seed=2),
                                         dtype=torch.float64, output="softmax")
    Xt, yt = torch.tensor(X.T), torch.tensor(y)
    right = nn.CrossEntropyLoss()(loss_input(net, Xt, nn.CrossEntropyLoss()), yt)
    wrong = nn.CrossEntropyLoss()(net(Xt), yt)
    assert abs(right.item() - wrong.item()) > 1e-3


@pytest.mark.parametrize("criterion, output, message", [
    (nn.BCELoss(), "softmax", "use nn.CrossEntropyLoss"),
    (nn.MSELoss(), "sigmoid", "expected nn.BCELoss, nn.CrossEntropyLoss or nn.BCEWithLogitsLoss"),
])
def test_wrong_pairings_are_refused_before_any_update(criterion, output, message):
    net = DeepNet(DIMS, dtype=torch.float64, output=output)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    X, y = _data()
    target = torch.tensor(one_hot(y, DIMS[-1]).T) if output == "softmax" else \
        torch.zeros(X.shape[1], DIMS[-1], dtype=torch.float64)
    with pytest.raises(ValueError, match=message):
        train_step(net, torch.optim.SGD(net.parameters(), lr=0.1), torch.tensor(X.T), target,
                   criterion)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_cross_entropy_needs_a_model_with_logits():
    model = nn.Sequential(nn.Linear(5, 3), nn.Softmax(dim=1)).double()
    X, y = _data()
    with pytest.raises(ValueError, match="takes logits"):
        train_step(model, torch.optim.SGD(model.parameters(), lr=0.1), torch.tensor(X.T),
                   torch.tensor(y), nn.CrossEntropyLoss())
