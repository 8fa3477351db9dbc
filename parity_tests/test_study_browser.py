"""The study guide as a student sees it: generated, then opened from disk in headless Chromium.

The page is built once (``--quick``: the parity tests of three formulas only, each
model trained for a few iterations) and driven with selenium, at a laptop's width
(1400 px) and a phone's (400 px, mobile emulation). Without a browser the browser
tests skip with the reason, except under CI (``DL_PARITY_REQUIRE_BROWSER=1``), where a
missing browser is a failure. ``DL_PARITY_SCREENSHOT_DIR`` keeps the screenshots.
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
#: the formulas whose parity tests the browser build runs (the rest of the page says "not run");
#: c2w2.adam compares 162 tensors: its table is condensed
RUN_ONLY = ("act.sigmoid", "w4.linear_backward", "c2w2.adam")
LAPTOP, PHONE = 1400, 400


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
    # nothing is fetched at view time: no remote src/href, no external script or stylesheet;
    # the one script is the sidebar's scroll spy, inline
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script src" not in page and 'rel="stylesheet"' not in page
    assert page.count("<script") == 1
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


def _width(drv, width: int) -> None:
    """Lay the page out at ``width`` CSS pixels: a phone (mobile emulation, the page's
    viewport meta honoured) below 800, a laptop's window above."""
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 900 if width < 800 else 1000, "deviceScaleFactor": 1,
        "mobile": width < 800})
    drv.execute_script("window.scrollTo({top: 0, left: 0, behavior: 'instant'})")
    if width >= 800:
        assert drv.execute_script("return window.innerWidth") == width   # scroll bar included


def _scroll_to(drv, css: str) -> None:
    drv.execute_script(f"document.querySelector('{css}')"
                       ".scrollIntoView({behavior: 'instant', block: 'start'})")


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

    _width(driver, LAPTOP)
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
    _scroll_to(driver, 'section[data-formula-id="w4.linear_backward"]')
    _screenshot(driver, tmp_path, "study-section.png")


@pytest.mark.browser
@pytest.mark.slow
def test_parity_figures_come_from_the_run(site, driver):
    """The measured rows shown for a formula are those of parity-report.json, one per comparison."""
    from selenium.webdriver.common.by import By

    _width(driver, LAPTOP)
    report = json.loads((site.parent / "parity-report.json").read_text())
    assert report["records"], "the parity run recorded nothing"
    for fid in RUN_ONLY:
        expected = {(r["test"].split("[")[0].split("::")[-1], r["what"], r["device"], r["dtype"])
                    for r in report["records"] if r["formula"] == fid}
        sec = driver.find_element(By.CSS_SELECTOR, f'section[data-formula-id="{fid}"]')
        shown = {tuple(tr.get_attribute(f"data-{k}") for k in ("test", "what", "device", "dtype"))
                 for tr in sec.find_elements(By.CSS_SELECTOR, ".parity table.rows tbody tr")}
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

    _width(driver, LAPTOP)
    figures = driver.find_elements(By.CSS_SELECTOR, "figure.curve")
    models = [f.get_attribute("data-model") for f in figures]
    assert "planar" in models
    if study.default_data_dir() is not None:
        assert {"logreg", "llayer"} <= set(models)
    for fig in figures:
        img = fig.find_element(By.TAG_NAME, "img")
        assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth",
                                     img) > 100
    _scroll_to(driver, "#learning-curves")
    _screenshot(driver, tmp_path, "study-curves.png")
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == [], severe


# ---------------------------------------------------------------- two widths (issue 15)
_PAGE_OVERFLOW = """
const W = document.documentElement.clientWidth;
return [document.documentElement.scrollWidth, W];
"""
#: code blocks whose text needs a horizontal scroll bar
_SCROLLING_CODE = """
return Array.from(document.querySelectorAll('.hl')).filter(
    e => e.scrollWidth > e.clientWidth + 1).map(e => e.parentElement.dataset.path);
"""


def _visible_in_viewport(drv, element) -> bool:
    return drv.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.width > 0 && r.height > 0 && r.left >= 0 && "
        "r.right <= document.documentElement.clientWidth;", element)


