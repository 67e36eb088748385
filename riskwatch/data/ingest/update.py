"""`riskwatch data update`: find the official releases a data directory lacks, fetch them
from GOV.UK (or take them from a folder), and read them the way `data ingest` does.

For each source in the catalogue (configs/sources.toml) the pages are read through the
Content API; the attachments the source claims (by file name and title) are compared with
what the data directory holds (`downloads/manifest.json`: every address fetched, with its
SHA-256). A new file is downloaded into `downloads/<folder>/`, the layout `data build`
reads, and then:

- a release (read by "ingest": revenue, capital, borrowing, homelessness, council tax) goes
  through `riskwatch.data.ingest.ingest`, the same checks as `data ingest`, dated by its
  page: a republished file is the next vintage, public from the date of the page's
  change-history entry that introduced it; the file stays where `data build --source` reads it;
- a page of the Exceptional Financial Support lists becomes a candidate event in
  `candidate-events.csv`, for a person to confirm into events.csv (never a label by itself).

Every other file `data build` reads is fetched from its fixed address, or taken from the
folder given with `--from` where it cannot be fetched (riskwatch.data.ingest.archives), so the
download folder is one `data build --source` rebuilds the embedded tables from.

A file refused by the checks is deleted again; nothing of it is kept.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from riskwatch.atomic import write_atomic
from riskwatch.data.ingest.archives import claimed_at_top, fetch_archives, take_archives
from riskwatch.data.ingest.catalogue import Archive, Source, load_archives, load_catalogue
from riskwatch.data.ingest.discovery import Found, Outcome, discover, page_files
from riskwatch.data.ingest.govuk import GovukClient, Unavailable, partial_path
from riskwatch.data.ingest.provenance import provenance_markdown
from riskwatch.data.ingest.release import MAX_RELEASE_BYTES, ingest
from riskwatch.data.store.release_store import file_sha256
from riskwatch.errors import RiskwatchError
from riskwatch.locks import exclusive_lock
from riskwatch.units import file_size

Progress = Callable[[Iterable], Iterable]
CANDIDATE_COLUMNS = ("source", "page", "title", "published", "change_note", "url")


def downloads_folder(data_dir: Path) -> Path:
    """Where a data directory keeps the official files it fetched (the `data build` layout)."""
    return Path(data_dir) / "downloads"


def plan(found: list[Found], data_dir: Path) -> tuple[list[Found], list[Outcome]]:
    """What is new (to fetch), and an "already held" outcome for every file the data
    directory has fetched before (by address) or candidate page it has listed."""
    manifest = read_manifest(data_dir)
    listed = {row["page"] for row in read_candidates(data_dir)}
    new, held = [], []
    for item in found:
        known = item.url in manifest or (
            item.source.read_by == "candidate_events" and item.filename in listed
        )
        if known:
            held.append(Outcome(item.source.name, item.filename, "already held", item.url))
        else:
            new.append(item)
    return new, held


def why_fetch(item: Found) -> str:
    """The dry run's reason for fetching a file: where it is new, and since when."""
    size = f", {file_size(item.file_size)}" if item.file_size else ""
    return f"new, {_public(item)}{size}: {item.url}"


def update(
    client: GovukClient,
    sources: Iterable[Source],
    archives: Iterable[Archive],
    data_dir: Path,
    since: str | None = None,
    dry_run: bool = False,
    progress: Progress = iter,
    accept_outliers: bool = False,
) -> list[Outcome]:
    """Discover, then (unless `dry_run`) fetch and take in every new file, and fetch the
    archive files not held; one outcome each. `accept_outliers` as for `data ingest`. One
    update at a time per data directory: a second waits, then finds what the first fetched
    already held."""
    found, refused = discover(client, sources, since)
    downloads = downloads_folder(data_dir)
    if dry_run:
        new, held = plan(found, data_dir)
        would = [Outcome(i.source.name, i.filename, "would fetch", why_fetch(i)) for i in new]
        return refused + held + would + fetch_archives(client, archives, downloads, True)
    with exclusive_lock(downloads, "downloads"):
        new, held = plan(found, data_dir)
        outcomes = refused + held
        for item in progress(new):
            outcomes.append(_fetch_and_take(client, item, data_dir, accept_outliers))
        outcomes += fetch_archives(client, archives, downloads, progress=progress)
        write_provenance(data_dir)
    return outcomes


