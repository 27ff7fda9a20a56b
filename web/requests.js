// The public side of records requests: ask, follow a request (with the tracking link shown
// once, when it was made), read the agency's log and its statistics. Loaded only under
// /agencies/{agency}/requests and /agencies/{agency}/stats.
//
// The tracking token travels in the link's fragment (#token=…), which browsers never send
// to a server nor put in a Referer: it reaches the API only in the Authorization header.

import { Problem, api, call, day, h, show, url } from "/lib.js";

const agencyPath = (agency) => `/agencies/${encodeURIComponent(agency)}`;
const requestsPath = (agency) => `${agencyPath(agency)}/requests`;
const requestPath = (agency, number) => `${requestsPath(agency)}/${encodeURIComponent(number)}`;
const publicApi = (agency) => `/public/agencies/${encodeURIComponent(agency)}`;

/** What a status or a closing reason is called on the page. */
const WORDS = {
  received: "Received",
  in_progress: "In progress",
  awaiting_clarification: "Waiting for the requester",
  closed: "Closed",
  fulfilled: "Fulfilled",
  partially_fulfilled: "Partially fulfilled",
  no_responsive_records: "No responsive records",
  denied: "Denied",
  withdrawn: "Withdrawn",
  duplicate: "Duplicate of another request",
};
export const word = (key) => WORDS[key] || key;

/** A plain `YYYY-MM-DD` date as people read it (in no time zone: it is the agency's day). */
export function date(text) {
  if (!text) return "";
  const [year, month, dayOfMonth] = text.split("-").map(Number);
  const formatted = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, dayOfMonth)));
  return h("time", { datetime: text }, formatted);
}

function crumbs(agency, profile, ...more) {
  return h("p", { class: "crumbs" }, h("a", { href: agencyPath(agency) }, profile.name), more.length ? " › " : "", more);
}

/** A field of a form: a label, then an input (or a textarea), then its help. */
function field(id, label, input, help) {
  return h("p", { class: "field" },
    h("label", { for: id }, label),
    input,
    help ? h("span", { id: `${id}-help`, class: "help" }, help) : null);
}

/** The problem's field errors, as a list a screen reader announces. */
function problemAlert(error) {
  const errors = error instanceof Problem ? error.body?.errors || [] : [];
  return h("div", { role: "alert", class: "error" },
    h("p", {}, error.message),
    errors.length ? h("ul", {}, errors.map((e) => h("li", {}, `${e.field}: ${e.message}`))) : null);
}

