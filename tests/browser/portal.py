"""The portal in a real browser: Debian's Chromium, headless, driven by Playwright, against
the local server this script starts on a fresh data folder.

Vendored files: web/vendor/ equals the npm package it copies.

Public flows: browse the agencies, open an agency, search (with the keyboard alone) and see
a highlighted match, open a record, download its document and compare the bytes. Leaks: a
draft is not found and its address answers as missing. Every page: axe-core finds no WCAG
2.1 A/AA violation, the Content-Security-Policy reports nothing, and the page makes no
request it does not need. Screenshots go to docs/screenshots/, sizes to the report.

Records requests: ask through the form, keep the tracking link, a clerk asks back and stops
the clock, the requester answers with the link, the clerk closes; the outbox holds each
notice (never the token), the log and the statistics count it.

    .venv-browser/bin/python tests/browser/portal.py target/debug/dossier-local
"""

import base64
import datetime
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

from identity_provider import IdentityProvider
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

    def __init__(self, binary, port=None, env=None):
        self.binary = binary
        self.data = tempfile.mkdtemp(prefix="dossier-portal-", dir=ROOT / "target")
        self.base = f"http://127.0.0.1:{port or free_port()}"
        port = self.base.rsplit(":", 1)[1]
        self.log = open(Path(self.data) / "server.log", "wb")
        self.process = subprocess.Popen(
            [binary, "serve", "--data", self.data, "--port", port],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
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


AXE_RULES = "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"


def check_accessible(page, base, path, name):
    """axe-core on `path` in `page` (whose context may inject it), at desktop and phone
    widths, and a screenshot."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + path)
    page.wait_for_selector("main[aria-busy=false]")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RULES)
    violations = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]
    assert not violations, f"{path}: {violations}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    result = page.evaluate(AXE_RULES)
    assert not result["violations"], f"{path} on a phone: {result['violations']}"
    return len(result["passes"])


def settled(page):
    page.wait_for_selector("main[aria-busy=false]")
    return page


def sign_in(page, base, sub, roles, keyboard=False):
    """Signs in through the development form, as a person would (or with the keyboard
    alone); lands on the records list."""
    page.goto(base + "/staff")
    page.wait_for_url("**/staff/sign-in**")
    settled(page)
    if keyboard:
        page.get_by_label("User name").focus()
        page.keyboard.type(sub)
        page.keyboard.press("Tab")
        page.keyboard.type("parks")
        for role in ["reader", "clerk", "officer", "auditor"]:
            page.keyboard.press("Tab")
            if role in roles:
                page.keyboard.press("Space")
        page.keyboard.press("Tab")
        with page.expect_navigation(url=f"{base}/staff"):
            page.keyboard.press("Enter")
    else:
        page.get_by_label("User name").fill(sub)
        page.get_by_label("Agency").fill("parks")
        for role in roles:
            page.get_by_label(role, exact=True).check()
        with page.expect_navigation(url=f"{base}/staff"):
            page.get_by_role("button", name="Sign in").click()
    return settled(page)


def tab_to(page, condition, most=60):
    """Presses Tab until `condition` (JavaScript) holds for the focused element."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    raise AssertionError(f"Tab never reached: {condition}")


def upload_documents(page, report):
    """Uploads a 9 MB image (three chunks hashed in the browser) and sees it turn
    available without a reload, then downloads it; a text file that is not UTF-8 turns
    quarantined, with the reason."""
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(9_000_000)
    started = time.perf_counter()
    page.set_input_files("#upload-file", files=[{"name": "bench-plan.png", "mimeType": "image/png", "buffer": image}])
    page.get_by_role("button", name="Upload").click()
    row = page.locator("tr", has_text="bench-plan.png")
    row.locator("td.document-available").wait_for(timeout=30_000)
    report["upload_9mb_to_available_ms"] = round((time.perf_counter() - started) * 1000)
    assert page.get_by_role("progressbar", name="Upload progress").evaluate("bar => bar.value") == 1
    assert "bench-plan.png is available." in page.locator("#document-status").inner_text()
    with page.expect_download() as download:
        row.get_by_role("button", name="bench-plan.png").click()
    assert Path(download.value.path()).read_bytes() == image, "the downloaded image differs"

    page.set_input_files("#upload-file", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"caf\xe9\n"}])
    page.get_by_role("button", name="Upload").click()
    quarantined = page.locator("tr", has_text="notes.txt").locator("td.document-quarantined")
    quarantined.wait_for(timeout=30_000)
    assert "quarantined: " in quarantined.inner_text(), quarantined.inner_text()


