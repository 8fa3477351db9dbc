"""The parity suite's command-line options, registered where pytest reads them in time.

pytest parses the command line after loading the conftest.py of the folder it is started
in (and of the test paths' ancestors), but before the conftests of folders that only
``testpaths`` names. Registering the options here makes every documented form work:

    python -m pytest --device cuda               (what `make test PYTEST_ARGS=...` runs)
    python -m pytest parity_tests --device cpu
    python -m pytest parity_tests/test_cost.py --device all
    python -m pytest --impl my_dnn.py            (your own functions, as `dl-parity check`)

The fixtures that use them live in parity_tests/conftest.py; --impl's tests in
parity_tests/test_check_impl.py.
"""
from pathlib import Path


def pytest_addoption(parser):
    parser.addoption("--device", default="all", choices=["cpu", "cuda", "all"],
                     help="where the PyTorch side runs: cpu, cuda, or all (cpu + cuda when present)")
    parser.addoption("--parity-report", default=None, metavar="PATH",
                     help="write the measured error of every parity comparison to PATH (JSON)")
    parser.addoption("--impl", default=None, metavar="PATH.py",
                     help="check your own NumPy implementation of the course's functions in "
                          "PATH.py against this project (as `dl-parity check PATH.py`): one test "
                          "per function it defines; only parity_tests/test_check_impl.py runs")


def pytest_ignore_collect(collection_path, config):
    """With --impl only test_check_impl.py is collected (the rest is not imported at all)."""
    if config.getoption("--impl") is None:
        return None
    path = Path(collection_path)
    if path.suffix == ".py" and path.name.startswith("test_") and path.name != "test_check_impl.py":
        return True
    return None
