// The staff side of records requests, under /staff/requests: the queue (due soonest
// first, overdue and due soon marked) and a request's page with its messages, releases and
// the actions the caller's roles allow. Every change names the version it was made on
// (If-Match): a request changed meanwhile is shown again, never overwritten.

import { Problem, day, h, show, url } from "/lib.js";
import { date, word } from "/requests.js";

const WRITERS = ["clerk", "officer"];
const OPEN = ["received", "in_progress", "awaiting_clarification"];
const REASONS = ["fulfilled", "partially_fulfilled", "no_responsive_records", "denied", "withdrawn", "duplicate"];
const requestPage = (number) => `/staff/requests/${encodeURIComponent(number)}`;
const requestApi = (number) => `/requests/${encodeURIComponent(number)}`;

/** Today in `zone`, `YYYY-MM-DD`. */
const todayIn = (zone) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());

/** The `count`th business day after `start` (`YYYY-MM-DD`), skipping weekends and `holidays`. */
function businessDaysAfter(start, count, holidays) {
  const day = new Date(`${start}T00:00:00Z`);
  let left = count;
  while (left > 0) {
    day.setUTCDate(day.getUTCDate() + 1);
    const text = day.toISOString().slice(0, 10);
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6 && !holidays.includes(text)) left -= 1;
  }
  return day.toISOString().slice(0, 10);
}

/** Where a request stands against its deadline: `overdue`, `due-soon` or null. */
function urgency(request, today, soonUntil) {
  if (request.status === "closed" || !request.due_date) return null;
  if (request.due_date < today) return "overdue";
  return request.due_date <= soonUntil ? "due-soon" : null;
}

const URGENCY = { overdue: "Overdue", "due-soon": "Due soon" };

function field(id, label, control, help) {
  control.id = id;
  return h("p", { class: "field" }, h("label", { for: id }, label), control,
    help ? h("span", { class: "help" }, help) : null);
}

function options(values, chosen, blank) {
  const listed = values.map((value) => h("option", { value, selected: value === chosen }, word(value)));
  return blank === undefined ? listed : [h("option", { value: "" }, blank), ...listed];
}

/** The agency's calendar, for marking what is due: today, and two business days on. */
async function calendar(me, staffCall) {
  const { body: profile } = await staffCall(me, "/agency").catch(() => ({ body: null }));
  const zone = profile?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const today = todayIn(zone);
  return { today, soonUntil: businessDaysAfter(today, 2, profile?.requests?.holidays || []) };
}

