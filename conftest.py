"""The parity suite's command-line options, registered where pytest reads them in time.

pytest parses the command line after loading the conftest.py of the folder it is started
in (and of the test paths' ancestors), but before the conftests of folders that only
``testpaths`` names. Registering the options here makes every documented form work:

    python -m pytest --device cuda               (what `make test PYTEST_ARGS=...` runs)
    python -m pytest parity_tests --device cpu
    python -m pytest parity_tests/test_cost.py --device all

The fixtures that use them live in parity_tests/conftest.py.
"""


def pytest_addoption(parser):
    parser.addoption("--device", default="all", choices=["cpu", "cuda", "all"],
                     help="where the PyTorch side runs: cpu, cuda, or all (cpu + cuda when present)")
    parser.addoption("--parity-report", default=None, metavar="PATH",
                     help="write the measured error of every parity comparison to PATH (JSON)")
