"""The files `riskwatch data build` reads that no GOV.UK page offers (configs/sources.toml,
`[archive.*]`): fetched from their fixed addresses, only from each archive's declared hosts,
or, where a file cannot be fetched (a person's cross-checked list, a hand transcription),
taken from a folder the user gives (`data update --from FOLDER`).

Each file is kept at the path `data build` reads it from (`downloads/<folder>/<file>`), so
`riskwatch data build --source <data dir>/downloads` rebuilds the embedded tables. A file is
fetched once: one held at its path is "already held".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from riskwatch.atomic import write_atomic
from riskwatch.data.ingest.catalogue import Archive
from riskwatch.data.ingest.discovery import Outcome
from riskwatch.data.ingest.govuk import GovukClient, Unavailable, partial_path
from riskwatch.data.ingest.release import MAX_RELEASE_BYTES

Progress = Callable[[Iterable], Iterable]
WITH_FROM = "take it with `riskwatch data update --from FOLDER`"


def archive_files(archives: Iterable[Archive]) -> list[tuple[Archive, str]]:
    """Every (archive, file name) pair, in catalogue order."""
    return [(archive, name) for archive in archives for name in archive.files]


def fetch_archives(
    client: GovukClient,
    archives: Iterable[Archive],
    downloads: Path,
    dry_run: bool = False,
    progress: Progress = iter,
) -> list[Outcome]:
    """Fetch every archive file not yet held (or, on a dry run, say which it would); one
    outcome each: already held, would fetch, downloaded, not downloadable or refused."""
    outcomes, wanted = [], []
    for archive, name in archive_files(archives):
        if (downloads / archive.path(name)).exists():
            outcomes.append(Outcome(archive.name, name, "already held", archive.path(name)))
        elif archive.not_downloadable is not None:
            detail = f"{archive.not_downloadable}; {WITH_FROM}"
            outcomes.append(Outcome(archive.name, name, "not downloadable", detail))
        elif dry_run:
            outcomes.append(Outcome(archive.name, name, "would fetch", archive.url(name)))
        else:
            wanted.append((archive, name))
    for archive, name in progress(wanted):
        outcomes.append(_fetch(client, archive, name, downloads))
    return outcomes


def _fetch(client: GovukClient, archive: Archive, name: str, downloads: Path) -> Outcome:
    url = archive.url(name)
    partial = partial_path(downloads, url)
    try:
        client.download(
            url, downloads / archive.path(name), partial, MAX_RELEASE_BYTES, archive.hosts
        )
    except Unavailable as reason:
        return Outcome(archive.name, name, "refused", str(reason))
    return Outcome(archive.name, name, "downloaded", f"{url} -> {archive.path(name)}")


def take_archives(
    folder: Path, archives: Iterable[Archive], downloads: Path, dry_run: bool = False
) -> list[Outcome]:
    """Copy every archive file not yet held from `folder`, where it sits at the path `data
    build` reads it from or at the top; a file found in neither is not reported (the folder
    may hold only some)."""
    outcomes = []
    for archive, name in archive_files(archives):
        target = downloads / archive.path(name)
        found = next((p for p in (folder / archive.path(name), folder / name) if p.is_file()), None)
        if found is None:
            continue
        if target.exists():
            outcomes.append(Outcome(archive.name, name, "already held", archive.path(name)))
        elif dry_run:
            outcomes.append(Outcome(archive.name, name, "would take", str(found)))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, lambda tmp, source=found: shutil.copyfile(source, tmp))
            outcomes.append(
                Outcome(archive.name, name, "taken", f"{found} -> {archive.path(name)}")
            )
    return outcomes


def claimed_at_top(archives: Iterable[Archive]) -> set[str]:
    """Names of the archive files kept at the top of the download folder (events.csv): a
    folder given with --from may hold them beside releases to ingest."""
    return {name for archive, name in archive_files(archives) if archive.folder == ""}
