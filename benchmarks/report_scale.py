"""The report at scale: build, size, first paint and search by path.

Makes a collection of N small demo photos (copies of a few hundred distinct
ones: the count is what matters here), runs the workflow on it with its QC
figures, builds Snakemake's report (a zip by default; `--html` also the
single HTML file), and opens it in headless Chromium: the time until the
first view is painted and until typing an image's path into the report's
search finds its figure. Prints one line per measurement, medians of
`--repeat` openings.

    python benchmarks/report_scale.py --images 10000 --out /tmp/report-bench

Needs Debian's chromium and chromium-driver (tests/report/install-chromium.sh
installs them) and Selenium (requirements-test.txt).
"""

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
BROWSER_WAIT = 120  # seconds
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]


def make_photos(folder, count, distinct, height, width):
    """`count` photos p00000.jpg ... in `folder`: hard links to `distinct` demo photos."""
    from make_demo import write_demo

    folder.mkdir(parents=True, exist_ok=True)
    source = folder.parent / "distinct"
    names = [source / f"d{i:04d}.jpg" for i in range(distinct)]
    if not all(p.exists() for p in names):
        with contextlib.redirect_stderr(io.StringIO()):  # a line per photo
            write_demo([str(p) for p in names],
                       [str(source / "truth" / f"d{i:04d}.png") for i in range(distinct)],
                       height, width, seed=11)
    for i in range(count):
        target = folder / f"p{i:05d}.jpg"
        if not target.exists():
            os.link(names[i % distinct], target)


def snakemake(work, *args):
    started = time.perf_counter()
    subprocess.run([str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), *map(str, args)],
                   cwd=work, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp()}")
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def open_report(driver, page, image):
    """(seconds to the first view painted, seconds for a search by path to
    list the image's figure)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    started = time.perf_counter()
    driver.get(page.as_uri())
    WebDriverWait(driver, BROWSER_WAIT, poll_frequency=0.05).until(ec.presence_of_element_located(
        (By.XPATH, "//span[normalize-space(text())='1. Images to look at']")))
    painted = time.perf_counter() - started
    box = driver.find_element(By.CSS_SELECTOR, "input[placeholder='Search...']")
    started = time.perf_counter()
    box.send_keys(image, Keys.ENTER)
    WebDriverWait(driver, BROWSER_WAIT, poll_frequency=0.05).until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('td')).some("
        f"td => [{image!r}, {image + '.jpg'!r}].includes(td.textContent.trim()));"))
    return painted, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--distinct", type=int, default=200)
    parser.add_argument("--shape", default="120x180", help="height x width of the photos")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="openings in the browser")
    parser.add_argument("--html", action="store_true", help="also the single HTML report")
    parser.add_argument("--out", default="report-bench")
    args = parser.parse_args(argv)
    work = Path(args.out).resolve()
    height, width = map(int, args.shape.split("x"))
    make_photos(work / "photos", args.images, args.distinct, height, width)
    config = ["--config", "images=photos/*.jpg", "demo=false"]
    run = snakemake(work, "--cores", args.cores, "--scheduler", "greedy", *config)
    print(f"images {args.images} ({args.distinct} distinct, {width} x {height})")
    print(f"workflow run: {run:.0f} s")
    forms = ["zip"] + (["html"] if args.html else [])
    from selenium.common.exceptions import TimeoutException

    driver = browser()
    try:
        for form in forms:
            target = work / f"report.{form}"
            built = snakemake(work, "--report", target, *config)
            size = target.stat().st_size
            if form == "zip":
                folder = work / "report-unzipped"
                with zipfile.ZipFile(target) as z:
                    z.extractall(folder)
                page = folder / "report" / "report.html"
            else:
                page = target
            print(f"report.{form}: built in {built:.1f} s, {size / 1e6:.1f} MB", flush=True)
            key = f"photos/p{args.images // 2:05d}.jpg"  # the image's whole path
            try:
                timings = [open_report(driver, page, key) for _ in range(args.repeat)]
            except TimeoutException:
                print(f"report.{form}: not painted, or the search found nothing, within"
                      f" {BROWSER_WAIT} s")
                continue
            print(f"report.{form}: first view painted in"
                  f" {statistics.median(t[0] for t in timings):.2f} s, search by path in"
                  f" {statistics.median(t[1] for t in timings):.2f} s"
                  f" (medians of {args.repeat})")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