def check_history(browser, base, rid):
    """An officer reads the record's history, verified in the browser; an entry altered on
    the way is marked as the first that does not verify."""
    page = browser.new_context().new_page()
    sign_in(page, base, "olga", ["officer"])
    page.goto(f"{base}/staff/records/{rid}/history")
    settled(page)
    verdict = page.get_by_role("status").inner_text()
    assert verdict.startswith("All ") and "entries verify" in verdict, verdict
    entries = int(verdict.split()[1])
    assert entries >= 6, verdict  # create, two edits, two documents and their outcomes, publish

    def altered(route):
        response = route.fetch()
        body = response.json()
        body["items"][2]["actor"] = "someone-else"
        route.fulfill(response=response, json=body)

    page.route("**/records/*/history?*", altered)
    page.reload()
    settled(page)
    assert "entry 3 its content does not match its hash" in page.get_by_role("alert").inner_text()
    assert "does not verify" in page.locator("#entry-3").inner_text()
    assert "does not verify" not in page.locator("#entry-2").inner_text()


def staff_flows(browser, base, report):
    """Sign in, create, edit in two tabs at once (the conflict shown, the edit re-applied),
    publish and find it publicly; a reader sees no controls; a forged session is sent back."""
    # The clerk creates the record with the keyboard alone.
    clerk = browser.new_context(accept_downloads=True).new_page()
    sign_in(clerk, base, "clara", ["clerk"], keyboard=True)
    tab_to(clerk, "document.activeElement.textContent === 'New record'")
    with clerk.expect_navigation(url=f"{base}/staff/records/new"):
        clerk.keyboard.press("Enter")
    settled(clerk)
    tab_to(clerk, "document.activeElement.id === 'field-title'")
    clerk.keyboard.type("Bench repair on Oak Lane")
    tab_to(clerk, "document.activeElement.id === 'field-classification'")
    clerk.keyboard.press("p")  # a focused select takes the option its first letter names
    tab_to(clerk, "document.activeElement.id === 'field-tags'")
    clerk.keyboard.type("benches, parks")
    with clerk.expect_navigation(url=f"{base}/staff/records/*"):
        clerk.keyboard.press("Enter")
    settled(clerk)
    rid = clerk.url.rsplit("/", 1)[1]
    assert "public" in clerk.locator("dl.facts").inner_text()

    upload_documents(clerk, report)

    officer = browser.new_context().new_page()
    sign_in(officer, base, "olga", ["officer"])
    settled_page = settled(officer)
    officer.goto(f"{base}/staff/records/{rid}")
    settled(settled_page)

    # The clerk saves first; the officer's page is now a version behind.
    clerk.get_by_label("Title").fill("Bench repair on Oak Lane (two benches)")
    with clerk.expect_navigation():
        clerk.get_by_role("button", name="Save").click()
    settled(clerk)
    assert clerk.get_by_role("status").first.inner_text() == "Saved."
    officer.get_by_label("Description").fill("Both benches by the pond.")
    officer.get_by_role("button", name="Save").click()
    officer.get_by_role("heading", name="Someone else changed this record").wait_for()
    conflict = officer.locator("table.conflict").inner_text()
    assert "title\tBench repair on Oak Lane\tBench repair on Oak Lane (two benches)\t(unchanged)" in conflict, conflict
    assert "description\t(none)\t(none)\tBoth benches by the pond." in conflict, conflict
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    officer.screenshot(path=str(SCREENSHOTS / "staff-conflict.png"), full_page=True)
    with officer.expect_navigation():
        officer.get_by_role("button", name="Apply my changes to the current version").click()
    settled(officer)
    assert officer.get_by_role("heading", level=1).inner_text() == "Bench repair on Oak Lane (two benches)"
    assert officer.locator(".description").inner_text() == "Both benches by the pond."

    # Published (with the keyboard), and found by the public.
    tab_to(officer, "document.activeElement.textContent === 'Publish'")
    with officer.expect_navigation():
        officer.keyboard.press("Enter")
    settled(officer)
    assert "published" in officer.locator("dl.facts").inner_text()
    # Public answers may be cached for a minute (Cache-Control), so the index is polled
    # through the API, uncached, before a fresh browser looks.
    started = time.perf_counter()
    while b"Bench repair" not in urllib.request.urlopen(f"{base}/public/agencies/parks/search?q=benches").read():
        assert time.perf_counter() - started < 5, "the published record was not found publicly"
        time.sleep(0.05)
    report["publish_to_public_search_ms"] = round((time.perf_counter() - started) * 1000)
    public = browser.new_context().new_page()
    public.goto(f"{base}/agencies/parks/search?q=benches")
    settled(public)
    assert public.get_by_role("status").inner_text() == "1 record found"
    assert public.get_by_role("link", name="Bench repair on Oak Lane (two benches)").is_visible()

    # A reader, signed in with the keyboard alone, sees no editing controls.
    reader = browser.new_context().new_page()
    sign_in(reader, base, "rita", ["reader"], keyboard=True)
    assert reader.get_by_role("link", name="New record").count() == 0
    reader.goto(f"{base}/staff/records/{rid}")
    settled(reader)
    assert reader.get_by_role("heading", level=1).inner_text() == "Bench repair on Oak Lane (two benches)"
    controls = reader.locator("main button:not(table.documents button), main input, main textarea, main select")
    assert controls.filter(has_not_text="Sign out").count() == 0, "a reader has controls"
    assert reader.get_by_role("button", name="bench-plan.png").is_visible(), "a reader cannot download"

    # A forged session (a well-formed token, the wrong signature) goes back to sign-in.
    forged = browser.new_context().new_page()
    forged.goto(f"{base}/staff/sign-in")
    settled(forged)
    claims = base64.urlsafe_b64encode(json.dumps(
        {"sub": "mallory", "agency": "parks", "roles": ["officer"], "exp": int(time.time()) + 3600}
    ).encode()).decode().rstrip("=")
    token = f"eyJhbGciOiJIUzI1NiJ9.{claims}.c2lnbmF0dXJl"
    forged.evaluate("token => sessionStorage.setItem('dossier.session', JSON.stringify({token}))", token)
    forged.goto(f"{base}/staff")
    forged.wait_for_url("**/staff/sign-in?reason=expired")
    settled(forged)
    assert "Sign in again" in forged.get_by_role("status").inner_text()
    # So does an expired one, before any call: the page reads the token's exp.
    expired = sign_in(browser.new_context().new_page(), base, "rita", ["reader"])
    expired.evaluate("""() => {
        const { token } = JSON.parse(sessionStorage.getItem('dossier.session'));
        const [header, claims, signature] = token.split('.');
        const decoded = JSON.parse(atob(claims.replace(/-/g, '+').replace(/_/g, '/')));
        const stale = btoa(JSON.stringify({ ...decoded, exp: 1 })).replace(/=+$/, '');
        sessionStorage.setItem('dossier.session', JSON.stringify({ token: `${header}.${stale}.${signature}` }));
    }""")
    expired.goto(f"{base}/staff/records/{rid}")
    expired.wait_for_url("**/staff/sign-in?reason=expired")
    settled(expired)
    assert "Sign in again" in expired.get_by_role("status").inner_text()
    check_history(browser, base, rid)
    return rid


