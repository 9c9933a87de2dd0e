"""The Snakemake report, opened in a real headless Chromium.

The demo workflow runs with its QC outputs, `snakemake --report` builds
results/report.html, and Debian's chromium (installed by
tests/report/install-chromium.sh, driven through chromedriver by Selenium)
renders it. From the rendered page the test checks that the table of ratios
is there with the CSV's values, and that the ratio plot, the contact sheet,
every image's figure and the method panel are listed under the image's name
and display as decoded images of their files' sizes.

Where Chromium cannot be installed (not root, not Debian) the test is skipped
with the script's reason; with CI set it fails instead."""

import base64
import csv
import subprocess
import tempfile

import pytest

from conftest import ROOT, in_ci, png_size, run_snakemake

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# What works on these machines (see the env notes): no sandbox as root, and
# no background networking, which the closed network refuses.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]
WAIT = 30  # seconds for the page to render a view

pytestmark = pytest.mark.slow  # Chromium, and the report of the demo run


def figure_name(image):
    """An image's QC figure in its batch's folder: the image's path, with
    .jpg added unless it has it (rootmass.workflow.batches.figure_key)."""
    return image if image.endswith(".jpg") else image + ".jpg"


@pytest.fixture(scope="module")
def browser():
    result = subprocess.run(
        ["bash", str(ROOT / "tests" / "report" / "install-chromium.sh")],
        capture_output=True, text=True, timeout=1800,
    )
    if result.returncode != 0:
        message = (
            "tests/report/install-chromium.sh could not install Chromium:\n"
            f"{(result.stdout + result.stderr).strip()}"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.TemporaryDirectory()
    options.add_argument(f"--user-data-dir={profile.name}")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()
    profile.cleanup()


@pytest.fixture(scope="module")
def report(demo_run):
    """The report of the session's run of the demo (results/report.html)."""
    run_snakemake(demo_run, "--report", "results/report.html")
    return demo_run


class Page:
    """The report in the browser, navigated as a person would: by clicking."""

    def __init__(self, driver, path):
        self.driver, self.url = driver, path.as_uri()

    def open(self, *menu):
        """Load the report afresh and click through the menu entries."""
        from selenium.webdriver.common.by import By

        self.driver.get(self.url)
        for entry in menu:
            self.click(By.XPATH, f"//span[normalize-space(text())={entry!r}]")

    def click(self, by, what):
        """Click an element once nothing covers it: a loaded machine lays
        the menu out over several frames, and a click meanwhile lands on
        another entry (within WAIT seconds, a safety net, not a measure)."""
        from selenium.common.exceptions import (ElementClickInterceptedException,
                                                StaleElementReferenceException)
        from selenium.webdriver.support.ui import WebDriverWait

        def clicked(driver):
            try:
                driver.find_element(by, what).click()
                return True
            except (ElementClickInterceptedException, StaleElementReferenceException):
                return False

        WebDriverWait(self.driver, WAIT).until(clicked)

    def wait_for(self, by, what):
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT).until(
            ec.presence_of_element_located((by, what))
        )

    def listed(self, expected, key=list):
        """The labels of the results listed in the menu: the first cell of
        every row with a view button, once they are `expected` (as `key`
        sees them) and have stayed so for three looks (a loaded machine
        renders a long list over several frames); if they never are, within
        WAIT seconds (a safety net, not a measure), the labels as they were
        last, for the caller's assertion to show."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.wait_for(By.CSS_SELECTOR, "a[iconname='eye']")
        script = (
            "return Array.from(document.querySelectorAll('tr'))"
            ".filter(tr => tr.querySelector(\"a[iconname='eye']\"))"
            ".map(tr => tr.querySelector('td').textContent.trim());"
        )
        seen = []

        def complete(driver):
            seen.append(driver.execute_script(script))
            return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3] and (
                key(seen[-1]) == expected)

        try:
            WebDriverWait(self.driver, WAIT, poll_frequency=0.3).until(complete)
        except TimeoutException:
            pass
        return seen[-1] if seen else []

    def view(self, label):
        """Click the view button of the result labelled `label`."""
        from selenium.webdriver.common.by import By

        row = self.wait_for(
            By.XPATH, f"//tr[td[normalize-space(text())={label!r}]][.//a[@iconname='eye']]"
        )
        row.find_element(By.CSS_SELECTOR, "a[iconname='eye']").click()

    def table(self, label, table_id):
        """View the HTML table labelled `label`; its rows as the browser
        renders them, the header first."""
        from selenium.webdriver.common.by import By

        self.view(label)
        self.driver.switch_to.frame(self.wait_for(By.TAG_NAME, "iframe"))
        table = self.wait_for(By.CSS_SELECTOR, f"table#{table_id}")
        header = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
        body = [
            [td.get_attribute("textContent") for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
        ]
        self.driver.switch_to.default_content()
        return [header, *body]

    def shown_image(self, path):
        """Wait until the content pane shows the file at `path` (its bytes,
        from the image's data URI) decoded by the browser; (width, height)."""
        from selenium.webdriver.support.ui import WebDriverWait

        expected = path.read_bytes()
        script = (
            "const img = document.querySelector('.p-3 > img');"
            "return img && img.complete && img.naturalWidth > 0"
            " ? [img.src, img.naturalWidth, img.naturalHeight] : null;"
        )

        def shown(driver):
            found = driver.execute_script(script)
            if found and found[0].startswith("data:image/"):
                data = base64.b64decode(found[0].split("base64,", 1)[1])
                return data == expected and tuple(found[1:])
            return False

        return WebDriverWait(self.driver, WAIT).until(shown)


def test_report_shows_table_and_images_in_chromium(report, browser):
    results = report / "results"
    with open(results / "ratios.csv", newline="", encoding="utf-8") as f:
        csv_rows = list(csv.reader(f))
    images = [row[0] for row in csv_rows[1:]]
    assert len(images) == 12
    page = Page(browser, results / "report.html")

    # the menu lists the images to look at first: the demo has none, but the
    # list is there
    from selenium.webdriver.common.by import By

    page.open()
    page.wait_for(By.XPATH, "//span[normalize-space(text())='5. Ground truth']")
    menu = page.driver.execute_script(
        "return Array.from(document.querySelectorAll('span'))"
        ".map(s => s.textContent.trim()).filter(t => /^[0-9]\\. /.test(t));")
    assert menu == ["1. Images to look at", "2. Collection", "3. Per image",
                    "4. Method panel", "5. Ground truth"], menu
    page.open("1. Images to look at")
    assert page.listed(["flagged.csv"]) == ["flagged.csv"]

    # the table of ratios: every row of the CSV, every digit
    page.open("2. Collection", "Ratios")
    expected = {"ratios.csv", "table of ratios", "ratio per image"}
    assert set(page.listed(expected, set)) == expected
    assert page.table("table of ratios", "ratios") == csv_rows

    page.view("ratio per image")
    plot = results / "qc" / "ratios.png"
    assert page.shown_image(plot) == png_size(plot)

    # the demo experiment's groups: the summary, its table and the plot
    with open(results / "summary.csv", newline="", encoding="utf-8") as f:
        summary_rows = list(csv.reader(f))
    assert [row[0] for row in summary_rows[1:]] == ["control", "treated"]
    page.open("2. Collection", "Groups")
    expected = {"summary.csv", "table of the summary", "ratio by group"}
    assert set(page.listed(expected, set)) == expected
    assert page.table("table of the summary", "summary") == summary_rows
    page.view("ratio by group")
    plot = results / "qc" / "groups.png"
    assert page.shown_image(plot) == png_size(plot)

    page.open("2. Collection", "Contact sheets")
    assert page.listed(["1 of 1"]) == ["1 of 1"]
    page.view("1 of 1")
    sheet = results / "qc" / "contact-sheets" / "sheet-0001.jpg"
    assert page.shown_image(sheet) == png_size(sheet)

    # every image's figure, listed under its name
    page.open("3. Per image")
    assert sorted(page.listed(images, sorted)) == images
    for image in images:
        page.view(image)
        (plot,) = (results / "qc" / "images").glob(f"*/{figure_name(image)}")
        assert page.shown_image(plot) == png_size(plot)

    # typing an image's whole path into the search box finds its figure
    from selenium.webdriver.common.keys import Keys

    image = images[5]
    page.open()
    box = page.wait_for(By.CSS_SELECTOR, "input[placeholder='Search...']")
    box.send_keys(image, Keys.ENTER)
    # the search lists that one figure (its file named by the whole path)
    assert page.listed([image]) == [image]
    row = page.wait_for(By.XPATH, f"//tr[td[contains(normalize-space(.), {image!r})]]"
                                  "[.//a[@iconname='eye']]")
    row.find_element(By.CSS_SELECTOR, "a[iconname='eye']").click()
    (plot,) = (results / "qc" / "images").glob(f"*/{figure_name(image)}")
    assert page.shown_image(plot) == png_size(plot)

    page.open("4. Method panel")
    assert page.listed([images[0]]) == [images[0]]
    page.view(images[0])
    panel = results / "qc" / "method-panel.png"
    assert page.shown_image(panel) == png_size(panel)


def test_report_without_the_runs_settings_says_what_to_do(report, tmp_path):
    # the run used the defaults (the demo); a report of other images cannot be made
    result = run_snakemake(report, "--report", "other.html", "--config",
                           "images=demo/demo-000[0-3].jpg", check=False)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "snakemake --report" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("snakemake --report: 'results/' has no results of these settings")
    assert lines[0].endswith("give --report the run's own --configfile and --config"
                             " (the run's settings differ: images: null)"), lines[0]
    assert "Missing metadata" not in result.stderr
    assert not (report / "other.html").exists()
    # and where nothing has run yet
    result = run_snakemake(tmp_path, "--report", "r.html", check=False)
    assert result.returncode != 0
    assert ("snakemake --report: there are no results of these settings in 'results/' to"
            " report on: run the workflow first") in result.stderr


def workflow_description(path):
    """The report's opening page (Snakemake's rendered workflow.rst), as the
    HTML string the page script holds."""
    import json
    import re

    found = re.search(r"var workflow_desc = (\".*?\");\n", path.read_text(), re.S)
    return json.loads(found.group(1))


def test_the_reports_opening_describes_its_own_run(report, lesson_data, workdir):
    """The demo's report names the demo's sheet and each way its images were
    thresholded, with how many; a sheet whose rows use a fixed threshold and
    Otsu's is described so, and a run without QC or truth describes only
    the sections it has."""
    from conftest import link_images
    from rootmass.workflow.report import CATEGORIES

    opening = workflow_description(report / "results" / "report.html")
    assert "None" not in opening
    assert ("Thresholding of 12 images of the demo experiment (<tt class=\"docutils"
            " literal\">demo/samples.tsv</tt>)") in opening
    assert "method <tt class=\"docutils literal\">otsu</tt>" in opening
    assert all(f"<strong>{name}</strong>" in opening for name in CATEGORIES.values())

    link_images(lesson_data, workdir, ["trial-016.jpg", "trial-020.jpg"])
    (workdir / "s.tsv").write_text("image\tmethod\tvalue\ndata/trial-016.jpg\tfixed\t0.45\n"
                                   "data/trial-020.jpg\t\t\n")
    given = ["--config", "samples=s.tsv", "qc=false"]
    run_snakemake(workdir, "--cores", 2, *given)
    run_snakemake(workdir, "--report", "results/report.html", *given)
    opening = workflow_description(workdir / "results" / "report.html")
    assert ("Thresholding of 2 images listed in the sample sheet <tt class=\"docutils"
            " literal\">s.tsv</tt>, in 2 ways:") in opening
    assert ("1 image: grayscale <tt class=\"docutils literal\">luma</tt>, Gaussian sigma 1.5,"
            " method <tt class=\"docutils literal\">fixed</tt> (t = 0.45)") in opening
    assert "method <tt class=\"docutils literal\">otsu</tt>, foreground above t" in opening
    assert "<strong>2. Collection</strong>" in opening
    for absent in ("1. Images to look at", "3. Per image", "4. Method panel",
                   "5. Ground truth"):
        assert absent not in opening
