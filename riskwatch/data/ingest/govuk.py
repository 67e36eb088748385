"""GOV.UK's Content API and its attachments: read a page as JSON, download a file safely.

Only GOV.UK's own hosts are ever contacted (a redirect elsewhere is refused), or, for a file
the catalogue fetches from a fixed address elsewhere, only that source's declared hosts;
proxies come
from the standard environment variables (urllib's default). A download is streamed, capped
in size, resumed with an HTTP Range request after an interruption, checksummed (SHA-256),
and appears at its target only once complete (a partial file waits in a separate folder).

`RISKWATCH_GOVUK_MIRROR` (for example http://127.0.0.1:8000) fetches every address from a
mirror instead, at MIRROR/HOST/PATH: an internal copy of the sites, or the replay server of
the tests. The host allow-list still applies to the address itself.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from riskwatch.data.store.release_store import file_sha256
from riskwatch.errors import RiskwatchError
from riskwatch.units import file_size

GOVUK_HOSTS = ("www.gov.uk", "assets.publishing.service.gov.uk")
CONTENT_API = "https://www.gov.uk/api/content"
MIRROR_VARIABLE = "RISKWATCH_GOVUK_MIRROR"
CHUNK_BYTES = 64 * 1024
MAX_PAGE_BYTES = 8 * 2**20  # a Content API item is tens of kilobytes
TIMEOUT_SECONDS = 60


class Unavailable(Exception):
    """A page or file GOV.UK did not give (not found, refused, cut short, too large): the
    release is reported as refused and the update goes on with the others."""


class RangeNotSatisfiable(Unavailable):
    """HTTP 416: the server cannot resume from the bytes held (the file has changed)."""


@dataclass(frozen=True)
class Downloaded:
    """A file fetched whole: where it is, its size and its SHA-256."""

    path: Path
    size: int
    sha256: str


def partial_path(downloads: Path, url: str) -> Path:
    """Where a download of `url` into the folder `downloads` waits until it is complete (a
    name of its own per address, so an interrupted download resumes)."""
    return downloads / ".partial" / f"{hashlib.sha256(url.encode()).hexdigest()[:20]}.part"


def check_url(url: str, hosts: tuple[str, ...] = GOVUK_HOSTS) -> None:
    """Refuse any address that is not https on one of `hosts` (by default GOV.UK's)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in hosts:
        where = "GOV.UK" if hosts == GOVUK_HOSTS else "its source's declared hosts"
        raise Unavailable(f"refused {url}: not on {where} ({', '.join(hosts)})")


class GovukClient:
    """Reads GOV.UK (or its mirror) through one opener that checks every redirect."""

    def __init__(self, mirror: str | None = None) -> None:
        chosen = mirror if mirror is not None else os.environ.get(MIRROR_VARIABLE, "")
        self.mirror = chosen.rstrip("/")
        self._opener = urllib.request.build_opener(_GovukRedirects(self))
        self._pages: dict[str, dict] = {}  # a page two sources share is read once

    def fetch_url(self, url: str) -> str:
        """The address actually requested for a GOV.UK address (itself, or on the mirror)."""
        if not self.mirror:
            return url
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.mirror}/{parts.hostname}{parts.path}{query}"

    def govuk_url(self, fetched: str) -> str:
        """The GOV.UK address a requested address stands for (undoing the mirror)."""
        if self.mirror and fetched.startswith(f"{self.mirror}/"):
            return "https://" + fetched[len(self.mirror) + 1 :]
        return fetched

    def content(self, path: str) -> dict:
        """A page's Content API item (publication, statistical data set, collection)."""
        if path not in self._pages:
            url = f"{CONTENT_API}{path}"
            with self._open(url) as response:
                body = response.read(MAX_PAGE_BYTES + 1)
            if len(body) > MAX_PAGE_BYTES:
                raise Unavailable(f"{url} is over the {file_size(MAX_PAGE_BYTES)} a page may be")
            try:
                item = json.loads(body)
            except ValueError:
                item = None
            if not isinstance(item, dict):
                raise Unavailable(f"{url} did not return a Content API item (a JSON object)")
            self._pages[path] = item
        return self._pages[path]

    def download(
        self,
        url: str,
        target: Path,
        partial: Path,
        cap: int,
        hosts: tuple[str, ...] = GOVUK_HOSTS,
    ) -> Downloaded:
        """Fetch `url` to `target` through `partial`, resuming what `partial` already holds;
        `url` and any redirect must be on `hosts`.

        Refused (Unavailable) when the file is larger than `cap` bytes (the partial file is
        deleted) or arrives shorter than announced (kept, to resume next time)."""
        partial.parent.mkdir(parents=True, exist_ok=True)
        held = partial.stat().st_size if partial.exists() else 0
        headers = {"Range": f"bytes={held}-"} if held else {}
        try:
            response = self._open(url, headers, hosts)
        except RangeNotSatisfiable:  # the partial file is no prefix of this file: start again
            partial.unlink()
            held, response = 0, self._open(url, hosts=hosts)
        with response:
            resumed = held > 0 and response.status == 206
            start = held if resumed else 0
            announced = response.headers.get("Content-Length")
            expected = start + int(announced) if announced and announced.isdigit() else None
            if expected is not None and expected > cap:
                partial.unlink(missing_ok=True)
                raise Unavailable(
                    f"{url} is {file_size(expected)}, over the {file_size(cap)} limit"
                )
            size = _stream(response, partial, start, cap, url)
        if expected is not None and size < expected:
            raise Unavailable(
                f"{url} was cut short ({size:,} of {expected:,} bytes); run the update again "
                "to resume"
            )
        digest = file_sha256(partial)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
        return Downloaded(target, size, digest)

    def _open(
        self, url: str, headers: dict[str, str] | None = None, hosts: tuple[str, ...] = GOVUK_HOSTS
    ):
        check_url(url, hosts)
        request = urllib.request.Request(
            self.fetch_url(url), headers={"User-Agent": "riskwatch", **(headers or {})}
        )
        request.allowed_hosts = hosts  # read by the redirect handler
        try:
            return self._opener.open(request, timeout=TIMEOUT_SECONDS)
        except urllib.error.HTTPError as error:
            if error.code == 416:
                raise RangeNotSatisfiable(url) from None
            raise Unavailable(f"{url}: HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            through = f" (through {self.mirror})" if self.mirror else ""
            host = "www.gov.uk" if hosts == GOVUK_HOSTS else urlsplit(url).hostname
            raise RiskwatchError(f"cannot reach {host}{through}: {reason}") from None


class _GovukRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an address on the request's allowed hosts (GOV.UK's, or a
    source's declared ones), through the mirror if one is set."""

    def __init__(self, client: GovukClient) -> None:
        self.client = client

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        hosts = getattr(req, "allowed_hosts", GOVUK_HOSTS)
        target = self.client.govuk_url(newurl)
        check_url(target, hosts)
        follow = super().redirect_request(
            req, fp, code, msg, headers, self.client.fetch_url(target)
        )
        if follow is not None:
            follow.allowed_hosts = hosts
        return follow


def _stream(response, partial: Path, start: int, cap: int, url: str) -> int:
    """Append the response body to `partial` (or write it afresh from 0); its final size."""
    size = start
    try:
        with open(partial, "ab" if start else "wb") as out:
            while chunk := response.read(CHUNK_BYTES):
                size += len(chunk)
                if size > cap:
                    out.close()
                    partial.unlink(missing_ok=True)
                    raise Unavailable(f"{url} is over the {file_size(cap)} limit")
                out.write(chunk)
    except (http.client.IncompleteRead, TimeoutError, ConnectionError) as error:
        raise Unavailable(
            f"{url} was cut short ({error.__class__.__name__}); run the update again to resume"
        ) from None
    return size