def schedule_flows(browser, base, report):
    """An officer creates a retention schedule, files a new record under it (its period
    not started), archives the record (its retention date computed), finds the schedule in
    use and undeletable, and deletes an unused one. Returns the record's id."""
    officer = sign_in(browser.new_context().new_page(), base, "olga", ["officer"])
    officer.goto(f"{base}/staff/schedules")
    settled(officer)
    assert officer.get_by_text("No schedules yet.").is_visible()
    officer.locator("#new-name").fill("Park maintenance (GS 7.3)")
    officer.locator("#new-years").fill("3")
    officer.locator("#new-months").fill("0")
    officer.locator("#new-from").select_option("archived")
    officer.locator("#new-action").select_option("destroy")
    with officer.expect_navigation(url=f"{base}/staff/schedules?created=1"):
        officer.get_by_role("button", name="Create schedule").click()
    settled(officer)
    assert officer.get_by_role("status").inner_text() == "Created."
    row = officer.get_by_role("row", name="Park maintenance (GS 7.3)")
    assert "Keep 3 years after archiving, then destroy." in row.inner_text(), row.inner_text()

    officer.goto(f"{base}/staff/records/new")
    settled(officer)
    officer.get_by_label("Title").fill("Playground inspection 2026")
    officer.get_by_label("Retention schedule").select_option(label="Park maintenance (GS 7.3)")
    with officer.expect_navigation(url=f"{base}/staff/records/*"):
        officer.get_by_role("button", name="Create").click()
    settled(officer)
    rid = officer.url.rsplit("/", 1)[1]
    facts = officer.locator("dl.facts").inner_text()
    assert "Park maintenance (GS 7.3). Keep 3 years after archiving" in facts, facts
    assert "not started" in facts, facts

    with officer.expect_navigation():
        officer.get_by_role("button", name="Archive").click()
    settled(officer)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    try:
        until = today.replace(year=today.year + 3)
    except ValueError:  # 29 February: the month's last day
        until = today.replace(year=today.year + 3, day=28)
    facts = officer.locator("dl.facts").inner_text()
    assert until.isoformat() in facts, f"{until}: {facts}"

    officer.goto(f"{base}/staff/schedules")
    settled(officer)
    row = officer.get_by_role("row", name="Park maintenance (GS 7.3)")
    assert "\tyes\t" in row.inner_text(), row.inner_text()
    assert officer.get_by_role("button", name="Delete Park maintenance (GS 7.3)").count() == 0
    assert "In use: it can change, not be deleted." in row.inner_text()

    officer.locator("#new-name").fill("Unused schedule")
    with officer.expect_navigation(url=f"{base}/staff/schedules?created=1"):
        officer.get_by_role("button", name="Create schedule").click()
    settled(officer)
    with officer.expect_navigation(url=f"{base}/staff/schedules?deleted=1"):
        officer.get_by_role("button", name="Delete Unused schedule").click()
    settled(officer)
    assert officer.get_by_role("row", name="Unused schedule").count() == 0
    report["schedules"] = "created, filed under, archived, deleted"
    return rid


