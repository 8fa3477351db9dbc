"""One model protocol (issue 16): every registered model trains, saves, evaluates with the other
implementation, has a bench workload and a study curve, through glue that names no model;
a new model (a skip-gram model whose batches are (center, context, negatives) index arrays,
defined here) plugs in with one class and one recipe row; old checkpoints still load; the
glue has no import circles.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from dl_parity import bench, recipes
from dl_parity.checkpoint import META_KEYS, load_checkpoint, save_run_checkpoint
from dl_parity.cli import main
from dl_parity.engine import run
from dl_parity.flags import option
from dl_parity.models import REGISTRY
from dl_parity.models.base import (Evaluation, Model, NumpySide, TorchSide, optim_or_default,
                                   register)
from dl_parity.training import plan_for

from ._tolerances import FLOAT64_RTOL, tolerance

ROOT = Path(__file__).resolve().parents[1]
LEGACY = Path(__file__).resolve().parent / "legacy_checkpoints"


def cli(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


# ----------------------------------------------------------------------------- every model
def _two_steps(recipe, device="cpu"):
    """The recipe's run, both sides, float64, two steps (two iterations, or one epoch of
    two mini-batches on the first 2 B examples)."""
    plan = plan_for(recipe, device=device, given={"dtype": "float64"})
    full = plan.full_batch
    plan = dataclasses.replace(plan, **({"iterations": 2} if full else {"epochs": 1}))
    data = plan.load_data()
    if not full:
        data = data.head(2 * plan.batch_size)
    return dataclasses.replace(plan, model=plan.model.fit_data(data)), data


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_model_trains_saves_evaluates_benches_and_has_a_curve(name, tmp_path, request,
                                                                    device):
    """Two steps in lockstep from one dict (the costs and the parameters equal to float64's
    bound), a checkpoint of the one format, evaluated by the other implementation exactly
    as the side that trained it evaluates itself; a bench workload whose two steps start
    from the same cost; a study curve.

    Tolerance: float64, rtol 1e-10 (the project's ceiling) and atol 2 gamma_n with n = 2
    steps x the number of parameters (each rounding chain of a forward-backward pass sums
    over at most every parameter once)."""
    recipe = recipes.recipe_for(*next((r.dataset, r.model) for r in recipes.RECIPES
                                      if r.model == name and r.when is not None))
    if recipe.dataset == "mnist":
        request.getfixturevalue("mnist_root")
    plan, data = _two_steps(recipe, device.type)
    sides = plan.sides(plan.model.initial_parameters(plan.seed))
    hist = run(sides, plan.batches(data))
    assert hist.steps_done == 2
    n = 2 * sum(np.size(v) for v in sides[0].course_parameters().values())
    tol = dict(rtol=FLOAT64_RTOL, atol=tolerance(np.float64, n)["atol"])
    np.testing.assert_allclose(hist.costs["torch"], hist.costs["numpy"], **tol)
    numpy_p, torch_p = (s.course_parameters() for s in sides)
    for key in numpy_p:
        np.testing.assert_allclose(torch_p[key], numpy_p[key], **tol, err_msg=key)

    path = save_run_checkpoint(tmp_path / f"{name}.npz", plan, sides[0], hist.steps_done)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted([*numpy_p, *META_KEYS])
        assert str(npz["model"]) == name
        assert json.loads(str(npz["config"])) == plan.model.config()
    ckpt = load_checkpoint(path)
    assert ckpt.model == plan.model and ckpt.step == 2 and ckpt.impl == "numpy"
    other = ckpt.model.side("torch", ckpt.parameters, ckpt.dtype, device.type)
    assert plan.model.evaluate(other, data) == plan.model.evaluate(sides[0], data)

    workloads = [w for w in bench.WORKLOADS.values() if w.kind == name]
    assert workloads, f"no bench workload of {name}"
    for w in workloads:
        costs = [float(bench.course_step(w, "float64")()),
                 float(bench.torch_step(w, "float64", device.type)())]
        assert costs[1] == pytest.approx(costs[0], rel=FLOAT64_RTOL)
    assert any(r.model == name and r.curve is not None for r in recipes.RECIPES)


@pytest.mark.slow
def test_the_study_page_has_a_curve_of_every_model():
    """The study page's curves come from the recipe table (dl_parity.curves): with --quick,
    one per model whose data is on this machine, each trained by both sides."""
    from dl_parity import study
    from dl_parity.recipes import by_name

    curves = study.train_curves(quick=True, progress=False)
    models = {by_name(c.key).model for c in curves}
    skipped = " ".join(study.train_curves.missing)
    for name in REGISTRY:
        assert name in models or any(r.model == name and r.curve and r.curve.title in skipped
                                     for r in recipes.RECIPES), name
    for c in curves:
        assert len(c.numpy_costs) == len(c.torch_costs) > 0 and c.png[:4] == b"\x89PNG"


# ----------------------------------------------------------------------------- a new model
class Corpus:
    """(center, context, negatives) index pairs of a toy skip-gram corpus: word w's
    neighbours are w - 1 and w + 1 (mod V); 4 negatives per pair, drawn uniformly."""

    def __init__(self, V: int = 12, k: int = 4, seed: int = 0):
        rng = np.random.RandomState(seed)
        center = np.repeat(np.arange(V), 2)
        self.center = center
        self.context = (center + np.tile([-1, 1], V)) % V
        self.negatives = rng.randint(0, V, size=(k, center.size))
        self.name, self.V = "toy-corpus", V

    def describe(self) -> str:
        return f"{self.center.size} pairs, {self.V} words"

    def astype(self, dtype):
        return self


@dataclasses.dataclass
class Pairs:
    """The model's own batch source: (center (m,), context (m,), negatives (k, m))."""
    corpus: Corpus
    batch_size: int
    epochs: int

    @property
    def m(self) -> int:
        return self.corpus.center.size

    def batches(self, epoch):
        c = self.corpus
        return [(c.center[i:i + self.batch_size], c.context[i:i + self.batch_size],
                 c.negatives[:, i:i + self.batch_size])
                for i in range(0, self.m, self.batch_size)]

    def extra(self, step, *batch):
        return {}

    def describe(self) -> str:
        return f"{self.epochs} epochs of batches of {self.batch_size} pairs"


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


class NumpySkipGram(NumpySide):
    """J = (1/m) sum_i [-log s(u_o . v_c) - sum_k log s(-u_k . v_c)], by hand."""

    def prepare(self, center, context, negatives, extra=None):
        return center, context, negatives

    def step(self, batch) -> float:
        c, o, neg = batch
        W_in, W_out, m = self.parameters["W_in"], self.parameters["W_out"], c.size
        v, u_o, u_k = W_in[c], W_out[o], W_out[neg]                  # (m, d) (m, d) (k, m, d)
        s_o, s_k = np.sum(u_o * v, axis=1), np.einsum("kmd,md->km", u_k, v)
        cost = np.mean(-np.log(_sigmoid(s_o)) - np.sum(np.log(_sigmoid(-s_k)), axis=0))
        g_o, g_k = (_sigmoid(s_o) - 1) / m, _sigmoid(s_k) / m        # dJ/ds
        dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)
        np.add.at(dW_in, c, g_o[:, None] * u_o + np.einsum("km,kmd->md", g_k, u_k))
        np.add.at(dW_out, o, g_o[:, None] * v)
        np.add.at(dW_out, neg, g_k[..., None] * v[None])
        self.parameters = {"W_in": W_in - self.learning_rate * dW_in,
                           "W_out": W_out - self.learning_rate * dW_out}
        return float(cost)


