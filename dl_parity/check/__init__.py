"""``dl-parity check``: a learner's own NumPy functions against the project's reference,
PyTorch and finite differences, with the classic mistake named; and ``dl-parity mutants``:
the same classic mistakes (and operator mutations) planted in a copy of scratch/, to show
that the parity suite catches them.

- :mod:`.mistakes`: the catalog of classic mistakes (``mistakes_for(formula_id)``);
- :mod:`.specs`: the course functions the checker knows, their inputs and witnesses;
- :mod:`.runner`: the checks, verdicts, diagnoses and the table;
- :mod:`.mutants`: the mutation check.
"""
from .mistakes import MISTAKES, Mistake, mistakes_for, mistakes_of

__all__ = ["MISTAKES", "Mistake", "mistakes_for", "mistakes_of"]