def hold_flows(browser, base, rid):
    """An officer opens a legal hold, places record `rid` under it from the record's page,
    lifts it from the hold's page, places it again and releases the hold; an auditor reads
    the holds without controls. Returns the hold's id."""
    officer = sign_in(browser.new_context().new_page(), base, "olga", ["officer"])
    officer.goto(f"{base}/staff/holds")
    settled(officer)
    assert officer.get_by_text("No legal holds.").is_visible()
    officer.get_by_label("Name (the matter)").fill("Smith v. Parks Department")
    officer.get_by_label("Reason").fill("Complaint served: keep every playground record.")
    with officer.expect_navigation(url=f"{base}/staff/holds/*"):
        officer.get_by_role("button", name="Open hold").click()
    settled(officer)
    hold = officer.url.rsplit("/", 1)[1]
    assert officer.get_by_text("It covers no record.").is_visible()

    def place():
        officer.goto(f"{base}/staff/records/{rid}")
        settled(officer)
        officer.get_by_label("Place under the hold").select_option(label="Smith v. Parks Department")
        with officer.expect_navigation():
            officer.get_by_role("button", name="Place under hold").click()
        settled(officer)
        facts = officer.locator("dl.facts").inner_text()
        assert "yes: 1 named hold" in facts, facts
        assert officer.get_by_role("link", name="Smith v. Parks Department").is_visible()

    place()
    officer.goto(f"{base}/staff/holds/{hold}")
    settled(officer)
    with officer.expect_navigation():
        officer.get_by_role("button", name="Lift from Playground inspection 2026").click()
    settled(officer)
    assert officer.get_by_role("status").inner_text() == "Lifted."
    assert officer.get_by_text("It covers no record.").is_visible()
    place()
    officer.goto(f"{base}/staff/holds/{hold}")
    settled(officer)
    with officer.expect_navigation():
        officer.get_by_role("button", name="Release this hold").click()
    settled(officer)
    assert "released" in officer.locator("dl.facts").inner_text()
    assert officer.get_by_role("button").filter(has_text="Lift").count() == 0
    officer.goto(f"{base}/staff/records/{rid}")
    settled(officer)
    facts = officer.locator("dl.facts").inner_text()
    assert "named hold" not in facts and "its own hold" not in facts, facts

    auditor = sign_in(browser.new_context().new_page(), base, "ada", ["auditor"])
    auditor.goto(f"{base}/staff/holds")
    settled(auditor)
    assert auditor.get_by_role("link", name="Smith v. Parks Department").is_visible()
    assert auditor.get_by_role("button", name="Open hold").count() == 0
    return hold