async function logPage(agency, query) {
  const status = query.get("status") || "";
  const [profile, log] = await Promise.all([
    api(publicApi(agency)),
    api(url(`${publicApi(agency)}/requests`, { status, limit: 25, cursor: query.get("cursor") })),
  ]);
  const filter = h("form", { class: "filters", method: "get", action: requestsPath(agency) },
    h("label", { for: "log-status" }, "Status "),
    h("select", { id: "log-status", name: "status" },
      ["", "received", "in_progress", "awaiting_clarification", "closed"].map((value) => h("option",
        { value, selected: value === status }, value ? word(value) : "Any"))),
    " ", h("button", { type: "submit" }, "Show"));
  show(`Records requests · ${profile.name}`,
    crumbs(agency, profile),
    h("h1", {}, "Records requests"),
    h("p", {},
      h("a", { href: `${requestsPath(agency)}/new`, class: "button" }, "Ask for records"), " ",
      h("a", { href: `${agencyPath(agency)}/stats` }, "Statistics")),
    filter,
    log.items.length === 0
      ? h("p", {}, "No requests yet.")
      : h("table", { class: "log" },
        h("caption", {}, "Requests, newest first"),
        h("thead", {}, h("tr", {}, ["Number", "Request", "Status", "Received", "Closed", "Released"]
          .map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, log.items.map((item) => h("tr", {},
          h("th", { scope: "row" }, h("a", { href: requestPath(agency, item.number) }, item.number)),
          h("td", {}, item.summary),
          h("td", {}, word(item.status)),
          h("td", {}, day(item.received_at)),
          h("td", {}, day(item.closed_at)),
          h("td", {}, String(item.released)))))),
    log.next_cursor
      ? h("p", {}, h("a", { href: url(requestsPath(agency), { status, cursor: log.next_cursor }), rel: "next" }, "Older requests"))
      : null);
}

async function askPage(agency) {
  const profile = await api(publicApi(agency));
  const form = h("form", { class: "request", novalidate: true },
    field("ask-description", "What records do you ask for?",
      h("textarea", {
        id: "ask-description", name: "description", required: true, minlength: 10, maxlength: 10000, rows: 8,
        "aria-describedby": "ask-description-help",
      }),
      "Be as precise as you can: subjects, places, dates. 10 to 10,000 characters. It is published in the agency's log."),
    field("ask-name", "Your name (optional)",
      h("input", { id: "ask-name", name: "name", autocomplete: "name", maxlength: 200 })),
    field("ask-email", "Your email address",
      h("input", {
        id: "ask-email", name: "email", type: "email", required: true, autocomplete: "email",
        "aria-describedby": "ask-email-help",
      }),
      "Notices come here. Only the agency's staff see it: never the public."),
    h("p", {}, h("button", { type: "submit" }, "Send the request")));
  const outcome = h("div", { "aria-live": "polite" });
  // One key per text sent: a retry after a lost answer files nothing twice, and an edited
  // form is a new request.
  let key = crypto.randomUUID();
  form.addEventListener("input", () => { key = crypto.randomUUID(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const name = String(data.get("name") || "").trim();
    const body = {
      description: String(data.get("description") || ""),
      requester: { email: String(data.get("email") || "").trim(), ...(name ? { name } : {}) },
    };
    form.querySelector("button").disabled = true;
    try {
      const { body: filed } = await call(`${publicApi(agency)}/requests`, {
        method: "POST", body, headers: { "idempotency-key": key },
      });
      acknowledgement(agency, profile, filed);
    } catch (error) {
      outcome.replaceChildren(problemAlert(error));
      form.querySelector("button").disabled = false;
    }
  });
  show(`Ask for records · ${profile.name}`,
    crumbs(agency, profile, h("a", { href: requestsPath(agency) }, "Records requests")),
    h("h1", {}, "Ask for records"),
    h("p", {}, `${profile.name} answers by the date its rules set, and tells you by email.`),
    form, outcome);
}

function acknowledgement(agency, profile, filed) {
  const tracking = new URL(requestPath(agency, filed.number), location.origin);
  tracking.hash = `token=${filed.tracking_token}`;
  show(`Request ${filed.number} · ${profile.name}`,
    crumbs(agency, profile, h("a", { href: requestsPath(agency) }, "Records requests")),
    h("h1", { tabindex: "-1", id: "filed" }, `Request ${filed.number} received`),
    h("dl", { class: "facts" },
      h("dt", {}, "Number"), h("dd", {}, filed.number),
      h("dt", {}, "Received"), h("dd", {}, day(filed.received_at)),
      h("dt", {}, "Answer due by"), h("dd", {}, date(filed.due_date))),
    h("h2", {}, "Your tracking link"),
    h("p", {}, "Keep this link: it is the only way to read the agency's messages to you and to answer them. "
      + "It is shown only now and is not in the email you get. Anyone who has it can read your messages."),
    h("p", { class: "tracking" }, h("a", { href: tracking.href, id: "tracking-link" }, tracking.href)));
  document.getElementById("filed").focus();
}

/** The tracking token in this page's fragment, if any. */
function trackingToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  return fragment.get("token") || null;
}

async function requestPage(agency, number) {
  const token = trackingToken();
  const headers = token ? { authorization: `Tracking ${token}` } : {};
  const [profile, answer] = await Promise.all([
    api(publicApi(agency)),
    call(`${publicApi(agency)}/requests/${encodeURIComponent(number)}`, { headers }).catch((error) => {
      if (token && error instanceof Problem && error.status === 401) return null;
      throw error;
    }),
  ]);
  if (answer === null) {
    show("Tracking link not valid",
      crumbs(agency, profile, h("a", { href: requestsPath(agency) }, "Records requests")),
      h("h1", {}, "This tracking link is not valid"),
      h("p", {}, "Check that you copied the whole link. "),
      h("p", {}, h("a", { href: requestPath(agency, number) }, `See the public page of request ${number}`)));
    return;
  }
  const request = answer.body;
  const releases = request.releases.map((release) => h("li", {},
    h("a", { href: release.download, download: release.filename }, release.filename),
    ` (${release.content_type}, released `, day(release.at), ")"));
  const messages = request.messages.map((message) => h("li", { class: `message from-${message.from}` },
    h("p", { class: "meta" },
      message.from === "requester" ? "You" : profile.name, ", ", day(message.at),
      message.visibility === "requester" ? " · to the requester only" : ""),
    h("p", { class: "body" }, message.body)));
  show(`Request ${request.number} · ${profile.name}`,
    crumbs(agency, profile, h("a", { href: requestsPath(agency) }, "Records requests")),
    h("h1", {}, `Request ${request.number}`),
    token ? h("p", { class: "notice" }, "You are reading this request as its requester, with your tracking link.") : null,
    h("p", { class: "description" }, request.description || request.summary),
    h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", {}, word(request.status)),
      h("dt", {}, "Received"), h("dd", {}, day(request.received_at)),
      h("dt", {}, "Answer due by"),
      h("dd", {}, request.due_date ? date(request.due_date) : "Waiting for the requester's answer"),
      request.extension ? [h("dt", {}, "Extended"), h("dd", {}, request.extension.reason)] : null,
      request.closing ? [
        h("dt", {}, "Outcome"), h("dd", {}, word(request.closing.reason)),
        request.closing.exemptions.length ? [h("dt", {}, "Exemptions cited"), h("dd", {}, request.closing.exemptions.join("; "))] : null,
        request.closing.duplicate_of ? [h("dt", {}, "Repeats"),
          h("dd", {}, h("a", { href: requestPath(agency, request.closing.duplicate_of) }, request.closing.duplicate_of))] : null,
      ] : null),
    h("h2", {}, "Released documents"),
    releases.length ? h("ul", { class: "releases" }, releases) : h("p", {}, "None yet."),
    h("h2", {}, "Messages"),
    messages.length ? h("ol", { class: "messages" }, messages) : h("p", {}, "No messages yet."),
    token && request.status !== "closed" ? replyForm(agency, request, token) : null);
}

