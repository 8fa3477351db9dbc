"""The study guide as a student sees it: generated, then opened from disk in headless Chromium.

The page is built once (``--quick``: the parity tests of two formulas only, each
model trained for a few iterations) and driven with selenium. Without a browser
the browser tests skip with the reason, except under CI
(``DL_PARITY_REQUIRE_BROWSER=1``), where a missing browser is a failure.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from dl_parity import study
from dl_parity.catalog import CATALOG
from dl_parity.cli import main
from dl_parity.sources import get_source

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: the formulas whose parity tests the browser build runs (the rest of the page says "not run")
RUN_ONLY = ("act.sigmoid", "w4.linear_backward")


# ---------------------------------------------------------------------------- without a browser
def test_study_refuses_a_file_as_out(tmp_path, capsys):
    target = tmp_path / "index.html"
    target.write_text("not a directory")
    assert main(["study", "--out", str(target), "--no-run", "--no-curves"]) == 2
    err = capsys.readouterr().err
    assert "--out: expected a directory" in err and "Traceback" not in err
    assert target.read_text() == "not a directory"       # nothing written


def test_study_refuses_unknown_only_id(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["study", "--out", str(out), "--no-run", "--only", "w9.nothing"]) == 2
    assert "unknown catalog id(s) w9.nothing" in capsys.readouterr().err
    assert not out.exists()


def test_study_page_is_built_from_the_code(tmp_path):
    """Without running anything: every entry's section holds its formula and the real source."""
    index = study.build(tmp_path / "site", run_tests=False, curves=False, progress=False)
    page = index.read_text(encoding="utf-8")
    # nothing is fetched at view time: no remote src/href, no script, no external stylesheet
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page and 'rel="stylesheet"' not in page
    for f in CATALOG:
        assert f'data-formula-id="{f.id}"' in page, f.id
        # the def line of each function's source (after any decorator), as pygments
        # splits it into tokens
        first = next(line for line in get_source(f.scratch[0]).code.splitlines()
                     if line.lstrip().startswith(("def ", "class ")))
        name = re.split(r"[(:]", first)[0].split()[-1]
        kind = "nc" if first.lstrip().startswith("class ") else "nf"   # pygments' token class
        assert f'<span class="{kind}">{name}</span>' in page, (f.id, name)


# ---------------------------------------------------------------------------- the browser
def _browser_or_skip():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        reason = (f"headless Chromium not installed ({', '.join(missing)} missing; "
                  f"apt-get install chromium chromium-driver)")
        if os.environ.get("DL_PARITY_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " but DL_PARITY_REQUIRE_BROWSER=1")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _browser_or_skip()
    out = tmp_path_factory.mktemp("study")
    index = study.build(out, quick=True, run_only=RUN_ONLY, progress=False)
    return index


@pytest.fixture(scope="module")
def driver(site, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1500,1100",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        drv.get(site.resolve().as_uri())
        yield drv
    finally:
        drv.quit()


def _screenshot(drv, tmp_path, name):
    path = tmp_path / name
    assert drv.save_screenshot(str(path)), f"screenshot {name} failed"
    target = os.environ.get("DL_PARITY_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


@pytest.mark.browser
@pytest.mark.slow
def test_every_formula_has_its_section_with_both_codes(driver, tmp_path):
    from selenium.webdriver.common.by import By

    assert driver.title.startswith("dl-parity study guide")
    for f in CATALOG:
        sec = driver.find_element(By.CSS_SELECTOR, f'section[data-formula-id="{f.id}"]')
        assert sec.find_element(By.CSS_SELECTOR, "h3").text.startswith(f.title)
        text = sec.find_element(By.CSS_SELECTOR, "pre.formula-text").text
        assert text.splitlines()[0] == f.formula.splitlines()[0], f.id
        if study.formula_mathml(f.latex) is not None:
            math = sec.find_element(By.CSS_SELECTOR, ".math math")
            assert math.size["height"] > 10, f"{f.id}: MathML not laid out ({math.size})"
        numpy_code = sec.find_element(By.CSS_SELECTOR, ".col.numpy .hl").text
        torch_code = sec.find_element(By.CSS_SELECTOR, ".col.torch .hl").text
        first_np = get_source(f.scratch[0]).code.splitlines()[0]
        first_pt = get_source(f.torch[0]).code.splitlines()[0]
        assert first_np in numpy_code, f"{f.id}: {first_np!r} not in the NumPy column"
        assert first_pt in torch_code, f"{f.id}: {first_pt!r} not in the PyTorch column"
        # two columns side by side at this window width
        left = sec.find_element(By.CSS_SELECTOR, ".col.numpy").rect
        right = sec.find_element(By.CSS_SELECTOR, ".col.torch").rect
        assert right["x"] >= left["x"] + left["width"] - 1, f"{f.id}: columns overlap"
    rows = driver.find_elements(By.CSS_SELECTOR, "table.summary tr[data-formula-id]")
    assert [r.get_attribute("data-formula-id") for r in rows] == [f.id for f in CATALOG]
    _screenshot(driver, tmp_path, "study-top.png")
    driver.execute_script(
        "document.querySelector('section[data-formula-id=\"w4.linear_backward\"]')"
        ".scrollIntoView({behavior: 'instant', block: 'start'})")
    _screenshot(driver, tmp_path, "study-section.png")


@pytest.mark.browser
@pytest.mark.slow
def test_parity_figures_come_from_the_run(site, driver):
    """The measured rows shown for a formula are those of parity-report.json, one per comparison."""
    from selenium.webdriver.common.by import By

    report = json.loads((site.parent / "parity-report.json").read_text())
    assert report["records"], "the parity run recorded nothing"
    for fid in RUN_ONLY:
        expected = {(r["test"].split("[")[0].split("::")[-1], r["what"], r["device"], r["dtype"])
                    for r in report["records"] if r["formula"] == fid}
        sec = driver.find_element(By.CSS_SELECTOR, f'section[data-formula-id="{fid}"]')
        shown = set()
        for tr in sec.find_elements(By.CSS_SELECTOR, ".parity tbody tr"):
            cells = tr.find_elements(By.TAG_NAME, "td")
            what, test = cells[0].text.split("\n")
            shown.add((test, what, cells[1].text, cells[2].text))
        assert shown == expected, fid
        assert expected, f"{fid}: no record in the report"
    not_run = [f.id for f in CATALOG if f.id not in RUN_ONLY]
    badge = driver.find_element(
        By.CSS_SELECTOR, f'section[data-formula-id="{not_run[0]}"] h3 .badge').text
    assert badge == "not run"


@pytest.mark.browser
@pytest.mark.slow
def test_learning_curves_render_and_console_is_clean(driver, tmp_path):
    from selenium.webdriver.common.by import By

    figures = driver.find_elements(By.CSS_SELECTOR, "figure.curve")
    models = [f.get_attribute("data-model") for f in figures]
    assert "planar" in models
    if study.default_data_dir() is not None:
        assert {"logreg", "llayer"} <= set(models)
    for fig in figures:
        img = fig.find_element(By.TAG_NAME, "img")
        assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth",
                                     img) > 100
    driver.execute_script("document.getElementById('learning-curves').scrollIntoView({behavior: 'instant', block: 'start'})")
    _screenshot(driver, tmp_path, "study-curves.png")
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == [], severe