def _fetch_and_take(
    client: GovukClient, item: Found, data_dir: Path, accept_outliers: bool
) -> Outcome:
    """List a candidate page, or download a file (refused unread when its page says it is
    over the size limit) and take it in."""
    if item.source.read_by == "candidate_events":
        return _list_candidate(item, data_dir)
    if item.file_size is not None and item.file_size > MAX_RELEASE_BYTES:
        return Outcome(
            item.source.name,
            item.filename,
            "refused",
            f"{item.url} is {file_size(item.file_size)}, over the "
            f"{file_size(MAX_RELEASE_BYTES)} limit",
        )
    downloads = downloads_folder(data_dir)
    partial = partial_path(downloads, item.url)
    try:
        fetched = client.download(
            item.url,
            _free_name(downloads / item.source.folder / item.filename),
            partial,
            MAX_RELEASE_BYTES,
        )
    except Unavailable as reason:
        return Outcome(item.source.name, item.filename, "refused", str(reason))
    return take(item, fetched.path, fetched.sha256, data_dir, accept_outliers)


def take(
    item: Found, path: Path, sha256: str, data_dir: Path, accept_outliers: bool = False
) -> Outcome:
    """Keep a complete file fetched for a source: the same content held under another
    address is not kept twice; a release is ingested (a refusal deletes the file) and kept
    where `data build --source` reads it."""
    manifest = read_manifest(data_dir)
    same = next((url for url, entry in manifest.items() if entry["sha256"] == sha256), None)
    if same is not None:
        path.unlink()
        _record(data_dir, item, manifest[same]["path"], sha256)
        return Outcome(item.source.name, item.filename, "already held", f"same file as {same}")
    relative = path.relative_to(downloads_folder(data_dir)).as_posix()
    try:
        pages = {path: item.page} if item.page is not None else None
        result = ingest([path], data_dir, accept_outliers, pages)[0]
    except RiskwatchError as error:
        path.unlink()
        return Outcome(item.source.name, item.filename, "refused", str(error))
    _record(data_dir, item, relative, sha256)
    if result.status != "added":
        return Outcome(item.source.name, item.filename, "already held", result.status)
    return Outcome(
        item.source.name,
        item.filename,
        "added",
        f"{result.rows:,} rows as '{result.vintage}', public {result.published}",
    )


def _public(item: Found) -> str:
    if item.page is None:
        return "no page date: dated by the configs/releases.toml rule"
    return f"on {item.page.page}, public {item.page.date} ({item.page.note})"


def _free_name(target: Path) -> Path:
    """`target`, or the first `<stem>_<n><suffix>` free beside it: a republished file with
    the name of one held is kept beside it, never over it."""
    candidate, number = target, 1
    while candidate.exists():
        number += 1
        candidate = target.with_name(f"{target.stem}_{number}{target.suffix}")
    return candidate


def read_manifest(data_dir: Path) -> dict[str, dict]:
    """Every address fetched into the data directory: its SHA-256, file, source and date."""
    path = downloads_folder(data_dir) / "manifest.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise RiskwatchError(
            "not valid JSON (damaged?); delete it and run the update again", file=path
        ) from None


def _record(data_dir: Path, item: Found, relative: str, sha256: str) -> None:
    manifest = read_manifest(data_dir)
    manifest[item.url] = {
        "sha256": sha256,
        "path": relative,
        "source": item.source.name,
        **(
            {
                "page": item.page.page,
                "published": item.page.date,
                "change_note": item.page.note,
                "first_published_at": item.page.first_published_at,
                "public_updated_at": item.page.public_updated_at,
            }
            if item.page
            else {}
        ),
    }
    text = json.dumps(manifest, indent=1, sort_keys=True)
    target = downloads_folder(data_dir) / "manifest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def candidates_path(data_dir: Path) -> Path:
    return Path(data_dir) / "candidate-events.csv"


