"""Course 2, week 2: the seven published optimizer runs, with the course's own ``model``.

Moons (``scratch.datasets_course2.load_moons``: np.random.seed(3), make_moons(300, noise .2)),
net [2, 5, 2, 1], mini-batches of 64 (5 a epoch: 4 of 64 and one of 44), 5000 epochs. The
model prints "Cost after epoch i: %f" every 1000 epochs; those lines must be the
published ones (COURSE_RESULTS.md, six decimals, the CORRECT schedule_lr_decay with the
floor) and the training accuracy exactly the published one.

Each run is 25,000 mini-batch steps: 1.6-3.0 s of CPU with OMP_NUM_THREADS=1 (gd 1.6 s,
momentum 2.0 s, Adam 3.0 s; all seven about 15 s), measured alone on a 2-core machine.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from scratch import optimization as opt

pytestmark = pytest.mark.course

RUNS = {
    "gd": (dict(optimizer="gd"),
           "0.702405 0.668101 0.635288 0.600491 0.573367", 0.7166666666666667),
    "momentum": (dict(optimizer="momentum", beta=0.9),
                 "0.702413 0.668167 0.635388 0.600591 0.573444", 0.7166666666666667),
    "adam": (dict(optimizer="adam"),
             "0.702166 0.167845 0.141316 0.138788 0.136066", 0.9433333333333334),
    "gd, update_lr": (dict(optimizer="gd", learning_rate=0.1, decay=opt.update_lr),
                      "0.701091 0.661884 0.658620 0.656765 0.655486", 0.6533333333333333),
    "gd, schedule_lr_decay": (dict(optimizer="gd", learning_rate=0.1,
                                   decay=opt.schedule_lr_decay),
                              "0.701091 0.127161 0.120304 0.117033 0.117512", 0.9433333333333334),
    "momentum, schedule_lr_decay": (dict(optimizer="momentum", learning_rate=0.1,
                                         decay=opt.schedule_lr_decay),
                                    "0.702226 0.128974 0.125965 0.123375 0.123218",
                                    0.9533333333333334),
    "adam, schedule_lr_decay": (dict(optimizer="adam", learning_rate=0.01,
                                     decay=opt.schedule_lr_decay),
                                "0.699346 0.130074 0.129826 0.129282 0.128361", 0.94),
}


@pytest.fixture(scope="module")
def moons():
    pytest.importorskip("sklearn")
    from scratch.datasets_course2 import load_moons

    return load_moons()


@pytest.mark.parametrize("run", list(RUNS))
def test_published_optimizer_run(moons, capsys, run):
    kwargs, costs, accuracy = RUNS[run]
    train_X, train_Y = moons
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    parameters = opt.model(train_X, train_Y, [2, 5, 2, 1], **kwargs)
    predictions = opt.predict(train_X, train_Y, parameters)
    printed = capsys.readouterr().out
    got = re.findall(r"Cost after epoch (\d+): (\S+)", printed)
    assert [int(i) for i, _ in got] == [0, 1000, 2000, 3000, 4000]
    assert " ".join(c for _, c in got) == costs
    assert f"Accuracy: {accuracy}" in printed
    assert np.mean(predictions == train_Y) == accuracy
    if kwargs.get("decay"):
        rates = re.findall(r"learning rate after epoch (\d+): (\S+)", printed)
        assert len(rates) == 5
