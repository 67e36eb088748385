"""A stand-in for GOV.UK on 127.0.0.1: replays recorded Content API responses and serves files.

riskwatch reaches it through RISKWATCH_GOVUK_MIRROR: a GOV.UK address https://HOST/PATH is
requested as MIRROR/HOST/PATH. Pages are the JSON files of tests/data/govuk (routed by their
`base_path`); attachments are files from ../shared/data or made by a test, routed by their
GOV.UK address. A file can be cut short once (to test a resumed download) and an address can
redirect elsewhere.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from conftest import TEST_DATA

PAGES = TEST_DATA / "govuk"
API = "/www.gov.uk/api/content"


class Replay:
    """The replayed site: `pages` by GOV.UK path, `files` by GOV.UK address, and what was asked."""

    def __init__(self) -> None:
        self.pages: dict[str, dict] = {}
        for saved in sorted(PAGES.glob("*.json")):
            page = json.loads(saved.read_text(encoding="utf-8"))
            self.pages[page["base_path"]] = page
        self.files: dict[str, Path] = {}
        self.cut_short_once: set[str] = set()
        self.redirects: dict[str, str] = {}
        self.requests: list[tuple[str, str | None]] = []  # (address, Range header)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def page(self, path: str) -> dict:
        return self.pages[path]

    def serve(self, address: str, path: Path) -> None:
        self.files[address] = Path(path)

    def __enter__(self) -> Replay:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            address = "https:/" + self.path  # /HOST/PATH -> https://HOST/PATH
            replay.requests.append((address, self.headers.get("Range")))
            if address in replay.redirects:
                self.send_response(302)
                self.send_header("Location", replay.redirects[address])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path.startswith(API) and urlsplit(self.path).path[len(API) :] in replay.pages:
                body = json.dumps(replay.pages[self.path[len(API) :]]).encode()
                self._send(200, body, "application/json")
            elif address in replay.files:
                self._send_file(address, replay.files[address].read_bytes())
            else:
                self._send(404, b"Not found", "text/plain")

        def _send_file(self, address: str, body: bytes) -> None:
            wanted = self.headers.get("Range")
            start = int(wanted.split("=")[1].split("-")[0]) if wanted else 0
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            if address in replay.cut_short_once:
                replay.cut_short_once.discard(address)
                self.wfile.write(body[start : start + (len(body) - start) // 2])
                self.close_connection = True
                return
            self.wfile.write(body[start:])

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