def read_candidates(data_dir: Path) -> list[dict[str, str]]:
    """The candidate events listed so far (EFS pages), for a person to confirm."""
    path = candidates_path(data_dir)
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _list_candidate(item: Found, data_dir: Path) -> Outcome:
    rows = read_candidates(data_dir) + [
        {
            "source": item.source.name,
            "page": item.filename,
            "title": item.title,
            "published": item.page.date if item.page else "",
            "change_note": item.page.note if item.page else "",
            "url": item.url,
        }
    ]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CANDIDATE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = candidates_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda tmp: tmp.write_text(text.getvalue(), encoding="utf-8"))
    return Outcome(
        item.source.name,
        item.title,
        "candidate event",
        f"{_public(item)}; listed in {path} for a person to confirm into events.csv",
    )


def update_from_folder(
    folder: Path,
    sources: Iterable[Source],
    archives: Iterable[Archive],
    data_dir: Path,
    dry_run: bool = False,
    progress: Progress = iter,
    accept_outliers: bool = False,
) -> list[Outcome]:
    """Take in a folder of files an analyst downloaded: each matched to a source by its
    name (and its title in a saved Content API response in the folder, which also dates
    it; without one, the releases.toml rules date it); and the archive files it holds
    (riskwatch.data.ingest.archives.take_archives). `dry_run` lists what it would take."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RiskwatchError("folder not found", file=folder, field="--from")
    sources, archives = list(sources), list(archives)
    saved = _saved_attachments(folder, sources)
    at_top = claimed_at_top(archives)
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() != ".json" and p.name not in at_top
    )
    matched = [(path, saved.get(path.name) or _found_by_name(path, sources)) for path in files]
    outcomes = [
        Outcome("-", path.name, "refused", "matches no source in configs/sources.toml")
        for path, item in matched
        if item is None
    ]
    found = {item.url: path for path, item in matched if item is not None}
    new, held = plan([item for path, item in matched if item is not None], data_dir)
    outcomes += held
    downloads = downloads_folder(data_dir)
    if dry_run:
        return (
            outcomes
            + [Outcome(i.source.name, i.filename, "would take", why_fetch(i)) for i in new]
            + take_archives(folder, archives, downloads, dry_run=True)
        )
    with exclusive_lock(downloads, "downloads"):
        for item in progress(new):
            target = _free_name(downloads / item.source.folder / item.filename)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, lambda tmp, source=found[item.url]: shutil.copyfile(source, tmp))
            outcomes.append(take(item, target, file_sha256(target), data_dir, accept_outliers))
        outcomes += take_archives(folder, archives, downloads)
        write_provenance(data_dir)
    return outcomes


def write_provenance(data_dir: Path) -> None:
    """PROVENANCE.md beside the downloaded files (once there are any): where each came from."""
    folder = downloads_folder(data_dir)
    if folder.is_dir():
        text = provenance_markdown(load_catalogue(), load_archives())
        write_atomic(folder / "PROVENANCE.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _saved_attachments(folder: Path, sources: list[Source]) -> dict[str, Found]:
    """Attachments described by the saved Content API responses in a folder, by file name."""
    found: dict[str, Found] = {}
    for saved in sorted(folder.glob("*.json")):
        try:
            item = json.loads(saved.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            item = None
        if not isinstance(item, dict):
            raise RiskwatchError("not a saved Content API response (JSON)", file=saved)
        for source in sources:
            for attachment in page_files(item, source):
                found.setdefault(attachment.filename, attachment)
    return found


def _found_by_name(path: Path, sources: list[Source]) -> Found | None:
    """A file with no saved page: matched by its name alone and dated by the rules."""
    for source in sources:
        if source.claims(path.name, None):
            return Found(source, None, path.name, f"file:{path.name}", path.name, None)
    return None
