"""`riskwatch data update` against a replayed GOV.UK (tests/govuk_replay.py), no internet.

Pages are Content API responses written to the documented schemas (tests/data/govuk);
attachments are real files from ../shared/data, served from there, and a small slice of
RS 2023-24 (its header block and six councils) made here. The revision of that slice adds
£1m to one council's net revenue expenditure: a made-up change, standing for a revision.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli
from conftest import TEST_DATA
from govuk_replay import Replay

from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.workbook import describe_sheet

MEDIA = "https://assets.publishing.service.gov.uk/media"
RS_PAGE = (
    "/government/statistics/local-authority-revenue-expenditure-and-financing-england-"
    "2023-to-2024-individual-local-authority-data-outturn"
)
RS_FILE = f"{MEDIA}/6740a1b2c3d4e5f601234567/RS_LA_Data_2023-24_data_by_LA.xlsx"
RA_FILE = f"{MEDIA}/64930a1b2c3d4e5f60123456/RA_2023-24_data_Part_1.csv"
COR_FILE = f"{MEDIA}/5d8b1a2b3c4d5e6f70123456/COR_2018-19_outputs_COR_B.xlsx"
COR_PAGE = (
    "/government/statistics/local-authority-capital-expenditure-and-receipts-in-england-"
    "2018-to-2019-individual-local-authority-data-outturn"
)
RS_SHEET = "RS_LA_Data_2023-24"
REVISED_ON = "2025-03-20"


@pytest.fixture(scope="module")
def rs_slices(tmp_path_factory, shared_data) -> tuple[Path, Path, str]:
    """RS 2023-24 cut to six councils, and the same with the first council's net revenue
    expenditure £1m higher; and that council's E-code."""
    folder = tmp_path_factory.mktemp("slices")
    grid = read_grids(shared_data / "revenue-outturn" / "rs2023_24.xlsx")[RS_SHEET]
    header = describe_sheet(RS_SHEET, grid).header_row
    first = grid.iloc[: header + 7].reset_index(drop=True)
    column = next(
        c for c in range(first.shape[1]) if "C1R805" in first.iloc[:header, c].astype(str).tolist()
    )
    revised = first.copy()
    revised.iat[header + 1, column] = float(revised.iat[header + 1, column]) + 1000
    paths = folder / "first.xlsx", folder / "revised.xlsx"
    for frame, path in zip((first, revised), paths, strict=True):
        frame.to_excel(path, sheet_name=RS_SHEET, header=False, index=False)
    return paths[0], paths[1], str(first.iat[header + 1, 0]).strip()


@pytest.fixture(scope="module")
def cor_revised(tmp_path_factory, shared_data) -> tuple[Path, str]:
    """COR 2018-19 part B with Adur's (E3831) prudential borrowing £1m higher: a made-up
    revision, written sheet by sheet as the values the reader sees; and the council's E-code."""
    original = shared_data / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx"
    grids = read_grids(original)
    financing = grids["Financing"]
    row = financing.index[financing.iloc[:, 0].astype(str).str.strip() == "E3831"][0]
    column = next(c for c in range(financing.shape[1]) if financing.iat[row, c] == 35663)
    financing.iat[row, column] = 36663
    path = tmp_path_factory.mktemp("cor") / "COR_2018-19_outputs_COR_B.xlsx"
    with pd.ExcelWriter(path) as workbook:
        for sheet, grid in grids.items():
            grid.to_excel(workbook, sheet_name=sheet, header=False, index=False)
    return path, "E3831"