def disposition_flows(browser, server, report):
    """A record archived with its retention passed is listed by the review; the officer who
    set its retention may not decide it, another officer approves it, the worker destroys
    it: its list says so, its certificate names it, its page is its tombstone, an auditor
    reads the list without controls. Returns (list id, record id)."""
    olga = server.token("olga", "parks", "officer")
    record, _ = server.call("POST", "/records", olga, {"title": "Bench permit file 2019", "classification": "internal"})
    rid = record["id"]
    server.call("PATCH", f"/records/{rid}", olga, {"status": "archived", "retention_until": "2020-01-31"},
                headers={"content-type": "application/merge-patch+json", "if-match": '"1"'})
    summary, _ = server.call("POST", "/local/disposition-review", olga)
    assert summary["listed"] >= 1, summary

    setter = sign_in(browser.new_context().new_page(), server.base, "olga", ["officer"])
    setter.goto(f"{server.base}/staff/disposition")
    settled(setter)
    month = setter.get_by_role("row").nth(1).get_by_role("link").inner_text()
    setter.get_by_role("link", name=month).click()
    settled(setter)
    assert setter.get_by_text("You set its schedule: another officer decides.").is_visible()
    assert setter.get_by_role("button", name="Approve destruction of Bench permit file 2019").count() == 0

    officer = sign_in(browser.new_context().new_page(), server.base, "otto", ["officer"])
    officer.goto(f"{server.base}/staff/disposition/{month}")
    settled(officer)
    officer.get_by_label("Reason for Bench permit file 2019").fill("GS 4.2: five years after closing, met.")
    with officer.expect_navigation(url=f"{server.base}/staff/disposition/{month}?decided=1"):
        officer.get_by_role("button", name="Approve destruction of Bench permit file 2019").click()
    settled(officer)
    assert officer.get_by_role("status").inner_text() == "Decided."
    # The worker destroys it in the background, in moments.
    for _ in range(50):
        row = officer.get_by_role("row", name="Bench permit file 2019").inner_text()
        if "Destroyed on" in row:
            break
        time.sleep(0.2)
        officer.reload()
        settled(officer)
    assert "Destroyed on" in row and "otto: GS 4.2" in row, row

    officer.get_by_role("link", name="Certificate of destruction").click()
    settled(officer)
    row = officer.get_by_role("row", name="Bench permit file 2019").inner_text()
    assert "otto" in row and "GS 4.2" in row, row
    with officer.expect_download() as download:
        officer.get_by_role("button", name="Save as JSON").click()
    saved = json.loads(Path(download.value.path()).read_text())
    assert [line["id"] for line in saved["destroyed"]] == [rid], saved

    officer.goto(f"{server.base}/staff/records/{rid}")
    settled(officer)
    assert officer.get_by_role("heading", level=1).inner_text() == "Destroyed record"
    facts = officer.locator("dl.facts").inner_text()
    assert "otto" in facts and month in facts, facts
    history, _ = server.call("GET", f"/records/{rid}/history", olga)
    assert history["items"][-1]["action"] == "record.destroy", history

    auditor = sign_in(browser.new_context().new_page(), server.base, "ada", ["auditor"])
    auditor.goto(f"{server.base}/staff/disposition/{month}")
    settled(auditor)
    assert auditor.get_by_role("button").filter(has_text="Approve").count() == 0
    report["disposition"] = "listed, refused to its setter, approved by another officer, destroyed, certified"

    # The fixity report: no run yet here, every document not checked yet.
    auditor.goto(f"{server.base}/staff/fixity")
    settled(auditor)
    assert auditor.get_by_text("No fixity run yet.").is_visible()
    row = auditor.get_by_role("row", name="Not checked yet").inner_text()
    assert int(row.split()[-1]) >= 1, row
    return month, rid


