"""The recipes: for each (data set, model), the course's settings. One table, read by
``dl-parity train``'s defaults, the tests (:func:`dl_parity.training.course_plan`), the
bench's workloads (``bench``) and the study page's learning curves (``curve``).

A row is what ``dl-parity train --dataset D [--model M]`` does with no other options,
and what the course's own run of that model uses, or, beyond the course, what was
measured to work (said in ``about``). ``config`` sets the model's fields, ``settings``
the schedule (:class:`dl_parity.settings.Settings`), ``optim`` the learning rate and the
optimizer (:class:`dl_parity.models.optim.Optim`), ``data`` what the model's
``load_data`` reads (default: the data set's name).

Which row the command line takes: ``--model`` given, the first row of (data set, model)
whose ``when`` the user's options match (``when={"name": "adam"}``: with --optimizer
adam); no ``--model``, the first model of the data set that has every option given.
Rows with ``when=None`` are never picked by the command line (the study page's and the
bench's own runs).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dl_parity.settings import Settings


@dataclass(frozen=True)
class Curve:
    """The study page's learning curve of a recipe: both sides in lockstep, float64, CPU,
    for ``steps`` iterations or epochs (None: the recipe's), ``quick`` with --quick, on
    the first ``examples`` training examples (None: all; ``quick_examples`` with --quick);
    the page shows it in the section of the catalog entry ``formula``."""
    title: str
    formula: str = ""
    steps: int | None = None
    quick: int = 20
    examples: int | None = None
    quick_examples: int | None = None


@dataclass(frozen=True)
class Bench:
    """A bench workload: one training step of the recipe's model on a batch of ``m``
    synthetic examples (``config`` and ``learning_rate`` change the recipe's)."""
    name: str
    m: int
    about: str
    config: Mapping = field(default_factory=dict)
    learning_rate: float | None = None


@dataclass(frozen=True)
class Recipe:
    dataset: str
    model: str
    about: str
    config: Mapping = field(default_factory=dict)
    settings: Settings = Settings()
    optim: Mapping = field(default_factory=dict)
    data: str | None = None
    when: Mapping | None = field(default_factory=dict)
    key: str | None = None
    curve: Curve | None = None
    bench: tuple[Bench, ...] = ()

    @property
    def name(self) -> str:
        """The recipe's key: ``key``, else "dataset" (or "dataset-model" beside another)."""
        if self.key:
            return self.key
        first = next(r for r in RECIPES if r.dataset == self.dataset)
        return self.dataset if first.model == self.model else f"{self.dataset}-{self.model}"

    @property
    def data_spec(self) -> str:
        return self.data or self.dataset

    def model_class(self):
        from dl_parity.models import get_model

        return get_model(self.model)

    def build(self, **config):
        """The model of this recipe, with ``config`` on top of its fields."""
        return self.model_class().from_config({**self.config, **config})


RECIPES: tuple[Recipe, ...] = (
    # ---------------------------------------------------------------- course 1
    Recipe("planar", "mlp",
           "the week-3 assignment: 2 -> 4 tanh -> 1, np.random.seed(2), W = randn * 0.01, "
           "lr 1.2, 10000 iterations",
           config=dict(layer_dims=(2, 4, 1), hidden_activation="tanh"),
           settings=Settings(iterations=10000, seed=2, log_every=1000),
           optim=dict(learning_rate=1.2),
           curve=Curve("Planar flower, one hidden layer (week 3)",
                       formula="w3.training", quick=200),
           bench=(Bench("planar", 400, "planar 2-4-1 tanh (per-call overhead)"),)),
    Recipe("cat", "mlp",
           "the week-4 application: L_layer_model's initialisation and rate",
           key="llayer", config=dict(layer_dims=(12288, 20, 7, 5, 1)),
           settings=Settings(iterations=2500, seed=1, log_every=100),
           optim=dict(learning_rate=0.0075),
           curve=Curve("Cat / non-cat, L-layer network (week 4)", formula="w4.training", quick=30),
           bench=(Bench("cat", 209, "course L-layer cat model, full batch"),)),
    Recipe("cat", "mlp",
           "the week-2 assignment: logistic regression from w = 0, b = 0, lr 0.005",
           key="logreg", when=None, config=dict(layer_dims=(12288, 1), init="zeros"),
           settings=Settings(iterations=2000, seed=1, log_every=100),
           optim=dict(learning_rate=0.005),
           curve=Curve("Cat / non-cat, logistic regression (week 2)",
                       formula="w2.training", quick=100)),
    # beyond course 1: He initialisation, mini-batch SGD (batch 64), learning rate 0.2 for
    # six epochs then 0.02 for four (step decay, course 2); float64 so the two sides can
    # be held to float64's tolerance over all 9380 steps. Measured (10 epochs, test
    # accuracy at the end, seeds 1/2/3): [784, 256, 128, 10] with this schedule 98.29 /
    # 98.24 / 98.19 %; [784, 128, 64, 10] with it 97.80 / 98.10 / 98.02 %, and at a constant
    # lr 0.1 97.85 / - / - % (plain SGD at a constant rate ends where its noise puts it,
    # +-0.3 % from epoch to epoch): the wider net with the drop clears 98 % for every seed.
    Recipe("mnist", "mlp",
           "beyond course 1: softmax MLP, He, mini-batch SGD, lr 0.2 then 0.02 from epoch 7",
           config=dict(layer_dims=(784, 256, 128, 10), output_activation="softmax"),
           settings=Settings(epochs=10, batch_size=64, lr_drop_epoch=7, seed=1, log_every=1),
           optim=dict(learning_rate=0.2),
           bench=tuple(Bench(f"mnist-{m}", m, f"MNIST MLP, batch {m}",
                             config=dict(layer_dims=(784, 128, 64, 10)), learning_rate=0.1)
                       for m in (64, 512, 4096))),
    # ---------------------------------------------------------------- course 2
    Recipe("circles", "course2",
           "course 2, week 1, initialization: [2, 10, 5, 1], He (np.random.seed(3) inside the "
           "course's initialiser), lr 0.01, 15000 full-batch iterations, the nansum cost",
           config=dict(layer_dims=(2, 10, 5, 1), init="he", cost="nansum"),
           settings=Settings(iterations=15000, seed=3, log_every=1000),
           optim=dict(learning_rate=0.01)),
    Recipe("football", "course2",
           "course 2, week 1, regularization: [2, 20, 3, 1], randn / sqrt(n[l-1]) (seed 3), "
           "lr 0.3, 30000 iterations (--lambd 0.7 or --keep-prob 0.86 for the course's runs)",
           config=dict(layer_dims=(2, 20, 3, 1), init="scaled", cost="nansum"),
           settings=Settings(iterations=30000, seed=3, log_every=1000),
           optim=dict(learning_rate=0.3)),
    Recipe("moons", "course2",
           "course 2, week 2, optimization: [2, 5, 2, 1], He (seed 3), mini-batches of 64, "
           "5000 epochs at lr 0.0007, shuffles seeded 11, 12, ... (the course's seed = 10, "
           "seed += 1 before each epoch); cost_total / m per epoch, printed every 1000",
           config=dict(layer_dims=(2, 5, 2, 1), init="he", cost="sum"),
           settings=Settings(epochs=5000, batch_size=64, seed=3, batch_seed=11,
                             log_every=1000),
           optim=dict(learning_rate=0.0007)),
    Recipe("moons", "course2",
           "the week-2 Adam run (the course's model(..., optimizer='adam'))",
           key="moons-adam", when={"name": "adam"},
           config=dict(layer_dims=(2, 5, 2, 1), init="he", cost="sum"),
           settings=Settings(epochs=5000, batch_size=64, seed=3, batch_seed=11,
                             log_every=1000),
           optim=dict(learning_rate=0.0007, name="adam"),
           curve=Curve("Moons, mini-batch Adam (course 2, week 2)",
                       formula="c2w2.adam", steps=1000, quick=50)),
    # the course-2 network on MNIST ([784, 256, 128, 10], softmax output, He, batches of
    # 64, 10 epochs), fresh dropout masks at every step. With Adam: lr 0.003, x 0.1 from
    # epoch 6 on. Measured, NumPy side alone, float32, seed 1, test accuracy after 10 epochs
    # with --keep-prob K --batch-norm: lr 0.003 / drop 6 / K 0.8: 98.59 %; lr 0.001 / drop 7:
    # K 0.9 98.52 %, K 0.8 98.45 % (torch 98.44 %), K 0.6 98.11 %; [784, 512, 256, 10] K 0.8
    # 98.46 %, K 0.5 98.32 %.
    Recipe("mnist", "course2",
           "the course-2 network on MNIST: softmax, He, batches of 64, fresh dropout masks",
           config=dict(layer_dims=(784, 256, 128, 10), output_activation="softmax",
                       masks="fresh"),
           settings=Settings(epochs=10, batch_size=64, lr_drop_epoch=7, seed=1, log_every=1),
           optim=dict(learning_rate=0.2)),
    Recipe("mnist", "course2",
           "with Adam: lr 0.003, x 0.1 from epoch 6 (98.59 % with --keep-prob 0.8 "
           "--batch-norm --dtype float32, NumPy alone)",
           key="mnist-course2-adam", when={"name": "adam"},
           config=dict(layer_dims=(784, 256, 128, 10), output_activation="softmax",
                       masks="fresh"),
           settings=Settings(epochs=10, batch_size=64, lr_drop_epoch=6, seed=1, log_every=1),
           optim=dict(learning_rate=0.003, name="adam"),
           bench=(Bench("mnist-bn-64", 64, "MNIST course-2 net, batch norm + dropout 0.8, "
                        "Adam, batch 64", config=dict(batch_norm=True, keep_prob=0.8)),)),
    # ---------------------------------------------------------------- course 4
    # scratch.fast_conv's CNN (conv 5x5x8 -> pool -> conv 5x5x16 -> pool -> 10 softmax), He
    # initialisation, plain mini-batch SGD, batch 32, lr 0.05 then 0.005 from epoch 7, 8
    # epochs, float32. Measured (each side alone, 1 thread): torch 99.08 / 99.04 / 98.98 %
    # test accuracy for seeds 1 / 2 / 3; NumPy seed 1 99.06 % (90 s; torch 51 s). Batch 64
    # plateaued at 98.6-98.9 % (lr 0.1 for 12 epochs: 98.93 %).
    Recipe("mnist", "cnn",
           "course 4's CNN: plain SGD, batch 32, lr 0.05 then 0.005 from epoch 7, 8 epochs",
           settings=Settings(epochs=8, batch_size=32, lr_drop_epoch=7, seed=1,
                             dtype="float32", log_every=1),
           optim=dict(learning_rate=0.05),
           curve=Curve("MNIST CNN, mini-batch SGD (course 4), one epoch of 4096 images",
                       formula="c4.cnn",
                       steps=1, quick=1, examples=4096, quick_examples=256),
           bench=(Bench("mnist-cnn-64", 64, "MNIST CNN (course 4), batch 64",
                        learning_rate=0.1),
                  Bench("mnist-cnn-256", 256, "MNIST CNN (course 4), batch 256",
                        learning_rate=0.1))),
    # ---------------------------------------------------------------- course 5
    # the notebook's call: model(data_x, ix_to_char, char_to_ix, 22001, verbose=True)
    Recipe("dinos", "char_rnn",
           "course 5's Dinosaurus Island: the course's model(..., 22001): lr 0.01, n_a 50, "
           "one name per iteration, 7 names sampled every 1000",
           data="dinos/dinos.txt",
           settings=Settings(iterations=22001, seed=1, log_every=1000),
           optim=dict(learning_rate=0.01),
           curve=Curve("Dinosaur names, character-level RNN (course 5)",
                       formula="c5.char_rnn_model", steps=2000,
                       quick=200),
           bench=(Bench("dinos", 9, "character RNN (course 5), one name of 9 characters"),)),
    # beyond the course (its GloVe file is not available offline): word vectors by the
    # lectures' skip-gram with negative sampling. Measured (NumPy side alone, seed 1):
    # window 2, k 5, 5 epochs left every cosine near 1 (no structure); window 4, k 10,
    # 10 epochs gave thou -> art, dost, wilt and day -> night; batch 256 at lr 4 took the
    # same path as batch 64 at lr 1 (the cost is a mean over the batch) in 17.8 s instead
    # of 43.6 s. The study's curve: one epoch, 553 steps (the cost stays at 7.62 for about
    # 60 steps, as Theta starts at 0 and E near 0, so dE = dz Theta starts at 0; then it
    # falls to 4.15); --quick 150 steps on the first 38400 pairs (7.62 to 6.37).
    Recipe("sonnets", "word2vec",
           "course 5, week 2's word2vec on Shakespeare's sonnets: 50 dimensions, window +-4, "
           "10 negatives, batches of 256 pairs, lr 4, 10 epochs (chosen by measurement)",
           data="shakespeare/sonnets.txt",
           config=dict(emb_dim=50, window=4, negatives=10),
           settings=Settings(epochs=10, batch_size=256, seed=1, log_every=1),
           optim=dict(learning_rate=4.0),
           curve=Curve("Sonnets' word vectors, skip-gram with negative sampling (course 5, "
                       "week 2), one epoch", formula="c5.word2vec_model", steps=1,
                       quick=1, quick_examples=150 * 256),
           bench=(Bench("sonnets", 256, "skip-gram word vectors (course 5), 256 pairs x 10 "
                        "negatives, V = 3174, n = 50"),)),
    # course 5, week 1's "Writing like Shakespeare" with the dinosaur model (the course used a
    # Keras LSTM there): the same char-RNN and settings, one line of the sonnets an iteration
    # (2469 lines, 38 characters); --dataset sonnets --model char_rnn
    Recipe("sonnets", "char_rnn",
           "course 5, week 1's Shakespeare with the dinosaur model: the course's char-RNN on "
           "the sonnets' lines, lr 0.01, n_a 50, 22001 iterations, 7 lines sampled every 1000",
           data="shakespeare/sonnets.txt",
           settings=Settings(iterations=22001, seed=1, log_every=1000),
           optim=dict(learning_rate=0.01)),
)

def datasets() -> tuple[str, ...]:
    """The data sets of the command line, in the table's order."""
    return tuple(dict.fromkeys(r.dataset for r in RECIPES if r.when is not None))


DATASETS = datasets()


def recipes_of(dataset: str) -> list[Recipe]:
    """The command line's rows of ``dataset`` (``when`` not None), in the table's order."""
    return [r for r in RECIPES if r.dataset == dataset and r.when is not None]


def models_of(dataset: str) -> list[str]:
    """The models that train on ``dataset``, its first (default) model first."""
    return list(dict.fromkeys(r.model for r in recipes_of(dataset)))


def datasets_of(model: str) -> list[str]:
    return list(dict.fromkeys(r.dataset for r in RECIPES if r.model == model
                              and r.when is not None))


def recipe_for(dataset: str, model: str | None = None, given: Mapping | None = None) -> Recipe:
    """The row for ``dataset`` and ``model`` (None: the data set's first model) whose
    ``when`` the options ``given`` (field -> value) match; ValueError if there is none."""
    rows = recipes_of(dataset)
    if not rows:
        raise ValueError(f"dataset: expected one of {', '.join(datasets())}, got {dataset!r}")
    model = model or rows[0].model
    rows = [r for r in rows if r.model == model]
    if not rows:
        raise ValueError(f"model: no recipe for the {model} model on {dataset} (the models of "
                         f"{dataset}: {', '.join(models_of(dataset))})")
    given = given or {}
    matching = [r for r in rows if all(given.get(k) == v for k, v in r.when.items())]
    return matching[-1] if matching else rows[0]


def by_name(name: str) -> Recipe:
    for r in RECIPES:
        if r.name == name:
            return r
    raise ValueError(f"recipe: expected one of {', '.join(r.name for r in RECIPES)}, got {name!r}")
