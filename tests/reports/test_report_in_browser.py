"""The HTML report as a person sees it: rendered by headless Chromium (Debian's `chromium`, which .ci/run
installs), with every chart drawn, nothing fetched from the network, and a screenshot that is not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import pytest
from tests.scenarios.conftest import BASE, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")

# Flags for a sandboxed, offline machine: no first-run UI, no background connections to Google's services.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    scenario = folder / "scenario.yaml"
    scenario.write_text(BASE)
    html = folder / "report.html"
    result = run_cli("replay", scenario, "--report", html)
    assert result.returncode == 0, result.stderr
    return html


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_renders_every_chart(report: Path, tmp_path: Path) -> None:
    dom = _chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "s4chain replay report" in dom.stdout
    assert dom.stdout.count("<svg") == 3  # gas per use case, the sale's raise, gas per step
    assert "Minimal sale" in dom.stdout and "TokensPurchased" in dom.stdout


def test_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    picture = tmp_path / "report.png"
    shot = _chromium(
        f"--screenshot={picture}", "--window-size=1280,1800", report.as_uri(), profile=tmp_path / "profile"
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    pixels = matplotlib.image.imread(picture)
    assert pixels.shape[0] == 1800 and pixels.shape[1] == 1280
    # A blank page is one colour; text, tables and charts spread the pixels over many values.
    assert pixels[..., :3].std() > 0.05
    assert len({tuple(p) for p in pixels[::20, ::20, :3].reshape(-1, 3).tolist()}) > 20
