"""Take the guide's screenshots of ``kg serve`` in the real browser, at 1400 and 400 px wide, into docs/.

    python scripts/screenshots.py            # the workspace's graph (KG_WORKSPACE, else the default one)

Starts ``kg serve`` on a free port, opens its pages in Debian's chromium through Selenium and
chromium-driver (as tests/test_browser.py does), and writes, for each width, the home page with
the editor's sample query run and its results, and a resource page (U4SSC's Voter Participation).
The PNGs are made small with ``pngquant`` and ``optipng`` (``apt-get install pngquant optipng``),
when installed. docs/guide/publishing.md shows them; run this again when the pages change.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WIDTHS = {"": 1400, "-narrow": 400}  # file name suffix -> window width (px)
HEIGHT = {"": 1000, "-narrow": 860}
PAGES = {"served-page": "/", "resource-page": "/id/u4ssc/SC-SH-SI-4C.html"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--hide-scrollbars", "--force-device-scale-factor=1"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve() -> tuple[subprocess.Popen[bytes], str]:
    """``kg serve`` on a free port, answering; the process and its address."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port), "--workers", "1"])
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return process, base
        except OSError:
            if process.poll() is not None:
                sys.exit(f"kg serve stopped (exit code {process.returncode}); run 'kg serve' to see why")
            time.sleep(0.1)
    process.terminate()
    sys.exit("kg serve did not answer within a minute")


def browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not binary or not driver:
        sys.exit("chromium and chromium-driver are needed: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def shoot(driver, base: str, path: str, width: int, height: int, target: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(width, height)
    driver.get(base + path)
    wait = WebDriverWait(driver, 30, poll_frequency=0.1)
    if path == "/":  # the editor's sample query, run, its results shown
        wait.until(lambda d: d.execute_script("return !!window.kgYasgui"))
        driver.execute_script("window.kgYasgui.getTab().getYasqe().query()")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#kg-editor .yasr table.dataTable tbody tr"))
    time.sleep(0.3)  # fonts and the last layout settle
    driver.save_screenshot(str(target))


def shrink(path: Path) -> None:
    """The PNG made small: 256 colours (pngquant), then recompressed (optipng); each when installed."""
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--quality", "70-95",
                        "--output", str(path), str(path)], check=False)  # fmt: skip
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", "-strip", "all", str(path)], check=True)
    if not shutil.which("pngquant") or not shutil.which("optipng"):
        print("pngquant or optipng is missing (apt-get install pngquant optipng): the PNGs are left larger")


def main() -> int:
    process, base = serve()
    try:
        with tempfile.TemporaryDirectory(prefix="kg-shots-") as profile:
            driver = browser(profile)
            try:
                for name, path in PAGES.items():
                    for suffix, width in WIDTHS.items():
                        target = DOCS / f"{name}{suffix}.png"
                        shoot(driver, base, path, width, HEIGHT[suffix], target)
                        shrink(target)
                        print(f"{target.relative_to(ROOT)}: {target.stat().st_size:,} bytes")
            finally:
                driver.quit()
    finally:
        process.terminate()
        process.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
