"""The provenance of every official source, written from the source catalogue.

It ships with the package (the catalogue is package data), so a user outside this
repository's workspace can see where each table comes from, under which licence, what it
holds and how riskwatch reads it: `riskwatch data sources`, and the PROVENANCE.md that
`riskwatch data update` writes beside the files it downloads.
"""

from __future__ import annotations

from riskwatch.data.ingest.catalogue import Archive, Source

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
HOW_READ = {
    "ingest": "validated and added to your data directory by `riskwatch data update` and "
    "`riskwatch data ingest` (the checks of `data ingest`), dated by its GOV.UK page, and "
    "kept in the download folder for `riskwatch data build --source`",
    "candidate_events": "listed in candidate-events.csv for a person to confirm into "
    "events.csv; never a label by itself",
}


def provenance_markdown(sources: tuple[Source, ...], archives: tuple[Archive, ...]) -> str:
    """A Markdown page: one section per source (publisher, pages, licence, what it holds,
    which files, how they are read), then one per archive of the other files `data build`
    reads (where each is fetched from, from which hosts only, or why it cannot be)."""
    lines = ["# Data provenance", "", ATTRIBUTION, ""]
    for source in sources:
        pages = ", ".join(f"https://www.gov.uk{page}" for page in source.pages)
        lines += [
            f"## {source.name}: {source.title}",
            "",
            f"- Publisher: {source.publisher}",
            f"- Published at: {pages} (documents whose title matches `{source.documents}`)",
            f"- Licence: {source.licence}",
            f"- Holds: {source.holds}",
        ]
        if source.files is not None:
            lines.append(f"- Files: attachments named like `{source.files}`")
        lines.append(
            f"- Read by: riskwatch/data/sources/{source.reader}.py; {HOW_READ[source.read_by]}"
        )
        if source.folder is not None:
            lines.append(f"- Kept in: `downloads/{source.folder}/` of your data directory")
        lines.append("")
    for archive in archives:
        lines += [
            f"## {archive.name}: {archive.title}",
            "",
            f"- Publisher: {archive.publisher}",
            f"- Published at: {archive.page}",
            f"- Licence: {archive.licence}",
            f"- Holds: {archive.holds}",
            f"- Files: {', '.join(f'`{name}`' for name in archive.files)}",
            (
                f"- Fetched from: {archive.address or ', '.join(archive.urls.values())} "
                f"(only from {', '.join(archive.hosts)})"
                if archive.not_downloadable is None
                else f"- Not downloadable: {archive.not_downloadable}; `riskwatch data "
                "update --from FOLDER` takes it from a folder you give"
            ),
            f"- Kept in: `downloads/{archive.folder or '.'}/` of your data directory, read by "
            "`riskwatch data build --source`",
            "",
        ]
    return "\n".join(lines)