def request_flows(browser, server, report):
    """Records requests end to end: the public asks, staff ask back in a message and stop
    the clock, the requester answers with the tracking link, staff close; the log, the
    statistics and the outbox say so, and no email holds the token. Returns the request's
    number and its tracking path."""
    public = Page(browser.new_context(), server.base)
    page = public.open("/agencies/parks")
    with page.expect_navigation():
        page.get_by_role("link", name="Ask for records").click()
    settled(page)
    page.get_by_label("What records do you ask for?").fill("Every tree trimming permit on Elm Street in 2025.")
    page.get_by_label("Your name (optional)").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill("ada@example.org")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_selector("#tracking-link")
    number = page.get_by_role("heading", level=1).inner_text().split()[1]
    tracking = page.locator("#tracking-link").get_attribute("href")
    assert tracking.startswith(f"{server.base}/agencies/parks/requests/{number}#token="), tracking
    token = tracking.split("#token=", 1)[1]
    tracking_path = tracking[len(server.base):]
    assert not public.violations, f"the Content-Security-Policy refused: {public.violations}"

    officer = server.token("olga", "parks", "officer")

    def notices():
        outbox, _ = server.call("GET", "/outbox", officer)
        mine = [email for email in outbox["items"] if number in email["subject"]]
        for email in mine:
            assert token not in email["text"] and token not in email["subject"], email
            assert email["to"] == ["ada@example.org"], email
        return [email["subject"] for email in mine]

    assert notices() == [f"Your records request {number} was received"]

    # Staff: the queue lists it; a clerk takes it, asks a question and stops the clock.
    clerk = browser.new_context().new_page()
    sign_in(clerk, server.base, "clara", ["clerk"])
    clerk.goto(server.base + "/staff/requests")
    settled(clerk)
    with clerk.expect_navigation():
        clerk.get_by_role("link", name=number).click()
    settled(clerk)
    clerk.get_by_role("button", name="Assign to me").click()
    clerk.wait_for_selector("text=Assigned to you.")
    clerk.get_by_label("Message", exact=True).fill("Which months of 2025?")
    clerk.get_by_role("button", name="Send", exact=True).click()
    clerk.wait_for_selector("text=Message written.")
    clerk.get_by_role("button", name="Ask for a clarification (stops the clock)").click()
    clerk.wait_for_selector("text=Clock stopped: waiting for the requester")
    assert notices()[-1] == f"Records request {number}: please clarify"

    # The requester, with the tracking link, reads the question and answers it.
    requester = Page(browser.new_context(), server.base)
    page = requester.open(tracking_path)
    assert page.get_by_text("Which months of 2025?").is_visible()
    page.get_by_label("Your message").fill("March to June.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("text=March to June.")
    assert page.get_by_text("In progress").is_visible()
    assert not requester.violations, f"the Content-Security-Policy refused: {requester.violations}"
    # Anyone else: neither message; a wrong link is explained.
    page = Page(browser.new_context(), server.base).open(f"/agencies/parks/requests/{number}")
    assert page.get_by_text("Which months of 2025?").count() == 0
    assert page.get_by_text("March to June.").count() == 0
    page = Page(browser.new_context(), server.base).open(f"/agencies/parks/requests/{number}#token=not-the-token")
    assert page.get_by_role("heading", level=1).inner_text() == "This tracking link is not valid"

    # Staff read the answer and close the request.
    clerk.reload()
    settled(clerk)
    assert clerk.get_by_text("March to June.").is_visible()
    clerk.get_by_label("Outcome").select_option("no_responsive_records")
    clerk.get_by_role("button", name="Close the request").click()
    clerk.wait_for_selector("text=Closed.")
    assert notices()[-1] == f"Records request {number} is closed"

    # The public log and the statistics count it.
    page = public.open("/agencies/parks/requests")
    assert "Closed" in page.locator("tr", has_text=number).inner_text()
    page = public.open("/agencies/parks/stats")
    facts = page.locator("dl.stats").inner_text()
    assert "Received\n1" in facts and "Closed\n1" in facts, facts
    report["request_notices"] = len(notices())
    return number, tracking_path


def provider_sign_in(browser, binary):
    """Staff sign in through an identity provider (authorization code with PKCE), as in AWS:
    a second local server, configured for the test provider, with no development form."""
    port = free_port()
    provider = IdentityProvider(f"http://127.0.0.1:{port}", {"sub": "ida", "agency": "parks", "groups": ["officer"]})
    server = Server(binary, port, provider.settings())
    try:
        assert server.call("GET", "/sign-in.json")[0]["client_id"] == "dossier-portal"
        server.call("POST", "/_dev/sign-in", body={"sub": "x", "agency": "parks", "roles": ["officer"]}, expect=(404,))
        tab = Page(browser.new_context(), server.base)
        page = tab.page
        page.goto(f"{server.base}/staff")
        page.wait_for_url("**/staff/sign-in**")
        settled(page)
        assert page.get_by_label("User name").count() == 0, "a provider's server shows the development form"
        with page.expect_navigation(url=f"{server.base}/staff"):
            page.get_by_role("button", name="Sign in with your agency's account").click()
        settled(page)
        assert "Signed in as ida (parks: officer)" in page.locator(".session").inner_text()
        assert len(provider.exchanged) == 1
        assert page.get_by_role("link", name="New record").is_visible()
        # The code never stays in the history, and a used one is refused.
        page.go_back()
        assert page.url == f"{server.base}/staff/callback", page.url
        code = provider.exchanged[0]
        page.goto(f"{server.base}/staff/callback?code={code}&state=replayed")
        settled(page)
        assert "not started here" in page.get_by_role("alert").inner_text()
        assert not tab.violations, f"the Content-Security-Policy refused: {tab.violations}"
    finally:
        server.stop()
        provider.stop()


VENDORED = ["sha2", "_md", "_u64", "utils"]


def check_vendored():
    """web/vendor/ is an exact copy of the npm package it names, nothing added or changed."""
    package = ROOT / "web/node_modules/@noble/hashes"
    for name in VENDORED:
        ours = (ROOT / f"web/vendor/noble-hashes/{name}.js").read_bytes()
        assert ours == (package / f"{name}.js").read_bytes(), f"web/vendor/noble-hashes/{name}.js differs from npm's"


def main(binary):
    check_vendored()
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
            expected = {f"/agencies/parks/records/{rid}", "/app.js", "/lib.js", "/app.css", "/public/agencies/parks",
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

            staff_record = staff_flows(browser, server.base, report)
            scheduled_record = schedule_flows(browser, server.base, report)
            hold = hold_flows(browser, server.base, scheduled_record)
            disposition_list, destroyed = disposition_flows(browser, server, report)
            number, tracking = request_flows(browser, server, report)
            provider_sign_in(browser, binary)

            # Accessibility of every page, public and staff, with screenshots.
            axe = browser.new_context(bypass_csp=True).new_page()
            pages = {
                "agencies": "/",
                "agency": "/agencies/parks",
                "search": "/agencies/parks/search?q=oak+trees",
                "record": f"/agencies/parks/records/{rid}",
                "not-found": "/agencies/nowhere",
                "staff-sign-in": "/staff/sign-in",
                "request-ask": "/agencies/parks/requests/new",
                "request-log": "/agencies/parks/requests",
                "request-stats": "/agencies/parks/stats",
                "request-public": f"/agencies/parks/requests/{number}",
                "request-requester": tracking,
            }
            passed = {name: check_accessible(axe, server.base, path, name) for name, path in pages.items()}
            sign_in(axe, server.base, "olga", ["officer"])
            staff_pages = {
                "staff-records": "/staff",
                "staff-search": "/staff/search?q=bench",
                "staff-new": "/staff/records/new",
                "staff-record": f"/staff/records/{staff_record}",
                "staff-history": f"/staff/records/{staff_record}/history",
                "staff-requests": "/staff/requests",
                "staff-request": f"/staff/requests/{number}",
                "staff-schedules": "/staff/schedules",
                "staff-scheduled-record": f"/staff/records/{scheduled_record}",
                "staff-holds": "/staff/holds",
                "staff-hold": f"/staff/holds/{hold}",
                "staff-disposition": "/staff/disposition",
                "staff-disposition-list": f"/staff/disposition/{disposition_list}",
                "staff-certificate": f"/staff/disposition/{disposition_list}/certificate",
                "staff-destroyed-record": f"/staff/records/{destroyed}",
                "staff-fixity": "/staff/fixity",
            }
            passed |= {name: check_accessible(axe, server.base, path, name) for name, path in staff_pages.items()}
            report["axe_rules_passed"] = passed
            browser.close()

        # Transfer size of the portal, compressed. The largest page is a staff record's
        # while a file uploads: it has loaded every file but the history's.
        files = ["index.html", "app.js", "lib.js", "staff.js", "documents.js", "history.js", "app.css",
                 "requests.js", "staff-requests.js", "schedules.js", "holds.js", "disposition.js", "fixity.js", *(f"vendor/noble-hashes/{name}.js" for name in VENDORED)]
        sizes = {name: len(gzip.compress((ROOT / "web" / name).read_bytes(), 9)) for name in files}
        report["transfer_bytes_gzip"] = sizes
        request_pages = sum(sizes[name] for name in ["index.html", "app.js", "lib.js", "staff.js", "app.css",
                                                      "requests.js", "staff-requests.js"])
        report["staff_request_page_bytes_gzip"] = request_pages
        total = sum(size for name, size in sizes.items()
                    if name not in ("history.js", "requests.js", "staff-requests.js"))
        report["staff_schedules_page_bytes_gzip"] = sum(
            sizes[name] for name in ["index.html", "app.js", "lib.js", "staff.js", "app.css", "schedules.js"])
        report["largest_page_bytes_gzip"] = total
        assert total < 100_000, f"the portal is {total} bytes compressed"
        print("portal:", json.dumps(report))
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/dossier-local"))