@pytest.mark.browser
@pytest.mark.slow
def test_phone_width_reads_without_sideways_scrolling(driver, tmp_path):
    """400 px: no horizontal page scroll, the summary's verdict and ratio in view, the page
    (not its 108-entry contents) first."""
    from selenium.webdriver.common.by import By

    _width(driver, PHONE)
    try:
        # a phone zooms out a page wider than itself: the visual viewport grows past 400
        assert driver.execute_script("return window.innerWidth") == PHONE, "zoomed out"
        scroll_width, width = driver.execute_script(_PAGE_OVERFLOW)
        assert scroll_width <= width == PHONE, f"the page scrolls sideways: {scroll_width} px"
        h1 = driver.find_element(By.TAG_NAME, "h1").rect
        nav = driver.find_element(By.CSS_SELECTOR, "nav.side").rect
        assert h1["y"] < 200 and nav["y"] > h1["y"] + 1000, (h1, nav)
        for fid in ("act.sigmoid", "c2w2.adam"):
            row = driver.find_element(By.CSS_SELECTOR, f'table.summary tr[data-formula-id="{fid}"]')
            badge = row.find_element(By.CSS_SELECTOR, ".badge")
            ratio = row.find_element(By.CSS_SELECTOR, "td.ratio")
            assert badge.text == "pass" and _visible_in_viewport(driver, badge), fid
            assert float(ratio.text) <= 1 and _visible_in_viewport(driver, ratio), fid
        _screenshot(driver, tmp_path, "study-phone-summary.png")
        _scroll_to(driver, 'section[data-formula-id="c2w2.adam"]')
        _screenshot(driver, tmp_path, "study-phone-section.png")
    finally:
        _width(driver, LAPTOP)


@pytest.mark.browser
@pytest.mark.slow
def test_laptop_width_code_wraps_and_long_tables_fold(driver, tmp_path):
    """1400 px: no code block scrolls sideways, the two codes side by side, a table of more
    than FULL_TABLE_MAX_ROWS tensors condensed per test with every row in a closed <details>."""
    from selenium.webdriver.common.by import By

    from dl_parity.study_page import FULL_TABLE_MAX_ROWS

    _width(driver, LAPTOP)
    scroll_width, width = driver.execute_script(_PAGE_OVERFLOW)
    assert scroll_width <= width
    assert driver.execute_script(_SCROLLING_CODE) == []
    sec = driver.find_element(By.CSS_SELECTOR, 'section[data-formula-id="c2w2.adam"]')
    left = sec.find_element(By.CSS_SELECTOR, ".col.numpy").rect
    right = sec.find_element(By.CSS_SELECTOR, ".col.torch").rect
    assert right["x"] >= left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 2
    details = sec.find_element(By.CSS_SELECTOR, ".parity details.all-rows")
    assert details.get_attribute("open") is None
    rows = sec.find_elements(By.CSS_SELECTOR, ".parity table.rows tbody tr")
    assert len(rows) > FULL_TABLE_MAX_ROWS
    assert not any(r.is_displayed() for r in rows)             # folded away
    shown = [r for r in sec.find_elements(By.CSS_SELECTOR, ".parity tbody tr") if r.is_displayed()]
    assert 1 <= len(shown) <= FULL_TABLE_MAX_ROWS
    _scroll_to(driver, 'section[data-formula-id="c2w2.adam"] .parity')
    _screenshot(driver, tmp_path, "study-laptop-parity.png")
    details.find_element(By.TAG_NAME, "summary").click()
    assert all(r.is_displayed() for r in rows)
    # a short table is shown whole
    small = driver.find_elements(
        By.CSS_SELECTOR, 'section[data-formula-id="act.sigmoid"] .parity table.rows tbody tr')
    assert small and all(r.is_displayed() for r in small)


@pytest.mark.browser
@pytest.mark.slow
def test_curves_sit_in_their_formula_and_are_linked(driver):
    """Each learning curve is in the section of the formula whose training it shows, and
    that section links to it."""
    from selenium.webdriver.common.by import By

    _width(driver, LAPTOP)
    figures = driver.find_elements(By.CSS_SELECTOR, "figure.curve")
    assert figures
    for fig in figures:
        fid = fig.get_attribute("data-formula-id")
        section = fig.find_element(By.XPATH, "./ancestor::section[1]")
        assert section.get_attribute("data-formula-id") == fid
        link = section.find_element(By.CSS_SELECTOR, f'.meta a[href="#{fig.get_attribute("id")}"]')
        assert "learning curves" in link.text


@pytest.mark.browser
@pytest.mark.slow
def test_sidebar_marks_where_you_are(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _width(driver, LAPTOP)

    def current():
        marked = driver.find_elements(By.CSS_SELECTOR, "nav.side a[aria-current]")
        return [a.get_attribute("href").rsplit("#", 1)[-1] for a in marked]

    for fid in ("w4.linear_backward", "c2w2.adam", CATALOG[-1].id):
        anchor = driver.find_element(By.CSS_SELECTOR, f'section[data-formula-id="{fid}"]'
                                     ).get_attribute("id")
        _scroll_to(driver, f"#{anchor}")
        WebDriverWait(driver, 5).until(lambda d: current() == [anchor],
                                       message=f"{fid}: {current()}")
        link = driver.find_element(By.CSS_SELECTOR, f'nav.side a[href="#{anchor}"]')
        nav = driver.find_element(By.CSS_SELECTOR, "nav.side").rect
        # kept in view inside the sticky sidebar
        assert nav["y"] <= link.rect["y"] <= nav["y"] + nav["height"] - link.rect["height"], fid
    _screenshot(driver, tmp_path, "study-scroll-spy.png")