async function queuePage(me, query, { staffCall, bar }) {
  const filters = Object.fromEntries(["status", "assignee", "overdue", "cursor"].map((n) => [n, query.get(n) || ""]));
  const [{ body }, { today, soonUntil }] = await Promise.all([
    staffCall(me, url("/requests", { ...filters, limit: 50 })),
    calendar(me, staffCall),
  ]);
  const marks = body.items.map((request) => urgency(request, today, soonUntil));
  const count = (mark) => marks.filter((m) => m === mark).length;
  const form = h("form", { class: "panel filters", action: "/staff/requests", method: "get" },
    field("queue-status", "Status", h("select", { name: "status" }, options([...OPEN, "closed"], filters.status, "Open"))),
    field("queue-assignee", "Assignee", h("input", { name: "assignee", value: filters.assignee })),
    h("p", { class: "field" }, h("label", { class: "check" },
      h("input", { type: "checkbox", name: "overdue", value: "true", checked: filters.overdue === "true" }), " Overdue only")),
    h("p", {}, h("button", { type: "submit" }, "Show")));
  show("Records requests",
    bar(me),
    h("h1", {}, `Records requests of ${me.agency}`),
    h("p", { role: "status", class: "counts" },
      `${count("overdue")} overdue, ${count("due-soon")} due within two business days (of those shown).`),
    form,
    body.items.length === 0
      ? h("p", {}, "No requests match.")
      : h("table", { class: "queue" },
        h("caption", {}, filters.status === "closed" ? "Closed requests, newest first" : "Open requests, due soonest first"),
        h("thead", {}, h("tr", {}, ["Number", "Request", "Status", "Due", "Assignee"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, body.items.map((request, i) => h("tr", { class: marks[i] || "" },
          h("th", { scope: "row" }, h("a", { href: requestPage(request.number) }, request.number)),
          h("td", {}, clip(request.summary || request.description, 140)),
          h("td", {}, word(request.status)),
          h("td", {}, request.due_date ? date(request.due_date) : "clock stopped",
            marks[i] ? [" ", h("strong", { class: `badge ${marks[i]}` }, URGENCY[marks[i]])] : null),
          h("td", {}, request.assignee || "nobody"))))),
    body.next_cursor
      ? h("p", {}, h("a", { href: url("/staff/requests", { ...filters, cursor: body.next_cursor }), rel: "next" }, "More requests"))
      : null);
}

const clip = (text, length) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

async function oneRequestPage(me, number, { staffCall, bar }, said) {
  const [{ body: request, etag }, { body: messages }, { today, soonUntil }] = await Promise.all([
    staffCall(me, requestApi(number)),
    staffCall(me, `${requestApi(number)}/messages`),
    calendar(me, staffCall),
  ]);
  const writer = me.roles.some((role) => WRITERS.includes(role));
  const mark = urgency(request, today, soonUntil);
  const again = (text) => oneRequestPage(me, number, { staffCall, bar }, text);

  /** Sends `patch` on the version shown; a 412 shows the request as it now is. */
  async function change(patch, done) {
    // One change at a time: a second click would be refused as a change to a gone version.
    const buttons = [...document.querySelectorAll("main button")];
    for (const button of buttons) button.disabled = true;
    try {
      await staffCall(me, requestApi(number), {
        method: "PATCH", body: patch, contentType: "application/merge-patch+json", headers: { "if-match": etag },
      });
      await again(done);
    } catch (error) {
      if (error instanceof Problem && error.status === 412) {
        await again("Someone changed this request since you opened it: here it is as it now is. Nothing of yours was saved.");
      } else {
        outcome.replaceChildren(h("p", { role: "alert", class: "error" }, error.message));
        for (const button of buttons) button.disabled = false;
      }
    }
  }
  const outcome = h("div", { "aria-live": "polite" }, said ? h("p", { role: "status" }, said) : null);

  show(`Request ${request.number}`,
    bar(me),
    h("p", { class: "crumbs" }, h("a", { href: "/staff/requests" }, "Records requests")),
    h("h1", {}, `Request ${request.number}`, mark ? [" ", h("strong", { class: `badge ${mark}` }, URGENCY[mark])] : null),
    outcome,
    h("p", { class: "description" }, request.description),
    h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", {}, word(request.status)),
      h("dt", {}, "Requester"), h("dd", {}, request.requester.name ? `${request.requester.name}, ` : "", request.requester.email),
      h("dt", {}, "Received"), h("dd", {}, day(request.received_at)),
      h("dt", {}, "Due"), h("dd", {}, request.due_date ? date(request.due_date) : "Clock stopped: waiting for the requester"),
      h("dt", {}, "Assignee"), h("dd", {}, request.assignee || "nobody"),
      request.summary ? [h("dt", {}, "Public summary"), h("dd", {}, request.summary)] : null,
      request.extension ? [h("dt", {}, "Extended"), h("dd", {}, `${request.extension.reason} (${request.extension.by})`)] : null,
      request.closing ? [h("dt", {}, "Outcome"), h("dd", {}, word(request.closing.reason),
        request.closing.exemptions?.length ? ` (${request.closing.exemptions.join("; ")})` : "")] : null),
    writer ? actions(request, me, change) : null,
    h("h2", {}, "Messages"),
    messages.items.length === 0 ? h("p", {}, "No messages yet.") : h("ol", { class: "messages" },
      messages.items.map((message) => h("li", { class: `message from-${message.from === "requester" ? "requester" : "agency"}` },
        h("p", { class: "meta" }, message.from === "requester" ? "The requester" : message.from, ", ", day(message.at),
          ` · ${message.visibility === "internal" ? "internal note" : message.visibility === "public" ? "public" : "to the requester"}`),
        h("p", { class: "body" }, message.body)))),
    writer ? messageForm(me, number, staffCall, again) : null,
    h("h2", {}, "Released documents"),
    request.releases?.length
      ? h("ul", { class: "releases" }, request.releases.map((release) => h("li", {}, release.filename, " (", day(release.at), ")")))
      : h("p", {}, "None yet."),
    writer && request.status !== "closed" ? releaseForm(me, number, staffCall, again) : null);
}

/** What a clerk or an officer may do to an open request (a closed one takes a summary only). */
function actions(request, me, change) {
  const panel = h("section", { class: "panel", "aria-labelledby": "actions-heading" }, h("h2", { id: "actions-heading" }, "Act on it"));
  const summary = h("textarea", { rows: 2 }, request.summary || "");
  const summaryForm = h("form", {}, field("act-summary", "Public summary (shown in the log instead of the description)", summary),
    h("p", {}, h("button", { type: "submit" }, "Save the summary")));
  summaryForm.addEventListener("submit", (event) => {
    event.preventDefault();
    change({ summary: summary.value.trim() || null }, "Summary saved.");
  });
  if (request.status === "closed") {
    panel.append(summaryForm);
    return panel;
  }
  const assignee = h("input", { value: request.assignee || "" });
  const assign = h("form", {}, field("act-assignee", "Assignee (a staff user name)", assignee),
    h("p", {}, h("button", { type: "submit" }, "Assign"), " ",
      h("button", { type: "button", class: "link", "data-me": "" }, "Assign to me")));
  assign.addEventListener("submit", (event) => {
    event.preventDefault();
    change({ assignee: assignee.value.trim() || null }, "Assigned.");
  });
  assign.querySelector("[data-me]").addEventListener("click", () => change({ assignee: me.sub }, "Assigned to you."));

  const moves = h("p", {});
  for (const [status, label] of [["in_progress", "Mark in progress"], ["awaiting_clarification", "Ask for a clarification (stops the clock)"]]) {
    if (request.status === status) continue;
    const button = h("button", { type: "button" }, label);
    button.addEventListener("click", () => change({ status }, `Now ${word(status).toLowerCase()}.`));
    moves.append(button, " ");
  }

  const extendReason = h("input", { maxlength: 2000 });
  const extend = h("form", {}, field("act-extension", "Reason for the extension (shown to the requester)", extendReason),
    h("p", {}, h("button", { type: "submit" }, "Extend the deadline")));
  extend.addEventListener("submit", (event) => {
    event.preventDefault();
    change({ extension: { reason: extendReason.value.trim() } }, "Deadline extended.");
  });

  const reason = h("select", {}, options(REASONS, "fulfilled"));
  const exemptions = h("textarea", { rows: 2 });
  const duplicateOf = h("input", { placeholder: "2026-0001" });
  const close = h("form", {},
    h("h3", {}, "Close"),
    field("act-reason", "Outcome", reason),
    field("act-exemptions", "Exemptions cited, one per line (partially fulfilled, denied)", exemptions),
    field("act-duplicate", "Request it repeats (duplicate)", duplicateOf),
    h("p", {}, h("button", { type: "submit" }, "Close the request")));
  close.addEventListener("submit", (event) => {
    event.preventDefault();
    const closing = { reason: reason.value };
    const cited = exemptions.value.split("\n").map((line) => line.trim()).filter(Boolean);
    if (cited.length) closing.exemptions = cited;
    if (duplicateOf.value.trim()) closing.duplicate_of = duplicateOf.value.trim();
    change({ closing }, "Closed.");
  });
  panel.append(assign, moves, request.extension ? null : extend, summaryForm, close);
  return panel;
}

function messageForm(me, number, staffCall, again) {
  const body = h("textarea", { rows: 4, required: true, maxlength: 10000 });
  const visibility = h("select", {},
    h("option", { value: "requester" }, "To the requester"),
    h("option", { value: "public" }, "Public, on the request's page"),
    h("option", { value: "internal" }, "Internal note"));
  const message = h("p", { role: "alert", class: "error" });
  const form = h("form", { class: "panel" }, h("h3", {}, "Write a message"),
    field("message-body", "Message", body), field("message-visibility", "Who reads it", visibility),
    h("p", {}, h("button", { type: "submit" }, "Send")), message);
  // One key per text sent: a retry after a lost answer writes it once.
  let key = crypto.randomUUID();
  form.addEventListener("input", () => { key = crypto.randomUUID(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await staffCall(me, `${requestApi(number)}/messages`, {
        method: "POST", body: { body: body.value, visibility: visibility.value }, headers: { "idempotency-key": key },
      });
      await again("Message written.");
    } catch (error) {
      message.textContent = error.message;
    }
  });
  return form;
}

function releaseForm(me, number, staffCall, again) {
  const record = h("input", { required: true });
  const documentId = h("input", { required: true });
  const message = h("p", { role: "alert", class: "error" });
  let key = crypto.randomUUID();
  const form = h("form", { class: "panel" }, h("h3", {}, "Release a document"),
    h("p", { class: "help" }, "An available document of a published public record: everyone can then download it from the request's page."),
    field("release-record", "Record id", record), field("release-document", "Document id", documentId),
    h("p", {}, h("button", { type: "submit" }, "Release")), message);
  form.addEventListener("input", () => { key = crypto.randomUUID(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await staffCall(me, `${requestApi(number)}/releases`, {
        method: "POST",
        body: { record_id: record.value.trim(), document_id: documentId.value.trim() },
        headers: { "idempotency-key": key },
      });
      await again("Document released.");
    } catch (error) {
      message.textContent = error.message;
    }
  });
  return form;
}

/** The page of `parts` (after /staff/requests). */
export function page(me, parts, query, helpers) {
  if (parts.length === 0) return queuePage(me, query, helpers);
  if (parts.length === 1) return oneRequestPage(me, parts[0], helpers);
  throw new Problem(404, null);
}
