"""The portal in a real browser: Debian's Chromium, headless, driven by Playwright, against
the local server this script starts on a fresh data folder.

Public flows: browse the agencies, open an agency, search (with the keyboard alone) and see
a highlighted match, open a record, download its document and compare the bytes. Leaks: a
draft is not found and its address answers as missing. Every page: axe-core finds no WCAG
2.1 A/AA violation, the Content-Security-Policy reports nothing, and the page makes no
request it does not need. Screenshots go to docs/screenshots/, sizes to the report.

    .venv-browser/bin/python tests/browser/portal.py target/debug/dossier-local
"""

import base64
import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web/node_modules/axe-core/axe.min.js"
SCREENSHOTS = ROOT / "docs/screenshots"
DOCUMENT = b"Minutes of 3 March 2026: the oak trees on Elm Street will be trimmed.\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`dossier-local serve` on a free port and a fresh data folder."""

    def __init__(self, binary):
        self.binary = binary
        self.data = tempfile.mkdtemp(prefix="dossier-portal-", dir=ROOT / "target")
        self.base = f"http://127.0.0.1:{free_port()}"
        port = self.base.rsplit(":", 1)[1]
        self.log = open(Path(self.data) / "server.log", "wb")
        self.process = subprocess.Popen(
            [binary, "serve", "--data", self.data, "--port", port],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"the local server did not start: see {self.log.name}")
                time.sleep(0.05)

    def token(self, sub, agency, role):
        return subprocess.run(
            [self.binary, "token", "--data", self.data, "--sub", sub, "--agency", agency, "--roles", role],
            check=True, capture_output=True, text=True,
        ).stdout.strip()

    def call(self, method, path, token=None, body=None, headers=None, expect=(200, 201, 204)):
        request = urllib.request.Request(self.base + path if path.startswith("/") else path, method=method)
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            if not isinstance(body, bytes):
                request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, data) as response:
                status, answer, etag = response.status, response.read(), response.headers.get("etag")
        except urllib.error.HTTPError as error:
            status, answer, etag = error.code, error.read(), None
        assert status in expect, f"{method} {path}: {status} {answer[:300]!r}"
        return (json.loads(answer) if answer else None), etag

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def seed(server):
    """An agency with a published record and its document, and a draft."""
    officer = server.token("olga", "parks", "officer")
    clerk = server.token("clara", "parks", "clerk")
    server.call("PUT", "/agency", officer, {
        "name": "Parks Department", "description": "Parks, trees and open spaces of the city.",
        "contact_email": "records@parks.example.gov", "website": "https://parks.example.gov",
        "timezone": "America/Chicago"})
    record, _ = server.call("POST", "/records", clerk, {
        "title": "Tree trimming permit for Elm Street", "classification": "public",
        "description": "Permit to trim the oak trees along Elm Street.", "tags": ["permits", "trees"]})
    rid = record["id"]
    sha = base64.b64encode(hashlib.sha256(DOCUMENT).digest()).decode()
    announced, _ = server.call("POST", f"/records/{rid}/documents", clerk, {
        "filename": "minutes-2026-03-03.txt", "content_type": "text/plain",
        "size": len(DOCUMENT), "sha256": sha})
    upload = announced["upload"]
    server.call("PUT", upload["url"], body=DOCUMENT, headers=upload["headers"])
    _, etag = server.call("GET", f"/records/{rid}", clerk)
    server.call("PATCH", f"/records/{rid}", officer, {"status": "published"}, {"if-match": etag})
    draft, _ = server.call("POST", "/records", clerk, {
        "title": "Draft permit for Oak Lane", "classification": "public", "tags": ["permits"]})
    return rid, draft["id"]


class Page:
    """One browser tab that records what it requested and what the CSP refused."""

    def __init__(self, context, base):
        self.page = context.new_page()
        self.base = base
        self.requests = []
        self.violations = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.violations.append(m.text)
                     if "Content Security Policy" in m.text else None)

    def open(self, path):
        self.requests.clear()
        self.page.goto(self.base + path)
        self.page.wait_for_selector("main[aria-busy=false]")
        return self.page


