"""A hand-built plan with a few visits of every kind, so the exporters are tested without the engines."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from planner.plan import NAMES_COLUMNS, Plan
from planner.rules import Rules

YEAR = 2027


def _names(rows: list[tuple[str, str, str, str]], ranks: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["kind", "id", "name", "parent_id"])
    frame["rank"] = frame["id"].map(ranks).fillna("")
    return frame.reindex(columns=list(NAMES_COLUMNS))


def make_plan(person_name: str = "王书记", community_name: str = "幸福里社区") -> Plan:
    names = _names([
        ("office", "B01", "东城办事处", ""),
        ("office", "B02", "西城办事处", ""),
        ("community", "C001", community_name, "B01"),
        ("community", "C002", "和平社区", "B02"),
        ("household", "H00012", "", "C001"),
        ("household", "H00013", "", "C001"),
        ("household", "H00020", "", "C002"),
        ("leader", "L01", person_name, "secretary"),
        ("leader", "L02", "李常委", "standing"),
        ("unit", "U001", "区财政局", ""),
        ("unit", "U002", "区教育局", ""),
        ("cadre", "G0001", "张干部", "U001"),
        ("cadre", "G0002", "赵干部", "U002"),
    ], ranks={"G0001": "head", "G0002": "staff"})
    visits = pd.DataFrame([
        ("2027-01-05", "leader", "L01", "contact", "office", "B01", "", 0),
        ("2027-02-03", "leader", "L01", "research", "office", "B02", "", 0),
        ("2027-03-10", "leader", "L01", "reception", "district", "district", "A", 0),
        ("2027-03-10", "leader", "L02", "reception", "district", "district", "B", 0),
        ("2027-04-07", "leader", "L02", "contact", "office", "B02", "", 0),
        ("2027-01-06", "unit", "U001", "community", "community", "C001", "", 0),
        ("2027-02-08", "unit", "U001", "community", "community", "C001", "", 0),
        ("2027-01-07", "unit", "U002", "community", "community", "C002", "", 0),
        ("2027-01-11", "cadre", "G0001", "household", "household", "H00012", "", 1),
        ("2027-01-11", "cadre", "G0001", "household", "household", "H00013", "", 0),
        ("2027-03-15", "cadre", "G0001", "household", "household", "H00012", "", 0),
        ("2027-05-12", "cadre", "G0001", "research", "community", "C001", "", 0),
        ("2027-12-31", "cadre", "G0002", "household", "household", "H00020", "", 1),
    ], columns=["date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk"])
    return Plan(
        leader_offices=pd.DataFrame({"leader_id": ["L01", "L02"], "office_id": ["B01", "B02"]}),
        unit_communities=pd.DataFrame({"unit_id": ["U001", "U002"], "community_id": ["C001", "C002"]}),
        cadre_households=pd.DataFrame({"cadre_id": ["G0001", "G0001", "G0002"],
                                       "household_id": ["H00012", "H00013", "H00020"]}),
        visits=visits,
        report={"year": YEAR, "rules": Rules(year=YEAR).to_dict()},
        names=names,
    )


@pytest.fixture
def small_plan() -> Plan:
    return make_plan()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def caldav_calendar(tmp_path: Path) -> Iterator[object]:
    """An empty calendar on a real CalDAV server: Radicale in a subprocess on a free port, temporary storage, no
    authentication; stopped (by its own pid) at teardown."""
    caldav = pytest.importorskip("caldav")
    pytest.importorskip("radicale")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--storage-filesystem-folder", str(tmp_path / "radicale"),
         "--auth-type", "none", "--server-hosts", f"127.0.0.1:{port}", "--logging-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"radicale did not start: {server.stderr.read() if server.stderr else ''}") from None
                time.sleep(0.1)
        client = caldav.DAVClient(url=url, username="planner", password="x", require_tls=False,
                                  enable_rfc6764=False)
        yield client.principal().make_calendar(name="计划")
    finally:
        server.terminate()
        server.wait(timeout=10)


def libreoffice_pdf(workbook: Path, out_dir: Path) -> tuple[list[tuple[float, float]], str]:
    """Print `workbook` to PDF with LibreOffice headless (own profile folder, so parallel runs do not clash):
    (page sizes in points, the text with all whitespace removed). Skips when LibreOffice or poppler is missing."""
    import re
    import shutil

    soffice, pdftotext, pdfinfo = (shutil.which(n) for n in ("soffice", "pdftotext", "pdfinfo"))
    if not (soffice and pdftotext and pdfinfo):
        pytest.skip("LibreOffice (soffice) or poppler-utils not installed")
    subprocess.run([soffice, f"-env:UserInstallation={(out_dir / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(workbook)],
                   check=True, capture_output=True, timeout=300)
    pdf = out_dir / f"{workbook.stem}.pdf"
    info = subprocess.run([pdfinfo, "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+)", info)]
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return sizes, re.sub(r"\s+", "", text)
