"""Bad input, one row per case: `planner validate` and `planner plan` exit 2 naming the key, file or cell, write
nothing and print no traceback; the app's upload path raises InputError and nothing else."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from planner.cli import main
from planner.errors import InputError
from planner.io.read import read_upload_problem
from tests.fixtures import TINY_YEAR
from tests.io import hostile as h


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], Path]
    words: tuple[str, ...]          # each must appear in the message (zh, and in en for the upload path)
    upload: bool = True             # also try the app's upload path (a folder is zipped)
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    upload_words: tuple[str, ...] | None = None  # when zipping it for upload trips another limit first (the ratio)


def _rules(text: str | bytes) -> Callable[[Path], Path]:
    return lambda root: h.folder(root, rules=text)


def _cell(table: str, row: int, column: str, value: object) -> Callable[[Path], Path]:
    return lambda root: h.folder(root, tables=h.edited(table, row, column, value))


def _header(table: str, header: list[str]) -> Callable[[Path], Path]:
    return lambda root: h.folder(root, raw=h.with_header(table, header))


def _dir_named(name: str) -> Callable[[Path], Path]:
    def make(root: Path) -> Path:
        out = h.folder(root, rules=None if name == "rules.toml" else h.RULES_OK)
        if (out / name).exists():
            (out / name).unlink()
        (out / name).mkdir()
        return out
    return make


def _id_collision(root: Path) -> Path:
    tables = h.edited("communities", 1, "community_id", "C0\u200b1")  # C02 becomes 'C01' once the ZWSP is gone
    return h.folder(root, tables=tables)


def _big_csv(root: Path) -> Path:
    frame = h.tiny_tables()["households"]
    rows = "".join(f"X{i},C01,x,1,,\n" for i in range(120_000))
    return h.folder(root, raw={"households.csv": h.csv_bytes(frame) + rows.encode()})


HH = ["household_id", "community_id", "name", "priority", "lat", "lon"]
DEEP = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"

CASES = [
    # rules: every key has a range, checked wherever rules come from
    Case("rules_year", _rules("year = 99999\n"), ("year", "2000", "2100")),
    Case("rules_capacity_huge", _rules("[assign]\ncadre_max_households = 1000000000000\n"),
         ("assign.cadre_max_households", "1000")),
    Case("rules_weight_int64", _rules("[weights]\ncontinuity = 9223372036854775807\n"), ("weights.continuity",)),
    Case("rules_time_limit_nan", _rules("[solver]\ntime_limit = nan\n"), ("solver.time_limit", "nan")),
    Case("rules_gap_inf", _rules("[solver]\ngap_limit = inf\n"), ("solver.gap_limit",)),
    Case("rules_time_limit_negative", _rules("[solver]\ntime_limit = -5\n"), ("solver.time_limit",)),
    Case("rules_seed_int64", _rules("[solver]\nseed = 9223372036854775807\n"), ("solver.seed",)),
    Case("rules_bool_as_int", _rules("[calendar]\ngroup_same_community = 1\n"), ("calendar.group_same_community",)),
    Case("rules_unknown_key", _rules("[assign]\ncadre_max = 3\n"), ("assign.cadre_max",)),
    Case("rules_deep_nesting", _rules(DEEP), ("rules.toml", "TOML")),
    Case("rules_gbk", _rules("# 规则\nyear = 2026\n".encode("gbk")), ("rules.toml", "UTF-8")),
    Case("rules_too_big", _rules("#" * (2 << 20) + "\n"), ("rules.toml",)),
    Case("rules_is_folder", _dir_named("rules.toml"), ("rules.toml", "文件夹"), upload=False),
    Case("year_flag", lambda root: h.folder(root), ("year", "2100"), args=("--year", "99999")),
    Case("rules_sheet_year", lambda root: h.workbook(root, {"rules": [["key", "value"], ["year", 99999]]}),
         ("data.xlsx[rules]", "第2行", "year", "2100")),
    # numbers in cells
    Case("cell_capacity_1e30", _cell("cadres", 0, "max_households", "1e30"), ("cadres.csv", "max_households", "1000")),
    Case("cell_capacity_huge_int", _cell("cadres", 2, "max_households", str(2**70)), ("cadres.csv", "第4行")),
    Case("cell_priority_inf", _cell("households", 3, "priority", "inf"), ("households.csv", "priority")),
    Case("cell_priority_nan", _cell("households", 3, "priority", "NaN"), ("households.csv", "priority")),
    Case("cell_lat_without_lon", _cell("households", 2, "lon", None), ("households.csv", "第4行", "lon")),
    Case("cell_lon_without_lat", _cell("units", 1, "lat", None), ("units.csv", "第3行", "lat")),
    Case("cell_lat_91", _cell("communities", 0, "lat", 91), ("communities.csv", "lat")),
    Case("cell_lon_minus_181", _cell("offices", 1, "lon", -181), ("offices.csv", "lon")),
    # headers
    Case("header_name_twice", _header("households", [*HH[:3], "name", *HH[3:]]), ("households.csv", "name", "2")),
    Case("header_priority_twice", _header("households", [*HH, "priority"]), ("households.csv", "priority")),
    Case("header_en_and_zh", _header("households", [*HH, "联系户编号"]), ("households.csv", "household_id", "联系户编号")),
    Case("header_twice_in_xlsx",
         lambda root: h.workbook(root, {"households": [[*HH, "household_id"], ["H01", "C01", "x", 1, None, None, "H02"]]}),
         ("households", "household_id")),
    Case("header_10k_columns", lambda root: h.wide(root, 10_000), ("households.csv", "PLANNER_MAX_COLUMNS")),
    Case("header_100k_columns", lambda root: h.wide(root, 100_000), ("households.csv", "1 MB")),
    Case("header_1k_columns", lambda root: h.wide(root, 1_000), ("households.csv", "1006", "PLANNER_MAX_COLUMNS")),
    Case("header_line_5mb", _header("households", ['"' + "".join(random.Random(1).choices("abcdefgh", k=5 << 20))]), ("households.csv", "1 MB")),
    Case("data_row_100k_fields", lambda root: h.folder(root, raw={"households.csv": (",".join(HH) + "\n" + ",".join(
        ["x"] * 100_000) + "\n").encode()}), ("households.csv", "100000")),
    Case("header_wide_xlsx", lambda root: h.workbook(root, {"households": [[*HH, *(f"x{i}" for i in range(300))]]}),
         ("households", "PLANNER_MAX_COLUMNS")),
    Case("row_wider_than_header", lambda root: h.folder(root, raw={"households.csv": b"household_id,community_id\n"
                                                                  b"H01,C01\nH02,C01,extra\n"}),
         ("households.csv", "CSV")),
    # ids
    Case("id_collides_once_normalised", _id_collision, ("communities.csv", "community_id", "C01")),
    Case("table_is_folder", _dir_named("households.csv"), ("households.csv", "文件夹"), upload=False),
    # resources
    Case("zip_bomb_1gib", lambda root: h.cached_bomb(root / "bomb.zip"), ("households.csv", "PLANNER_MAX_FILE_MB")),
    Case("zip_ratio", lambda root: h.zip_of(root, {**h.tiny_members(), "households.csv": b"0" * (8 << 20)}),
         ("households.csv", "PLANNER_MAX_RATIO")),
    Case("zip_many_members", h.many_members, ("many.zip", "PLANNER_MAX_MEMBERS")),
    Case("zip_lying_header", h.lying_zip, ("households.csv",)),
    Case("xlsx_lying_header", lambda root: h.lie_about(h.workbook(root), "xl/worksheets/sheet3.xml", 100),
         ("data.xlsx",)),
    Case("xlsx_bomb_member", lambda root: h.workbook(root, extra_members={"xl/media/big.bin": b"\0" * (8 << 20)}),
         ("data.xlsx", "PLANNER_MAX_RATIO")),
    Case("csv_blank_lines", lambda root: h.folder(root, raw={"households.csv": h.csv_bytes(
        h.tiny_tables()["households"]) + b"\n" * 2_000_000}), ("households.csv", "PLANNER_MAX_ROWS"),
         upload_words=("households.csv", "PLANNER_MAX_RATIO")),
    Case("csv_cells", lambda root: h.folder(root, raw={"households.csv": (",".join(HH + [f"x{i}" for i in range(150)])
                                                                          + "\n" + "," * 155 + "\n") .encode()
                                                       + ("," * 155 + "\n").encode() * 80_000}),
         ("households.csv", "PLANNER_MAX_CELLS"), upload_words=("households.csv", "PLANNER_MAX_RATIO")),
    Case("xlsx_far_cell", lambda root: h.far_cell(root, "XFD1048576"), ("data.xlsx[households]", "PLANNER_MAX_COLUMNS")),
    Case("xlsx_far_row", lambda root: h.far_cell(root, "A1048576"), ("data.xlsx[households]", "PLANNER_MAX_ROWS")),
    Case("xlsx_far_cells", lambda root: h.far_cell(root, "GR60000"), ("data.xlsx[households]", "PLANNER_MAX_CELLS")),
    Case("csv_over_limit", _big_csv, ("households.csv", "PLANNER_MAX_FILE_MB"), env={"PLANNER_MAX_FILE_MB": "1"}),
    Case("zip_total_over_limit", lambda root: h.zip_of(root, {**h.tiny_members(),
                                                               "households.csv": random.Random(0).randbytes(2 << 20)}),
         ("PLANNER_MAX_TOTAL_MB",), env={"PLANNER_MAX_TOTAL_MB": "1"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_refuses_with_exit_2(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    data = case.make(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["validate", str(data), *case.args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for word in case.words:
        assert word in err, (word, err[:2000])
    out = tmp_path / "plan_out"
    assert main(["plan", str(data), "--out", str(out), *case.args]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, nothing moved


@pytest.mark.parametrize("case", [c for c in CASES if c.upload], ids=[c.id for c in CASES if c.upload])
def test_upload_refuses_with_input_error(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    data = case.make(tmp_path)
    name, content = (data.name, data.read_bytes()) if data.is_file() else ("data.zip", h.zipped_folder(data))
    year = int(case.args[1]) if case.args else None
    with pytest.raises(InputError) as caught:
        read_upload_problem(name, content, year=year)
    text = caught.value.render("zh") + caught.value.render("en")
    for word in case.upload_words or case.words:
        if word.isascii():
            assert word in text, (word, text[:2000])


def test_missing_path_is_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and "路径不存在" in lines[1], lines


def test_unopenable_inputs_are_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK not really")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    for name in ("broken.zip", "broken.xlsx", "notes.pdf"):
        assert main(["validate", str(tmp_path / name)]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 2 and name in lines[1], lines


def test_invisible_characters_in_ids_are_normalised_everywhere(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A BOM, a zero-width space, a newline, a full-width space or full-width letters in an id mean the same id
    in every table: C01 in communities.csv is matched by households.csv, and the Problem holds the plain id."""
    tables = h.edited("communities", 0, "community_id", "\ufeffC0\u200b1\u3000")
    tables["households"] = tables["households"].astype(object)
    tables["households"].loc[0, "community_id"] = "Ｃ０１"
    tables["households"].loc[1, "community_id"] = "C0\n1"
    tables["households"].loc[2, "household_id"] = "H\u200d03\x07"
    tables["cadres"].loc[0, "unit_id"] = "\u2060U1"
    data = h.folder(tmp_path, tables=tables)
    assert main(["validate", str(data), "--year", str(TINY_YEAR)]) == 0, capsys.readouterr().err
    problem = read_upload_problem("data.zip", h.zipped_folder(data))
    assert problem.communities["community_id"].iloc[0] == "C01"
    assert (problem.households["community"].iloc[:5] == 0).all()
    assert problem.households["household_id"].iloc[2] == "H03"


@pytest.mark.parametrize("flag", [("--time-limit", "nan"), ("--time-limit", "-1"), ("--seed", "-5"),
                                  ("--year", "1999")])
def test_plan_flags_have_ranges_too(flag: tuple[str, str], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["plan", str(h.folder(tmp_path)), "--out", str(out), *flag]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("time_limit" in err or "seed" in err or "year" in err), err
    assert not out.exists()


def test_unrelated_sheets_are_never_parsed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user's own sheet (notes, a pivot) may be as wide or as far-reaching as it likes: planner does not read
    it, so it neither counts against the limits nor costs memory; the same cell in a table's sheet is refused."""
    import openpyxl

    path = h.workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book.create_sheet("说明")["XFD1048576"] = "notes"
    book.save(path)
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    (tmp_path / "b").mkdir()
    assert main(["validate", str(h.far_cell(tmp_path / "b", "XFD1048576"))]) == 2
    assert "data.xlsx[households]" in capsys.readouterr().err
