"""Smoke test of scripts/bench_report.py (without a browser: --chromium none)."""

import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def test_bench_report_runs_on_a_synthetic_document(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPTS / "bench_report.py"), "--synthetic",
                           "30x200", "--out-dir", str(tmp_path), "--chromium", "none"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    header, rule, row = done.stdout.splitlines()
    assert header.startswith("| input | storylines | articles | build s | HTML MB |")
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:3] == ["synthetic 30x200", "30", "200"]
    assert cells[5:9] == ["not run"] * 4
    page = (tmp_path / "synthetic-30x200.html").read_text(encoding="utf-8")
    assert f"{float(cells[4]):.1f}" == f"{len(page.encode()) / 1e6:.1f}"