def check_accessible(context, base, path, name):
    """axe-core on `path` (in a context allowed to inject it), and a screenshot."""
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_selector("main[aria-busy=false]")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    violations = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]
    assert not violations, f"{path}: {violations}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    assert not result["violations"], f"{path} on a phone: {result['violations']}"
    page.close()
    return len(result["passes"])


def main(binary):
    server = Server(binary)
    report = {}
    try:
        rid, draft = seed(server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            strict = browser.new_context(accept_downloads=True)
            tab = Page(strict, server.base)

            # Browse: the agencies, then one agency and its latest records.
            page = tab.open("/")
            assert page.title() == "Agencies · Dossier", page.title()
            with page.expect_navigation():
                page.get_by_role("link", name="Parks Department").click()
            page.wait_for_selector("main[aria-busy=false]")
            assert page.url == f"{server.base}/agencies/parks"
            assert page.get_by_role("link", name="Tree trimming permit for Elm Street").is_visible()
            assert page.get_by_text("Draft permit for Oak Lane").count() == 0, "a draft is listed"

            # Search with the keyboard alone: the search box is reachable by Tab.
            for _ in range(30):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.id") == "search-q":
                    break
            else:
                raise AssertionError("Tab never reached the search box")
            started = time.perf_counter()
            page.keyboard.type("oak trees")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.wait_for_selector("main[aria-busy=false] mark")
            report["search_ms"] = round((time.perf_counter() - started) * 1000)
            assert page.url.startswith(f"{server.base}/agencies/parks/search?q=oak+trees")
            marks = page.locator("mark").all_inner_texts()
            assert "oak" in [m.lower() for m in marks], marks
            assert page.get_by_role("status").inner_text() == "1 record found"
            # A query the language refuses is explained, not an error page.
            page = tab.open("/agencies/parks/search?q=%22unclosed")
            assert page.get_by_role("alert").is_visible()
            # A draft is never found.
            page = tab.open("/agencies/parks/search?q=oak+lane")
            assert page.get_by_role("status").inner_text() == "0 records found"

            # A record, its document downloaded and compared.
            page = tab.open(f"/agencies/parks/records/{rid}")
            assert page.get_by_role("heading", level=1).inner_text() == "Tree trimming permit for Elm Street"
            expected = {f"/agencies/parks/records/{rid}", "/app.js", "/app.css", "/public/agencies/parks",
                        f"/public/agencies/parks/records/{rid}"}
            requested = [u[len(server.base):] if u.startswith(server.base) else u for u in tab.requests]
            assert sorted(requested) == sorted(expected), f"requests: {requested}"
            with page.expect_download() as download:
                page.get_by_role("link", name="minutes-2026-03-03.txt").click()
            assert Path(download.value.path()).read_bytes() == DOCUMENT, "the downloaded bytes differ"

            # A draft's address answers as missing.
            page = tab.open(f"/agencies/parks/records/{draft}")
            assert page.get_by_role("heading", level=1).inner_text() == "Not found"
            page = tab.open("/agencies/nowhere")
            assert page.get_by_role("heading", level=1).inner_text() == "Not found"
            assert not tab.violations, f"the Content-Security-Policy refused: {tab.violations}"

            # Accessibility of every page, on a desktop and a phone, with screenshots.
            axe = browser.new_context(bypass_csp=True)
            pages = {
                "agencies": "/",
                "agency": "/agencies/parks",
                "search": "/agencies/parks/search?q=oak+trees",
                "record": f"/agencies/parks/records/{rid}",
                "not-found": "/agencies/nowhere",
            }
            report["axe_rules_passed"] = {name: check_accessible(axe, server.base, path, name)
                                          for name, path in pages.items()}
            browser.close()

        # Transfer size of the portal: page, script and style, compressed.
        sizes = {name: len(gzip.compress((ROOT / "web" / name).read_bytes(), 9))
                 for name in ["index.html", "app.js", "app.css"]}
        report["transfer_bytes_gzip"] = sizes
        total = sum(sizes.values())
        assert total < 100_000, f"the portal is {total} bytes compressed"
        print("portal:", json.dumps(report))
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/dossier-local"))
