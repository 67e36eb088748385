"""The provenance of every official source, written from the source catalogue.

It ships with the package (the catalogue is package data), so a user outside this
repository's workspace can see where each table comes from, under which licence, what it
holds and how riskwatch reads it: `riskwatch data sources`, and the PROVENANCE.md that
`riskwatch data update` writes beside the files it downloads.
"""

from __future__ import annotations

from riskwatch.data.catalogue import Source

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
HOW_READ = {
    "ingest": "validated and added to your data directory by `riskwatch data update` and "
    "`riskwatch data ingest` (the checks of `data ingest`), dated by its GOV.UK page",
    "build": "kept in the download folder and read by `riskwatch data build --source`",
    "candidate_events": "listed in candidate-events.csv for a person to confirm into "
    "events.csv; never a label by itself",
}


def provenance_markdown(sources: tuple[Source, ...]) -> str:
    """A Markdown page: one section per source (publisher, pages, licence, what it holds,
    which files, how they are read)."""
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
        lines.append(f"- Read by: riskwatch/data/{source.reader}.py; {HOW_READ[source.read_by]}")
        if source.folder is not None:
            lines.append(f"- Kept in: `downloads/{source.folder}/` of your data directory")
        lines.append("")
    return "\n".join(lines)