@pytest.fixture
def replay(shared_data, monkeypatch):
    """The replayed GOV.UK serving RA 2023-24 and COR 2018-19 part B (the RS slice is served
    by the tests that ingest it: making it reads RS 2023-24, which takes seconds)."""
    with Replay() as site:
        site.serve(RA_FILE, shared_data / "revenue-budget" / "RA_2023-24_data_Part_1.csv")
        site.serve(COR_FILE, shared_data / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx")
        monkeypatch.setenv("RISKWATCH_GOVUK_MIRROR", site.url)
        yield site


def update(args: list[str], data_dir: Path, monkeypatch, capsys) -> tuple[int, list[str], str]:
    code, out, err = run_cli(
        ["data", "update", *args, "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    return code, out.strip().splitlines(), err


def line_for(lines: list[str], start: str) -> str:
    (line,) = [line for line in lines if line.startswith(start)]
    return line


def republish(site: Replay, page_path: str, address: str, served: Path, when: str, note: str):
    """A page republished on `when`, its first file now at `address` (serving `served`)."""
    page = site.page(page_path)
    page["public_updated_at"] = f"{when}T09:30:00.000+00:00"
    page["details"]["change_history"].append(
        {"public_timestamp": f"{when}T09:30:00.000+00:00", "note": note}
    )
    page["details"]["attachments"][0]["url"] = address
    page["details"]["attachments"][0]["filename"] = address.rsplit("/", 1)[1]
    site.serve(address, served)


def test_the_dry_run_lists_every_source_and_fetches_nothing(replay, tmp_path, monkeypatch, capsys):
    from riskwatch.data.ingest.catalogue import load_archives

    data_dir = tmp_path / "data"
    code, lines, err = update(["--dry-run"], data_dir, monkeypatch, capsys)
    assert code == 2 and err.strip() == "error: 1 release refused (see above)"
    would = [line.split(" ", 1)[0] for line in lines if ": would fetch: new, on " in line]
    assert sorted(would) == ["COR", "CTR", "EFS", "HCLIC", "RA", "RS", "RS", "RSX"]
    assert "public 2024-11-28 (first published)" in line_for(lines, "RS RS_LA_Data_2023-24")
    assert line_for(lines, "BI ").endswith("HTTP 404 Not Found")
    archives = [(a, name) for a in load_archives() for name in a.files]
    fetchable = sum(a.not_downloadable is None for a, _ in archives)
    not_fetchable = len(archives) - fetchable
    assert lines[-1] == f"{8 + fetchable} would fetch, {not_fetchable} not downloadable, 1 refused"
    assert line_for(lines, "revenue-outturn rs2007_08.xls").endswith(
        ": would fetch: https://raw.githubusercontent.com/hkim28720-design/paper2_fb_aust/"
        "5b320ff2a846f701047e215a63c372b8e5d6ba6b/data/raw/revenue_outturn/rs2007_08.xls"
    )
    assert line_for(lines, "events events.csv").startswith(
        "events events.csv: not downloadable: a person's list"
    )
    assert not data_dir.exists()
    assert all("/api/content/" in address for address, _ in replay.requests)
    code, lines, _ = update(["--dry-run", "--since", "2025-01-01"], data_dir, monkeypatch, capsys)
    would = sorted(line.split(" ", 1)[0] for line in lines if ": would fetch: new, on " in line)
    assert would == ["EFS", "HCLIC", "RS", "RSX"]


@pytest.mark.slow  # ingests real releases (about ten seconds each)
def test_an_update_ingests_new_releases_dated_by_their_page(
    replay, rs_slices, tmp_path, monkeypatch, capsys
):
    from riskwatch.data.store.table_store import load_table

    replay.serve(RS_FILE, rs_slices[0])
    data_dir = tmp_path / "data"
    args = ["--source", "RS", "--source", "RA", "--source", "COR", "--source", "EFS"]
    code, lines, err = update([*args, "--accept-outliers"], data_dir, monkeypatch, capsys)
    assert code == 2 and "1 release refused" in err
    added = line_for(lines, "RS RS_LA_Data_2023-24")
    assert ": added: " in added and "release 2 (ingested RS_LA_Data_2023-24" in added
    assert "on GOV.UK 2024-11-28: first published" in added
    assert added.endswith("public 2024-12-12")  # the file says "updated 2024-12-12": later
    budget = line_for(lines, "RA ")
    assert "RA 2023-24 release 1" in budget and budget.endswith("public 2023-06-22")
    assert line_for(lines, "RS RS_LA_Data_2024-25").endswith("HTTP 404 Not Found")
    assert line_for(lines, "COR ").endswith("already held: same values as the vintages held")
    assert (data_dir / "downloads" / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx").exists()
    assert ": candidate event: " in line_for(lines, "EFS ")
    with open(data_dir / "candidate-events.csv", newline="") as handle:
        (candidate,) = list(csv.DictReader(handle))
    assert candidate["published"] == "2025-02-20" and candidate["source"] == "EFS"
    panel = load_table("panel", data_dir)
    ingested = panel[panel["published_basis"] == "page"]
    assert set(zip(ingested["source"], ingested["published"], strict=True)) == {
        ("RS", "2024-12-12"),
        ("RA", "2023-06-22"),
    }
    code, lines, _ = update(args, data_dir, monkeypatch, capsys)
    assert lines[-1] == "4 already held, 1 refused"


@pytest.mark.slow  # ingests real releases (about ten seconds each)
def test_a_republished_file_is_the_next_vintage_seen_only_after_its_date(
    replay, rs_slices, tmp_path, monkeypatch, capsys
):
    from riskwatch.features.seen import visible

    from riskwatch.data.store.table_store import load_table, load_tables
    from riskwatch.pipeline import feature_frames, review_of, score_years

    replay.serve(RS_FILE, rs_slices[0])
    data_dir = tmp_path / "data"
    update(["--source", "RS"], data_dir, monkeypatch, capsys)
    address = f"{MEDIA}/67dc1a2b3c4d5e6f70123456/RS_LA_Data_2023-24_data_by_LA.xlsx"
    republish(
        replay, RS_PAGE, address, rs_slices[1], REVISED_ON, "Revised figures for one council."
    )
    code, lines, _ = update(["--source", "RS"], data_dir, monkeypatch, capsys)
    revision = line_for(lines, "RS RS_LA_Data_2023-24")
    assert ": added: " in revision and "release 3" in revision
    assert f"public {REVISED_ON}" in revision and "Revised figures for one council." in revision
    manifest = json.loads((data_dir / "downloads" / "manifest.json").read_text())
    assert manifest[address]["public_updated_at"] == f"{REVISED_ON}T09:30:00.000+00:00"
    assert manifest[address]["first_published_at"] == "2024-11-28T09:30:00.000+00:00"
    assert manifest[address]["change_note"] == "Revised figures for one council."
    kept = sorted(p.name for p in (data_dir / "downloads" / "revenue-outturn").iterdir())
    assert kept == ["RS_LA_Data_2023-24_data_by_LA.xlsx", "RS_LA_Data_2023-24_data_by_LA_2.xlsx"]
    panel = load_table("panel", data_dir)
    ecode = rs_slices[2]
    gss = panel.loc[panel["ecode"] == ecode, "gss_code"].iloc[0]

    def spending_seen_on(day: str) -> float:
        seen = visible(panel, "2023-24", seen_by=day)
        row = seen[
            (seen["gss_code"] == gss)
            & (seen["indicator"] == "net_revenue_expenditure")
            & (seen["source"] == "RS")
            & (seen["financial_year"] == "2023-24")
        ]
        return float(row["value"].iloc[0])

    assert spending_seen_on("2025-03-21") == spending_seen_on("2025-03-19") + 1_000_000

    # A review scores 2023-24 until RS 2024-25 is out (2025-12-31), so its frame reads the
    # revision from the day it was published, though 2023-24 is not the latest year held.
    tables = load_tables(data_dir)
    years = score_years(tables)
    assert years[-1] == "2024-25"

    def council_row_reviewed_on(day: str) -> pd.Series:
        review = review_of(years, "2023-24", day)
        frame = feature_frames(tables, ["2023-24"], review=review)["2023-24"]
        return frame.set_index("gss_code").loc[gss]

    before, after = council_row_reviewed_on("2025-03-19"), council_row_reviewed_on("2025-03-21")
    as_of_its_date = feature_frames(tables, ["2023-24"])["2023-24"].set_index("gss_code").loc[gss]
    pd.testing.assert_series_equal(before, as_of_its_date)
    assert not before.equals(after)


@pytest.mark.slow  # ingests a real capital outturn release twice (about ten seconds each)
def test_a_republished_capital_release_is_ingested_as_the_next_vintage_dated_by_its_page(
    replay, cor_revised, tmp_path, monkeypatch, capsys
):
    from riskwatch.data.store.table_store import load_table

    data_dir = tmp_path / "data"
    code, lines, _ = update(["--source", "COR"], data_dir, monkeypatch, capsys)
    assert line_for(lines, "COR ").endswith("already held: same values as the vintages held")
    address = f"{MEDIA}/5f0b1a2b3c4d5e6f70123456/COR_2018-19_outputs_COR_B.xlsx"
    republish(replay, COR_PAGE, address, cor_revised[0], "2020-02-14", "Revised figures.")
    code, lines, _ = update(["--source", "COR"], data_dir, monkeypatch, capsys)
    added = line_for(lines, "COR COR_2018-19_outputs_COR_B.xlsx")
    assert code == 0 and ": added: " in added and added.endswith("public 2020-02-14")
    assert "COR 2018-19 to 2019-03-31 release 2 (ingested" in added
    assert "on GOV.UK 2020-02-14: Revised figures." in added
    panel = load_table("panel", data_dir)
    council = panel[
        (panel["ecode"] == cor_revised[1])
        & (panel["indicator"] == "capex_prudential_borrowing")
        & (panel["financial_year"] == "2018-19")
    ]
    by_date = dict(zip(council["published"], council["value"], strict=True))
    assert by_date == {"2019-09-26": 35663.0, "2020-02-14": 36663.0}
    assert set(panel.loc[panel["published"] == "2020-02-14", "published_basis"]) == {"page"}
    code, lines, _ = update(["--source", "COR"], data_dir, monkeypatch, capsys)
    assert lines[-1] == "1 already held"


def test_a_renamed_attachment_with_the_same_content_is_already_held(
    replay, shared_data, tmp_path, monkeypatch, capsys
):
    data_dir = tmp_path / "data"
    update(["--source", "COR"], data_dir, monkeypatch, capsys)
    renamed = f"{MEDIA}/5e9a1a2b3c4d5e6f70123456/COR_2018-19_part_B.xlsx"
    same = shared_data / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx"
    republish(replay, COR_PAGE, renamed, same, "2020-01-10", "Attachment renamed.")
    code, lines, _ = update(["--source", "COR"], data_dir, monkeypatch, capsys)
    assert code == 0
    assert line_for(lines, "COR COR_2018-19_part_B.xlsx").endswith(
        f"already held: same file as {COR_FILE}"
    )
    assert [p.name for p in (data_dir / "downloads" / "capital-outturn").iterdir()] == [same.name]


def test_a_download_cut_short_leaves_nothing_and_resumes(
    replay, shared_data, tmp_path, monkeypatch, capsys
):
    data_dir = tmp_path / "data"
    replay.cut_short_once.add(COR_FILE)
    code, lines, err = update(["--source", "COR"], data_dir, monkeypatch, capsys)
    assert "was cut short" in line_for(lines, "COR ") and code == 2
    assert not (data_dir / "downloads" / "capital-outturn").exists()
    code, lines, _ = update(["--source", "COR"], data_dir, monkeypatch, capsys)
    assert line_for(lines, "COR ").endswith("already held: same values as the vintages held")
    assert code == 0
    ranges = [asked for address, asked in replay.requests if address == COR_FILE]
    assert ranges[0] is None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    fetched = data_dir / "downloads" / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx"
    provenance = (data_dir / "downloads" / "PROVENANCE.md").read_text()
    assert "## COR: Capital outturn (COR)" in provenance and "Open Government Licence" in provenance
    original = shared_data / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx"
    assert fetched.read_bytes() == original.read_bytes()


def test_a_file_over_the_size_limit_is_refused_and_nothing_kept(
    replay, shared_data, tmp_path, monkeypatch, capsys
):
    cor_path = shared_data / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx"
    from riskwatch.data.ingest import update as update_module

    monkeypatch.setattr(update_module, "MAX_RELEASE_BYTES", 100_000)
    data_dir = tmp_path / "data"
    code, lines, _ = update(["--source", "COR"], data_dir, monkeypatch, capsys)
    assert line_for(lines, "COR ").endswith("is 0.2 MB, over the 0.1 MB limit")
    assert not any(address == COR_FILE for address, _ in replay.requests)  # refused unread
    monkeypatch.setattr(update_module, "MAX_RELEASE_BYTES", 1_000)
    replay.serve(RS_FILE, cor_path)  # its page gives no size: refused from Content-Length
    code, lines, _ = update(["--source", "RS"], data_dir, monkeypatch, capsys)
    assert "over the 0.0 MB limit" in line_for(lines, "RS RS_LA_Data_2023-24")
    kept = [p.name for p in (data_dir / "downloads").rglob("*") if p.is_file()]
    assert kept == ["PROVENANCE.md"]


def test_an_unknown_layout_is_refused_in_one_line_and_deleted(
    replay, shared_data, tmp_path, monkeypatch, capsys
):
    replay.serve(RS_FILE, shared_data / "capital-outturn" / "COR_2018-19_outputs_COR_B.xlsx")
    data_dir = tmp_path / "data"
    code, lines, err = update(["--source", "RS"], data_dir, monkeypatch, capsys)
    refusal = line_for(lines, "RS RS_LA_Data_2023-24")
    assert ": refused: " in refusal and "RS_LA_Data_2023-24_data_by_LA.xlsx" in refusal
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert not [p for p in (data_dir / "downloads").rglob("*.xlsx")]
    assert not (data_dir / "releases").exists()


def test_a_redirect_away_from_govuk_is_not_followed(replay, tmp_path, monkeypatch, capsys):
    replay.redirects[RS_FILE] = "https://example.org/RS_LA_Data_2023-24_data_by_LA.xlsx"
    code, lines, _ = update(["--source", "RS"], tmp_path / "data", monkeypatch, capsys)
    assert line_for(lines, "RS RS_LA_Data_2023-24").endswith(
        "refused https://example.org/RS_LA_Data_2023-24_data_by_LA.xlsx: not on GOV.UK "
        "(www.gov.uk, assets.publishing.service.gov.uk)"
    )


def test_an_archive_file_is_fetched_only_from_its_declared_hosts(
    replay, shared_data, tmp_path, monkeypatch, capsys
):
    from riskwatch.data.ingest.catalogue import load_archives

    (archive,) = [a for a in load_archives() if a.name == "deprivation"]
    (name,) = archive.files
    replay.serve(archive.url(name), shared_data / archive.path(name))
    replay.redirects[archive.url(name)] = f"https://www.gov.uk/{name}"  # GOV.UK's, not its own
    code, lines, _ = update(["--source", "deprivation"], tmp_path / "data", monkeypatch, capsys)
    assert code == 2 and line_for(lines, f"deprivation {name}").endswith(
        f"refused https://www.gov.uk/{name}: not on its source's declared hosts "
        "(raw.githubusercontent.com)"
    )
    assert not (tmp_path / "data" / "downloads" / archive.path(name)).exists()
    del replay.redirects[archive.url(name)]
    code, lines, _ = update(["--source", "deprivation"], tmp_path / "data", monkeypatch, capsys)
    assert code == 0 and lines == [
        f"deprivation {name}: downloaded: {archive.url(name)} -> context/{name}",
        "1 downloaded",
    ]


def test_no_connection_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RISKWATCH_GOVUK_MIRROR", "http://127.0.0.1:9")  # nothing listens
    code, lines, err = update(["--source", "RS"], tmp_path / "data", monkeypatch, capsys)
    assert code == 2 and lines == []
    (line,) = err.strip().splitlines()
    assert line.startswith("error: cannot reach www.gov.uk (through http://127.0.0.1:9): ")
    assert "refused" in line.lower()


@pytest.mark.slow  # ingests real releases (about ten seconds each)
def test_a_folder_is_taken_in_with_the_dates_of_a_saved_page(
    rs_slices, tmp_path, monkeypatch, capsys
):
    from riskwatch.data.store.table_store import load_table

    folder = tmp_path / "downloaded"
    folder.mkdir()
    shutil.copy(TEST_DATA / "govuk" / "rs-2023-24.json", folder)
    shutil.copy(rs_slices[0], folder / "RS_LA_Data_2023-24_data_by_LA.xlsx")
    shutil.copy(rs_slices[1], folder / "RS_2023-24_data_by_LA_revised.xlsx")  # not on the page
    (folder / "notes.txt").write_text("not a release")
    data_dir = tmp_path / "data"
    code, lines, _ = update(["--from", str(folder), "--dry-run"], data_dir, monkeypatch, capsys)
    assert lines[-1] == "2 would take, 1 refused" and not data_dir.exists()
    assert "public 2024-11-28 (first published)" in line_for(lines, "RS RS_LA_Data_2023-24")
    assert "no page date" in line_for(lines, "RS RS_2023-24_data_by_LA_revised.xlsx")
    code, lines, err = update(["--from", str(folder)], data_dir, monkeypatch, capsys)
    assert "on GOV.UK 2024-11-28: first published" in line_for(lines, "RS RS_LA_Data_2023-24")
    assert "on GOV.UK" not in line_for(lines, "RS RS_2023-24_data_by_LA_revised.xlsx: added")
    assert line_for(lines, "- notes.txt").endswith("matches no source in configs/sources.toml")
    assert code == 2 and err.strip() == "error: 1 release refused (see above)"
    panel = load_table("panel", data_dir)
    ingested = panel[panel["vintage"].str.contains("ingested")]
    assert ingested.groupby("vintage")["published_basis"].first().sort_values().tolist() == [
        "page",
        "rule",
    ]
    code, lines, _ = update(["--from", str(folder)], data_dir, monkeypatch, capsys)
    assert lines[-1] == "2 already held, 1 refused"


def test_the_catalogue_is_checked_and_claims_the_files_held(shared_data):
    from riskwatch.data.ingest.catalogue import load_catalogue, select_sources
    from riskwatch.errors import RiskwatchError
    from riskwatch.settings import SCHEMAS, parse_config

    claims = {source.name: source for source in load_catalogue() if source.read_by == "ingest"}
    for name, folder in [("RS", "revenue-outturn"), ("RSX", "service-expenditure")]:
        for path in (shared_data / folder).iterdir():
            assert claims[name].claims(path.name, None), path.name
            assert not any(
                other.claims(path.name, None) for other in claims.values() if other.name != name
            ), path.name
    numbered = {"1719274.xls", "1821128.xls", "2016372.xls"}  # named by GOV.UK's old ids
    for path in (shared_data / "capital-outturn").iterdir():
        assert claims["COR"].claims(path.name, None) == (path.name not in numbered), path.name
    assert not claims["COR"].claims("RS_2023-24_scorecard.xlsx", None)  # `data ingest` routes
    with pytest.raises(RiskwatchError, match="field 'source.X.files': must be a regular"):
        parse_config(
            '[source.X]\ntitle="t"\npublisher="p"\nlicence="l"\nholds="h"\npages=["/a"]\n'
            'documents="d"\nfiles="(unclosed"\nread_by="ingest"\nreader="capital"\nfolder="f"\n',
            SCHEMAS["sources.toml"],
            "configs/sources.toml",
        )
    with pytest.raises(RiskwatchError, match="unknown source 'XX'"):
        select_sources(["RS", "XX"])
    sources, archives = select_sources(["rs", "RS", "Events"])
    assert [s.name for s in sources] == ["RS"] and [a.name for a in archives] == ["events"]


def test_the_provenance_of_every_source_ships_with_the_package(monkeypatch, capsys):
    from riskwatch.data.ingest.catalogue import load_archives, load_catalogue

    code, out, _ = run_cli(["data", "sources"], monkeypatch, capsys)
    assert code == 0
    for source in load_catalogue():
        section = out.split(f"## {source.name}: ", 1)[1].split("\n## ", 1)[0]
        assert f"- Publisher: {source.publisher}" in section
        assert f"- Licence: {source.licence}" in section
        assert f"riskwatch/data/sources/{source.reader}.py" in section
        assert all(f"https://www.gov.uk{page}" in section for page in source.pages)
    for archive in load_archives():
        section = out.split(f"## {archive.name}: ", 1)[1].split("\n## ", 1)[0]
        assert f"- Publisher: {archive.publisher}" in section
        assert all(f"`{name}`" in section for name in archive.files)
        assert f"`downloads/{archive.folder or '.'}/`" in section
        if archive.not_downloadable is None:
            assert "(only from raw.githubusercontent.com)" in section
        else:
            assert f"- Not downloadable: {archive.not_downloadable}" in section


def test_a_review_reads_by_its_date_only_the_year_it_scores():
    from riskwatch.pipeline import Review, review_of

    years = ["2022-23", "2023-24", "2024-25"]
    assert review_of(years, "2023-24", "2025-03-21") == Review("2023-24", "2025-03-21")
    assert review_of(years, "2024-25", "2026-01-05") == Review("2024-25", "2026-01-05")
    assert review_of(years, "2022-23", "2025-03-21") is None  # a backtest's own cutoff


@pytest.mark.slow  # copies the 108 MB of files the build reads through the replayed hosts
def test_the_folder_an_update_fills_holds_every_file_the_build_reads(
    shared_data, tmp_path, monkeypatch, capsys
):
    """Every file `data build` reads (tests/data/build-reads.txt: the 116 files a full
    `data build` opened, recorded by an audit hook on 2026-12-07 while it rebuilt the
    embedded tables byte for byte from a folder filled this way) is in the download folder,
    at the path the build reads it from, with the same bytes: fetched from its declared
    address, or taken from --from where it cannot be fetched."""
    from riskwatch.data.build import revenue_files
    from riskwatch.data.ingest.catalogue import load_archives

    archives = load_archives()
    names = [arg for archive in archives for arg in ("--source", archive.name)]
    data_dir = tmp_path / "data"
    with Replay() as site:
        for archive in archives:
            for name in archive.files:
                if archive.not_downloadable is None:
                    site.serve(archive.url(name), shared_data / archive.path(name))
        monkeypatch.setenv("RISKWATCH_GOVUK_MIRROR", site.url)
        code, lines, _ = update(names, data_dir, monkeypatch, capsys)
    assert code == 0 and lines[-1] == "108 downloaded, 8 not downloadable"
    assert all(a.startswith("https://raw.githubusercontent.com/") for a, _ in site.requests)
    by_hand = tmp_path / "by-hand"  # what the user gives for the files that cannot be fetched
    for archive in archives:
        for name in archive.files if archive.not_downloadable else ():
            (by_hand / archive.folder).mkdir(parents=True, exist_ok=True)
            shutil.copy(shared_data / archive.path(name), by_hand / archive.path(name))
    code, lines, _ = update([*names, "--from", str(by_hand)], data_dir, monkeypatch, capsys)
    assert code == 0 and lines[-1] == "8 taken"
    downloads = data_dir / "downloads"
    read = (TEST_DATA / "build-reads.txt").read_text().split("\n")
    for relative in filter(None, read):
        held = downloads / relative
        assert held.is_file(), relative
        assert held.read_bytes() == (shared_data / relative).read_bytes(), relative
    assert [p.relative_to(downloads) for p in revenue_files(downloads)] == [
        p.relative_to(shared_data) for p in revenue_files(shared_data)
    ]
