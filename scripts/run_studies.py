"""`make study`: sweep each study of studies/ into reports/studies/<study>/ (results.parquet, report.html), then
write reports/studies/index.html, the list of study pages the demo report links to. Extra arguments go to every
sweep (`--runs 1` for a quick look, `--workers 4`, `--cluster tcp://host:8786`). Exit 1 when a sweep fails.

    .venv/bin/python scripts/run_studies.py [SWEEP OPTIONS...]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from s4chain.sweeps.report import STUDIES_REPORTS, study_pages, write_study_index

ROOT = Path(__file__).resolve().parents[1]
# Each study's sweep: two parameters on a grid (the heatmap), a few seeds per point (the bands).
STUDIES: dict[str, tuple[str, ...]] = {
    "sale-revocations": ("--grid", "revoke_rate=0..0.6/4", "--grid", "goal=10000..30000/3", "--runs", "3"),
    "lease-defaults": ("--grid", "default_rate=0..0.6/4", "--grid", "usage_hours=100..500/3", "--runs", "3"),
    "recall-pallets": ("--grid", "breach_rate=0..0.3/4", "--grid", "pallet_size=1,2,4,8", "--runs", "2"),
    "freelance-income": ("--grid", "rejection_rate=0..0.6/3", "--grid", "dispute_rate=0..0.4/3", "--runs", "3"),
}


def main(extra: list[str]) -> int:
    s4chain = Path(sys.executable).parent / "s4chain"
    out = ROOT / STUDIES_REPORTS
    failed = []
    for name, options in STUDIES.items():
        folder = ROOT / "studies" / name
        command = [str(s4chain), "sweep", str(folder / "scenario.yaml"), *options, "--out", str(out / name), *extra]
        print("$", " ".join(command[1:]), flush=True)
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            failed.append(name)
    pages = study_pages(ROOT)
    write_study_index(out / "index.html", pages)
    print(f"studies: {out / 'index.html'} ({len(pages)} report pages)")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
