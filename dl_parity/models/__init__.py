"""Model descriptions: each trainable model says once how its two sides are built.

A description (e.g. :class:`dl_parity.models.mlp.MLP`) knows

- ``initial_parameters(seed)``: the course's dict, drawn by scratch's initialiser;
- ``init_description(seed)``: one line saying how;
- ``numpy_side(parameters, dtype, optim)`` and ``torch_side(parameters, dtype, device,
  optim)``: the two *sides* the engine (:mod:`dl_parity.engine`) trains, each loaded
  with the same dict; each converts batches to its own layout in ``prepare`` and
  exports the course's dict in ``course_parameters``;
- ``predict(side, X)``: labels, for accuracies.

Optimizer settings (:class:`dl_parity.models.optim.Optim`) are shared by every model:
the NumPy side applies the course's update, the torch side the torch.optim optimizer
that computes the same thing.
"""
