"""The source catalogue (configs/sources.toml): which GOV.UK pages hold each official table,
which of their attachments are its files, and how riskwatch reads them; and, for every
other file `riskwatch data build` reads, the fixed address it is fetched from (only from
its declared hosts) or why it cannot be fetched.

`riskwatch data update` walks it; the shipped provenance is generated from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from riskwatch.errors import RiskwatchError
from riskwatch.settings import config_file

CATALOGUE_FILE = "configs/sources.toml"


@dataclass(frozen=True)
class Source:
    """One official table: where it is published and how its files are recognised and read."""

    name: str
    title: str
    publisher: str
    licence: str
    holds: str
    pages: tuple[str, ...]
    documents: str  # regular expression over a collection document's title
    files: str | None  # regular expression over an attachment's file name
    titles: str | None  # regular expression over an attachment's title
    read_by: str  # "ingest" or "candidate_events"
    reader: str  # the module of riskwatch/data that reads its files
    folder: str | None  # where its files are kept in the download folder (none: events)

    def opens_document(self, title: str) -> bool:
        """Whether a collection's document (by its title) may hold this source's files."""
        return re.search(self.documents, title) is not None

    def claims(self, filename: str, title: str | None) -> bool:
        """Whether an attachment is one of this source's files: its file name and its title
        (when there is one: a file in a folder has none) match what the catalogue declares."""
        if self.files is None:
            return False
        by_title = title is None or self.titles is None or re.search(self.titles, title)
        return re.search(self.files, filename) is not None and by_title


def _described(entry: dict) -> dict[str, str]:
    """What every catalogue entry says of itself: title, publisher, licence, what it holds."""
    return {key: entry[key] for key in ("title", "publisher", "licence", "holds")}


@cache
def load_catalogue() -> tuple[Source, ...]:
    """Every source of configs/sources.toml, checked once: a source whose files are read
    must say which attachments they are and where they are kept."""
    sources = []
    for name, entry in config_file("sources.toml")["source"].items():
        for key in ("files", "folder"):
            if entry["read_by"] != "candidate_events" and key not in entry:
                raise RiskwatchError(
                    f"source {name} is read by '{entry['read_by']}' but has no {key}",
                    file=CATALOGUE_FILE,
                    field=f"source.{name}.{key}",
                )
        sources.append(
            Source(
                name=name,
                **_described(entry),
                pages=tuple(entry["pages"]),
                documents=entry["documents"],
                files=entry.get("files"),
                titles=entry.get("titles"),
                read_by=entry["read_by"],
                reader=entry["reader"],
                folder=entry.get("folder"),
            )
        )
    return tuple(sources)


@dataclass(frozen=True)
class Archive:
    """Files `data build` reads that no GOV.UK page offers: each kept at `folder/<file>` of the
    download folder, fetched from its address in `urls` or else `address` + its name (only
    from `hosts`), or, where `not_downloadable` says why, taken from a folder the user gives."""

    name: str
    title: str
    publisher: str
    licence: str
    holds: str
    page: str  # where a person can see the files
    folder: str  # "" for the top of the download folder
    files: tuple[str, ...]
    address: str | None
    urls: Mapping[str, str]
    hosts: tuple[str, ...]
    not_downloadable: str | None

    def url(self, filename: str) -> str:
        """The address a file is fetched from."""
        return self.urls.get(filename) or f"{self.address}{quote(filename)}"

    def path(self, filename: str) -> str:
        """Where a file is kept in the download folder (the path `data build` reads)."""
        return str(PurePosixPath(self.folder, filename))


@cache
def load_archives() -> tuple[Archive, ...]:
    """Every archive of configs/sources.toml, checked once: each is fetched from an address
    on its declared hosts or says why it cannot be fetched, never both."""
    archives = []
    for name, entry in config_file("sources.toml").get("archive", {}).items():
        address, urls = entry.get("address"), dict(entry.get("urls", {}))
        hosts, files = tuple(entry.get("hosts", ())), entry["files"]
        fetched = address is not None or len(urls) > 0
        if fetched == ("not_downloadable" in entry):
            raise RiskwatchError(
                f"archive {name} needs an address or urls (with hosts), or not_downloadable",
                file=CATALOGUE_FILE,
                field=f"archive.{name}",
            )
        unknown = [key for key in urls if key not in files]
        unaddressed = [] if address or not fetched else [f for f in files if f not in urls]
        off_hosts = [
            url
            for url in ([address] if address else []) + list(urls.values())
            if urlsplit(url).scheme != "https" or urlsplit(url).hostname not in hosts
        ]
        for problem, found in (
            ("has an address for a file it does not list", unknown),
            ("has no address for", unaddressed),
            (f"has an address off its hosts ({', '.join(hosts)})", off_hosts),
        ):
            if found:
                raise RiskwatchError(
                    f"archive {name} {problem}: {found[0]}",
                    file=CATALOGUE_FILE,
                    field=f"archive.{name}",
                )
        archives.append(
            Archive(
                name=name,
                **_described(entry),
                page=entry["page"],
                folder=entry["folder"],
                files=tuple(entry["files"]),
                address=address,
                urls=urls,
                hosts=hosts,
                not_downloadable=entry.get("not_downloadable"),
            )
        )
    return tuple(archives)


def select_sources(names: list[str] | None) -> tuple[tuple[Source, ...], tuple[Archive, ...]]:
    """The sources and archives a user named (`--source`), or all of them; an unknown name
    is refused."""
    sources, archives = load_catalogue(), load_archives()
    if not names:
        return sources, archives
    known = {entry.name.upper(): entry for entry in (*sources, *archives)}
    unknown = [name for name in names if name.upper() not in known]
    if unknown:
        raise RiskwatchError(
            f"unknown source '{unknown[0]}' (known: {', '.join(known)})", field="--source"
        )
    chosen = [known[name] for name in dict.fromkeys(name.upper() for name in names)]
    return (
        tuple(entry for entry in chosen if isinstance(entry, Source)),
        tuple(entry for entry in chosen if isinstance(entry, Archive)),
    )