class TorchSkipGram(TorchSide):
    """nn.Embedding x 2, BCEWithLogitsLoss (labels 1 for the context, 0 for negatives)."""

    def __init__(self, model, parameters, dtype, device, optim):
        import torch

        super().__init__(model, dtype, device, optim)
        self.net = torch.nn.ModuleDict({
            k: torch.nn.Embedding.from_pretrained(torch.tensor(parameters[k]), freeze=False)
            for k in ("W_in", "W_out")}).to(self.device, self.dtype)
        self.make_optimizer(self.net.parameters())

    def prepare(self, center, context, negatives, extra=None):
        import torch

        return tuple(torch.from_numpy(np.asarray(a)).to(self.device)
                     for a in (center, context, negatives))

    def step(self, batch) -> float:
        import torch
        from torch.nn.functional import binary_cross_entropy_with_logits as bce

        c, o, neg = batch
        v = self.net["W_in"](c)
        s_o = (self.net["W_out"](o) * v).sum(1)
        s_k = (self.net["W_out"](neg) * v).sum(2)
        cost = (bce(s_o, torch.ones_like(s_o), reduction="sum")
                + bce(s_k, torch.zeros_like(s_k), reduction="sum")) / c.numel()
        self.optimizer.zero_grad()
        cost.backward()
        self.optimizer.step()
        return cost.item()

    def course_parameters(self):
        return {k: e.weight.detach().cpu().numpy().copy() for k, e in self.net.items()}