function replyForm(agency, request, token) {
  const waiting = request.status === "awaiting_clarification";
  const form = h("form", { class: "reply" },
    h("h2", {}, waiting ? "Answer the agency's question" : "Write to the agency"),
    field("reply-body", "Your message",
      h("textarea", { id: "reply-body", name: "body", required: true, rows: 5, maxlength: 10000 })),
    h("p", {}, h("button", { type: "submit" }, "Send")));
  const outcome = h("div", { "aria-live": "polite" });
  // One key per text sent: a retry after a lost answer writes it once.
  let key = crypto.randomUUID();
  form.addEventListener("input", () => { key = crypto.randomUUID(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { body: String(new FormData(form).get("body") || "") };
    form.querySelector("button").disabled = true;
    try {
      await call(`${publicApi(agency)}/requests/${encodeURIComponent(request.number)}/messages`, {
        method: "POST", body, headers: { authorization: `Tracking ${token}`, "idempotency-key": key },
      });
      await requestPage(agency, request.number);
    } catch (error) {
      outcome.replaceChildren(problemAlert(error));
      form.querySelector("button").disabled = false;
    }
  });
  return [form, outcome];
}

async function statsPage(agency, query) {
  const year = query.get("year") || "";
  const [profile, stats] = await Promise.all([
    api(publicApi(agency)),
    api(url(`${publicApi(agency)}/stats`, { year })),
  ]);
  const share = (value) => (value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`);
  const reasons = Object.entries(stats.by_closing_reason || {});
  show(`Statistics ${stats.year} · ${profile.name}`,
    crumbs(agency, profile, h("a", { href: requestsPath(agency) }, "Records requests")),
    h("h1", {}, `Records requests in ${stats.year}`),
    h("form", { method: "get", action: `${agencyPath(agency)}/stats`, class: "filters" },
      h("label", { for: "stats-year" }, "Year "),
      h("input", { id: "stats-year", name: "year", type: "number", min: 2000, max: 2200, value: stats.year }),
      " ", h("button", { type: "submit" }, "Show")),
    h("dl", { class: "facts stats" },
      h("dt", {}, "Received"), h("dd", {}, String(stats.received)),
      h("dt", {}, "Closed"), h("dd", {}, String(stats.closed)),
      h("dt", {}, "Open"), h("dd", {}, String(stats.open)),
      h("dt", {}, "Overdue"), h("dd", {}, String(stats.overdue)),
      h("dt", {}, "Median days to close"),
      h("dd", {}, stats.median_days_to_close === null ? "–" : String(stats.median_days_to_close)),
      h("dt", {}, "Closed by the due date"), h("dd", {}, share(stats.closed_on_time))),
    h("h2", {}, "How requests were closed"),
    reasons.length === 0
      ? h("p", {}, "None closed yet.")
      : h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Outcome"), h("th", { scope: "col" }, "Requests"))),
        h("tbody", {}, reasons.map(([reason, count]) => h("tr", {},
          h("th", { scope: "row" }, word(reason)), h("td", {}, String(count)))))));
}

/** The page of `parts` (after /agencies/{agency}), or null. */
export function page(agency, parts, query) {
  if (parts[0] === "stats" && parts.length === 1) return statsPage(agency, query);
  if (parts[0] !== "requests") return null;
  if (parts.length === 1) return logPage(agency, query);
  if (parts.length === 2 && parts[1] === "new") return askPage(agency);
  if (parts.length === 2) return requestPage(agency, parts[1]);
  return null;
}
