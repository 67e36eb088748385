"""Discovery on GOV.UK: the files each catalogued source's pages offer, with the date each
became public.

A source's page is a collection (its linked documents are opened when their title matches
the catalogue's pattern) or a publication; a publication's attachments are the source's
files when their file name and title match. A file is dated by its page's change history:
the latest entry (the one that introduced a republished file) once the page has been
updated, else its first publication; a page without dates leaves the file to the
configs/releases.toml rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from riskwatch.data.ingest.catalogue import Source
from riskwatch.data.ingest.govuk import GovukClient, Unavailable
from riskwatch.data.store.vintages import PagePublication


@dataclass(frozen=True)
class Found:
    """A file a source's page offers (for candidate events: the page itself)."""

    source: Source
    page: PagePublication | None  # None: a file from a folder with no saved page
    title: str
    url: str
    filename: str
    file_size: int | None


@dataclass(frozen=True)
class Outcome:
    """What the update did, or would do, with one release."""

    source: str
    name: str
    status: str  # added, already held, downloaded, candidate event, would fetch, refused
    detail: str


def page_publication(item: dict) -> PagePublication | None:
    """The date a page's current files became public: its change history's latest entry
    (the one that introduced a republished file), or its first publication; None for a page
    that states no date."""
    path = str(item.get("base_path", ""))
    history = sorted(
        (entry for entry in _list(_details(item), "change_history") if _dated(entry)),
        key=lambda entry: entry["public_timestamp"],
    )
    stated = {
        key: item[key] if _is_date(item.get(key)) else None
        for key in ("first_published_at", "public_updated_at")
    }
    if len(history) > 1:
        latest = history[-1]
        date, note = latest["public_timestamp"][:10], str(latest.get("note", ""))
        return PagePublication(date, path, note, **stated)
    first = stated["first_published_at"] or stated["public_updated_at"]
    if first is None:
        return None
    return PagePublication(first[:10], path, "first published", **stated)


def page_files(item: dict, source: Source) -> list[Found]:
    """The attachments of a page that the source claims (for candidate events, the page)."""
    page = page_publication(item)
    if source.read_by == "candidate_events":
        path = str(item.get("base_path", ""))
        title = str(item.get("title", ""))
        return [Found(source, page, title, f"https://www.gov.uk{path}", path, None)]
    found = []
    for attachment in _list(_details(item), "attachments"):
        url = str(attachment.get("url", ""))
        filename = str(attachment.get("filename") or PurePosixPath(urlsplit(url).path).name)
        title = str(attachment.get("title", ""))
        size = attachment.get("file_size")
        if url and source.claims(filename, title):
            size = size if isinstance(size, int) and not isinstance(size, bool) else None
            found.append(Found(source, page, title, url, filename, size))
    return found


def discover(
    client: GovukClient, sources: Iterable[Source], since: str | None
) -> tuple[list[Found], list[Outcome]]:
    """Every file the sources' pages offer (pages dated on or after `since`, or undated), and
    a refusal for each page GOV.UK did not give."""
    found: list[Found] = []
    refused: list[Outcome] = []
    for source in sources:
        for page in _pages(client, source, refused):
            published = page_publication(page)
            if since is None or published is None or published.date >= since:
                found.extend(page_files(page, source))
    return found, refused


def _pages(client: GovukClient, source: Source, refused: list[Outcome]) -> list[dict]:
    """A source's pages: each catalogued page, or the documents of a collection it opens
    (by title); a page GOV.UK does not give is added to `refused`."""
    pages = []
    for path in source.pages:
        try:
            item = client.content(path)
        except Unavailable as reason:
            refused.append(Outcome(source.name, path, "refused", str(reason)))
            continue
        links = item.get("links") if isinstance(item.get("links"), dict) else {}
        if "documents" not in links:
            pages.append(item)
            continue
        for document in _list(links, "documents"):
            base_path = document.get("base_path")
            if isinstance(base_path, str) and source.opens_document(str(document.get("title"))):
                try:
                    pages.append(client.content(base_path))
                except Unavailable as reason:
                    refused.append(Outcome(source.name, base_path, "refused", str(reason)))
    return pages


def _details(item: dict) -> dict:
    details = item.get("details")
    return details if isinstance(details, dict) else {}


def _list(table: dict, key: str) -> list[dict]:
    """The tables listed under `key` (a Content API array), skipping anything else."""
    values = table.get(key)
    return (
        [value for value in values if isinstance(value, dict)] if isinstance(values, list) else []
    )


def _dated(entry: dict) -> bool:
    return _is_date(entry.get("public_timestamp"))


def _is_date(value: object) -> bool:
    return isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value) is not None
