"""Data layer: the reader kit (`kit`), one module per source (`sources`), adding releases
(`ingest`), checks (`check`) and where tables live (`store`); `build` assembles the tables."""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

# Modules that moved when riskwatch/data/ was laid out by kind, by their old names under
# riskwatch.data: the old import paths still work, with a DeprecationWarning, for one release.
MOVED = {
    "opening": "kit.opening",
    "workbook": "kit.workbook",
    "cells": "kit.cells",
    "authority_index": "kit.authority_index",
    "service_frames": "kit.panel_rows",
    "revenue": "sources.revenue",
    "revenue_lines": "sources.revenue_lines",
    "capital": "sources.capital",
    "borrowing": "sources.borrowing",
    "compiled": "sources.compiled",
    "council_tax": "sources.council_tax",
    "spending_power": "sources.spending_power",
    "schools": "sources.schools",
    "ofsted": "sources.ofsted",
    "dfe_social_care": "sources.dfe_social_care",
    "oflog_adult_social_care": "sources.oflog_adult_social_care",
    "defra_recycling": "sources.defra_recycling",
    "homelessness": "sources.homelessness",
    "housing_spending": "sources.housing_spending",
    "context": "sources.context",
    "events": "sources.events",
    "geography": "sources.geography",
    "ingest_compiled": "ingest.compiled",
    "ingest_result": "ingest.result",
    "update": "ingest.update",
    "ingest_source": "ingest.table_release",
    "archives": "ingest.archives",
    "discovery": "ingest.discovery",
    "govuk": "ingest.govuk",
    "catalogue": "ingest.catalogue",
    "provenance": "ingest.provenance",
    "check_compiled": "check.compiled",
    "check_verification": "check.verification",
    "plausibility": "check.plausibility",
    "definition_breaks": "check.definition_breaks",
    "vintages": "store.vintages",
    "store.tables": "store",  # split into table_store, release_store, frame_cache, riskwatch.atomic
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers an import of a moved module's old name with the module at its new place."""

    def find_spec(self, fullname, path, target=None):
        if _old_name(fullname) in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = f"{__name__}.{MOVED[_old_name(spec.name)]}"
        warnings.warn(f"{spec.name} has moved to {new}", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(new)
        spec.loader_state = module.__spec__  # the import machinery sets the old name's spec
        return module

    def exec_module(self, module):
        """The module was executed at its new place: it keeps the spec of that place."""
        module.__spec__ = module.__spec__.loader_state


def _old_name(fullname: str) -> str:
    """A module's name under riskwatch.data ("store.tables"), or "" for one outside it."""
    prefix = f"{__name__}."
    return fullname[len(prefix) :] if fullname.startswith(prefix) else ""


sys.meta_path.append(_MovedModules())