@dataclasses.dataclass(frozen=True)
class ToySkipGram(Model):
    """word2vec's skip-gram with negative sampling, on a toy corpus (this test's model)."""
    vocab_size: int = 12
    dim: int = option(4, "embedding size d (the toy skip-gram)", kind="int", low=1)

    name = "toy_skipgram"
    takes = ("learning_rate", "epochs", "batch_size")

    def initial_parameters(self, seed):
        rng = np.random.RandomState(seed)
        return {"W_in": rng.randn(self.vocab_size, self.dim) * 0.5,
                "W_out": rng.randn(self.vocab_size, self.dim) * 0.5}

    def side(self, impl, parameters, dtype="float64", device="cpu", optim=None):
        optim = optim_or_default(optim)
        if impl == "numpy":
            return NumpySkipGram(self, parameters, dtype, optim)
        return TorchSkipGram(self, parameters, dtype, device, optim)

    @classmethod
    def load_data(cls, spec, data_dir=None, download=True):
        return Corpus()

    def source(self, plan, data):
        return Pairs(data, plan.batch_size, plan.epochs)

    def evaluate(self, side, data):
        W = side.course_parameters()["W_in"]
        W = W / np.linalg.norm(W, axis=1, keepdims=True)
        nearest = np.argsort(-(W @ W[0]))[1:3]
        return Evaluation(lines=[f"nearest words to 0: {', '.join(map(str, nearest))}"])

    def bench_batch(self, m, dtype, seed=0):
        c = Corpus()
        return c.center[:m], c.context[:m], c.negatives[:, :m]


@pytest.fixture
def toy_model(monkeypatch):
    """ToySkipGram registered and one recipe row for it, for this test only."""
    register(ToySkipGram)
    row = recipes.Recipe("toy-corpus", "toy_skipgram", "a toy skip-gram run",
                         settings=recipes.Settings(epochs=3, batch_size=8, seed=1),
                         optim=dict(learning_rate=0.5))
    monkeypatch.setattr(recipes, "RECIPES", recipes.RECIPES + (row,))
    yield ToySkipGram
    REGISTRY.pop("toy_skipgram")


def test_a_new_model_plugs_in_with_one_class_and_one_recipe_row(capsys, tmp_path, toy_model):
    """The skip-gram model above, whose batches are (center, context, negatives), trains in
    lockstep from `dl-parity train`, takes its own flag (--dim), saves, evaluates with the
    other implementation: no glue edit. The two sides' costs agree to rtol 1e-10 (a few
    hundred rounding steps of float64: 2 gamma_n ~ 1e-13)."""
    path = tmp_path / "toy.npz"
    status, out, err = cli(capsys, "train", "--dataset", "toy-corpus", "--dim", "6",
                           "--save", str(path), "--quiet")
    assert status == 0, err
    assert "on toy-corpus (24 pairs, 12 words" in out
    rows = {int(m[1]): (float(m[2]), float(m[3])) for m in
            re.finditer(r"^\s+(\d)\s+([\d.]+)\s+([\d.]+)\s", out, re.M)}
    assert sorted(rows) == [1, 2, 3]
    for a, b in rows.values():
        assert b == pytest.approx(a, rel=FLOAT64_RTOL)
    assert rows[3][0] < rows[1][0]                       # it learns
    ckpt = load_checkpoint(path)
    assert ckpt.model == ToySkipGram(dim=6) and ckpt.parameters["W_in"].shape == (12, 6)
    lines = {}
    for impl in ("numpy", "torch"):
        status, out, err = cli(capsys, "evaluate", "--checkpoint", str(path), "--impl", impl)
        assert status == 0, err
        lines[impl] = [line for line in out.splitlines() if "nearest" in line]
    assert lines["numpy"] == lines["torch"] and len(lines["numpy"]) == 1
    status, _, err = cli(capsys, "train", "--dataset", "planar", "--dim", "6")
    assert status == 2 and "--dim: the mlp model has no such option" in err


def test_the_character_model_on_another_text_is_one_recipe_row(capsys, tmp_path, monkeypatch):
    """The dinosaur char-RNN on another names file: one recipe row (its ``data``), no glue."""
    (tmp_path / "lines.txt").write_text("Shall I compare thee\nto a summers day\nthou art")
    row = recipes.Recipe("lines", "char_rnn", "another text",
                         data="lines/lines.txt", settings=recipes.Settings(iterations=3),
                         optim=dict(learning_rate=0.01))
    monkeypatch.setattr(recipes, "RECIPES", recipes.RECIPES + (row,))
    status, out, err = cli(capsys, "train", "--dataset", "lines", "--data-dir", str(tmp_path),
                           "--quiet", "--names", "2")
    assert status == 0, err
    assert "on lines (3 names, 17 characters" in out and "17 (one-hot) -> 50" in out


# ----------------------------------------------------------------------------- the glue
def _imports(path: Path, module: str) -> set[str]:
    """The dl_parity modules ``module`` (file ``path``) imports, at any depth of its code."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out |= {f"{base}.{a.name}" for a in node.names} | {base}
    return {m for m in out if m.startswith("dl_parity")}


def test_no_import_circles_in_the_glue():
    """The import graph of dl_parity/ (imports inside functions too) has no cycle."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in (ROOT / "dl_parity").rglob("*.py")}
    graph = {m: {i for i in _imports(p, m) if i in files and i != m} for m, p in files.items()}
    # edges into a package's __init__ only count when it is imported by name (the
    # registry: dl_parity.models imports every model module, dynamically)
    state, cycles = {}, []

    def visit(m, stack):
        state[m] = "open"
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n, stack + [n])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == [], cycles


