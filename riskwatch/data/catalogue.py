"""The source catalogue (configs/sources.toml): which GOV.UK pages hold each official table,
which of their attachments are its files, and how riskwatch reads them.

`riskwatch data update` walks it; the shipped provenance is generated from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

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
    read_by: str  # "ingest", "build" or "candidate_events"
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
                title=entry["title"],
                publisher=entry["publisher"],
                licence=entry["licence"],
                holds=entry["holds"],
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


def select_sources(names: list[str] | None) -> tuple[Source, ...]:
    """The sources a user named (`--source`), or all of them; an unknown name is refused."""
    catalogue = load_catalogue()
    if not names:
        return catalogue
    known = {source.name.upper(): source for source in catalogue}
    unknown = [name for name in names if name.upper() not in known]
    if unknown:
        raise RiskwatchError(
            f"unknown source '{unknown[0]}' (known: {', '.join(known)})", field="--source"
        )
    return tuple(known[name] for name in dict.fromkeys(name.upper() for name in names))
