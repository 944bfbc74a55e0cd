"""The HTML report as a person sees it: rendered by headless Chromium (Debian's `chromium`, which .ci/run
installs) at 1400 px, with every chart drawn, nothing fetched from the network, and a screenshot that is not
blank. The demo's report (every scenario of scenarios/) has a table of contents, amounts in their units, a chart
per story, and each story's first screen says what happened."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import matplotlib.image
import pytest
from tests.scenarios.conftest import BASE, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
ROOT = Path(__file__).resolve().parents[2]
WIDTH, SCREEN = 1400, 900
# Each use case's story chart (matplotlib writes a chart's texts as SVG comments).
STORY_CHARTS = {
    "UC1": "The sale's raise over time",
    "UC2": "Offers: what was bought, withdrawn or left open",
    "UC3": "Lease 1: the statement over time",
    "UC4": "Provenance: lots",
    "UC5": "Data sales per listing",
    "UC6": "Missions: where each escrow went",
}

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

# Added to a copy of the report (the report itself runs no script): where each story's parts lie on the page,
# written into the DOM that --dump-dom prints.
MEASURE = """<script>
const top_ = e => e.getBoundingClientRect().top + scrollY, bottom = e => e.getBoundingClientRect().bottom + scrollY;
const stories = [...document.querySelectorAll("section.story")].map(s => ({
  id: s.id, title: s.querySelector("h2").textContent, top: top_(s),
  summary_bottom: bottom(s.querySelector("p.facts")),
  chart_top: s.querySelector(":scope > .chart svg") ? top_(s.querySelector(":scope > .chart svg")) : null,
  charts: s.querySelectorAll(":scope > .chart svg").length,
}));
const out = document.createElement("pre"); out.id = "measured";
out.textContent = JSON.stringify({height: document.documentElement.scrollHeight, stories});
document.body.append(out);
</script></body>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    scenario = folder / "scenario.yaml"
    scenario.write_text(BASE)
    html = folder / "report.html"
    result = run_cli("replay", scenario, "--report", html)
    assert result.returncode == 0, result.stderr
    return html


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    html = tmp_path_factory.mktemp("demo") / "demo.html"
    result = run_cli("demo", "--report", html, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return html


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{SCREEN}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _measured(report: Path, folder: Path) -> dict[str, Any]:
    copy = folder / "measured.html"
    copy.write_text(report.read_text().replace("</body>", MEASURE))
    dom = _chromium("--dump-dom", copy.as_uri(), profile=folder / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stdout[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_report_renders_every_chart(report: Path, tmp_path: Path) -> None:
    dom = _chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "s4chain replay report" in dom.stdout
    assert dom.stdout.count("<svg") == 3  # gas per use case, the sale's raise, gas per step
    assert "Minimal sale" in dom.stdout and "TokensPurchased" in dom.stdout


def test_screenshot_is_not_blank(demo: Path, tmp_path: Path) -> None:
    picture = tmp_path / "report.png"
    shot = _chromium(f"--screenshot={picture}", demo.as_uri(), profile=tmp_path / "profile")
    assert shot.returncode == 0, shot.stderr[-2000:]
    pixels = matplotlib.image.imread(picture)
    assert pixels.shape[0] == SCREEN and pixels.shape[1] == WIDTH
    # A blank page is one colour; text, tables and charts spread the pixels over many values.
    assert pixels[..., :3].std() > 0.05
    assert len({tuple(p) for p in pixels[::20, ::20, :3].reshape(-1, 3).tolist()}) > 20


def test_demo_report_reads_from_the_top(demo: Path, tmp_path: Path) -> None:
    """Contents first, then the summary; each story's title, description, facts and its chart on its first
    screen (at 1400 x 900), the long tables folded: the page is a few screens, not 44,000 px of tables."""
    measured = _measured(demo, tmp_path)
    scenarios = json.loads(demo.with_suffix(".json").read_text())["scenarios"]
    stories = measured["stories"]
    assert len(stories) == len(scenarios) == len(list((ROOT / "scenarios").glob("*.yaml")))
    for story in stories:
        assert story["charts"] >= 1, f"{story['title']}: no story chart"
        assert story["summary_bottom"] - story["top"] < SCREEN, f"{story['title']}: its facts are below the fold"
        assert story["chart_top"] - story["top"] < SCREEN, f"{story['title']}: its chart starts below the fold"
    assert measured["height"] < 9 * SCREEN, measured["height"]
    for story in demo.read_text().split("<section class=story")[1:]:
        first = story[: story.index("<details class=steps>")]  # what is not folded away
        found = re.search(r"<small>\((UC\d)\)</small>", first)
        assert found and f"<!-- {STORY_CHARTS[found.group(1)]}" in first, first[:300]

    dom = _chromium("--dump-dom", demo.as_uri(), profile=tmp_path / "profile").stdout
    contents = dom[dom.index('<nav id="contents">') : dom.index("</nav>")]
    assert all(f'href="#{s["id"]}"' in contents for s in stories)
    assert dom.index('<nav id="contents">') < dom.index('<section id="summary">') < dom.index('class="story"')
    commit = r"commit <code[^>]*>[0-9a-f]{12}</code>.*" if (ROOT / ".git").exists() else "no git commit"
    assert re.search(rf"s4chain \S+ · {commit} · solc 0\.8\.\d+", dom)


def test_demo_report_shows_units_names_and_roles(demo: Path, tmp_path: Path) -> None:
    dom = _chromium("--dump-dom", demo.as_uri(), profile=tmp_path / "profile").stdout
    amounts = re.findall(r'<span class="amt" title="(\d+)">([^<]+)</span>', dom)
    shown = {text for _, text in amounts}
    assert "1,500 tEUR" in shown and "3,000 UMT" in shown and "0.5 ETH" in shown, sorted(shown)[:40]
    assert "100 MKH" in shown  # a factory's token, known only from the chain
    assert all(re.fullmatch(r"-?[\d,]+(\.\d+)? [A-Za-z°][\w °·/]*", text) for text in shown), shown
    assert "38.316 kg CO2e" in shown  # a transport leg's CO2 (UC4), declared in milligrams by its use case
    final = dom[dom.index('class="final-state"') :]
    assert re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<", final)  # final-state times as dates
    assert re.search(r">[\d,]+ tEUR<", final) and "days<" in final  # domain amounts in units, durations
    roles = set(re.findall(r'<span class="role" title="0x[0-9a-f]{64}">(\w+)</span>', dom))
    assert {"MINTER_ROLE", "DEFAULT_ADMIN_ROLE"} <= roles, roles
    assert "AttributeDict" not in dom
    assert 'class="who" title="0x' in dom and ">alice<" in dom