def test_the_commands_name_no_model():
    """grep for model names in dl_parity/commands/ is empty."""
    names = set(REGISTRY) | {cls.__name__ for cls in REGISTRY.values()} | {"dinos", "charrnn"}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b", re.I)
    hits = [f"{p.name}:{i}: {line.strip()}" for p in (ROOT / "dl_parity" / "commands").glob("*.py")
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_each_flag_is_declared_once():
    """A flag sets one field, with one spec, whichever models take it."""
    from dl_parity.flags import declared
    from dl_parity.models.optim import Optim
    from dl_parity.settings import Settings

    seen = {}
    for owner in (Settings, Optim, *REGISTRY.values()):
        for name, spec in declared(owner).items():
            flag = spec.flag(name)
            assert seen.setdefault(flag, (name, spec.kind)) == (name, spec.kind), flag


def test_no_function_of_the_model_glue_is_over_60_lines():
    glue = ["models", "commands/train.py", "commands/evaluate.py", "commands/sample.py",
            "checkpoint.py", "settings.py", "options.py", "training.py", "callbacks.py",
            "recipes.py", "flags.py", "curves.py", "engine.py"]
    files = [p for g in glue for p in ((ROOT / "dl_parity" / g).rglob("*.py")
                                       if (ROOT / "dl_parity" / g).is_dir()
                                       else [ROOT / "dl_parity" / g])]
    long = [(f"{p.name}:{n.name}", n.end_lineno - n.lineno + 1) for p in files
            for n in ast.walk(ast.parse(p.read_text()))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.end_lineno - n.lineno + 1 > 60]
    assert long == []


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("name, accuracy", [("mlp_planar", "87.00 %"),
                                            ("course2_moons", "60.67 %")])
def test_first_format_classifier_checkpoints_still_load(capsys, name, accuracy):
    """Files written by the code before the one format (W1..WL with layer_dims and the
    activations, no model entry): evaluated by both implementations as then (the same
    accuracy as that code printed for them)."""
    for impl in ("numpy", "torch"):
        status, out, err = cli(capsys, "evaluate", "--checkpoint", str(LEGACY / f"{name}.npz"),
                               "--impl", impl)
        assert status == 0, err
        assert f"train accuracy  {accuracy} (m = " in out


def test_first_format_cnn_and_char_rnn_checkpoints_still_load(capsys):
    """The first CNN checkpoint (image_shape, sizes read off the arrays) holds the course's
    initial dict (float32, seed 1) it was written from; the first char-RNN checkpoint
    (vocabulary) samples the names that code sampled from it, with both implementations."""
    from dl_parity.models.cnn import CNN

    ckpt = load_checkpoint(LEGACY / "cnn_mnist.npz")
    assert ckpt.model == CNN() and (ckpt.dtype, ckpt.impl, ckpt.step) == ("float32", "torch", 0)
    for key, value in CNN().initial_parameters(1).items():
        np.testing.assert_array_equal(ckpt.parameters[key], value.astype(np.float32))
    printed = ["Onwuusaodrpcuhsru", "Lod", "Lwuusaodrpcuhsru", "Oda"]
    for impl in ("numpy", "torch"):
        status, out, err = cli(capsys, "sample", "--checkpoint",
                               str(LEGACY / "char_rnn_dinos.npz"), "--impl", impl, "--names", "4")
        assert status == 0 and out.split() == printed, err


def test_batch_norm_networks_are_saveable(capsys, tmp_path):
    """--batch-norm --save writes W, gamma, beta and the running statistics; both
    implementations evaluate the file alike (test mode: the running statistics)."""
    path = tmp_path / "bn.npz"
    status, out, err = cli(capsys, "train", "--dataset", "moons", "--batch-norm", "--epochs", "3",
                           "--layers", "2,8,4,1", "--save", str(path), "--quiet")
    assert status == 0, err
    ckpt = load_checkpoint(path)
    assert ckpt.model.batch_norm and {"gamma1", "beta2", "running_mean1",
                                      "running_var2"} <= set(ckpt.parameters)
    assert np.any(ckpt.parameters["running_var1"] != 1)          # trained statistics
    lines = {}
    for impl in ("numpy", "torch"):
        status, out, err = cli(capsys, "evaluate", "--checkpoint", str(path), "--impl", impl)
        assert status == 0, err
        lines[impl] = [line for line in out.splitlines() if "accuracy" in line]
    assert lines["numpy"] == lines["torch"]
