// The staff pages, under /staff: sign-in, the agency's records, search, a record with the
// controls the caller's roles allow. The session is a token in this tab's sessionStorage;
// the API checks every call, so what the page hides is a courtesy, never the protection.

import { Problem, call, day, h, recordItem, show, tags, url } from "/lib.js";

const SESSION = "dossier.session";
const WRITERS = ["clerk", "officer"];
const HISTORIANS = ["auditor", "officer"];
/** The fields the edit form changes. */
const FIELDS = ["title", "description", "classification", "tags"];
const CLASSIFICATIONS = ["public", "internal", "confidential"];
const STATUSES = ["draft", "published", "archived"];
const recordPage = (id) => `/staff/records/${encodeURIComponent(id)}`;

/** The signed-in caller: `{token, sub, agency, roles}`, or null (none, or expired). */
function session() {
  try {
    const { token } = JSON.parse(sessionStorage.getItem(SESSION));
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(payload));
    if (!claims.exp || claims.exp * 1000 <= Date.now()) return null;
    if (!claims.agency) return null;
    return { token, sub: claims.sub, agency: claims.agency, roles: claims.roles || claims["cognito:groups"] || [] };
  } catch {
    return null;
  }
}

/** Back to the sign-in page, saying why. */
function signInAgain(reason) {
  sessionStorage.removeItem(SESSION);
  location.assign(url("/staff/sign-in", { reason }));
}

/** The API as the caller; a refused session goes back to the sign-in page. */
async function staffCall(me, path, options = {}) {
  try {
    return await call(path, { ...options, token: me.token });
  } catch (error) {
    if (error instanceof Problem && error.status === 401) signInAgain("expired");
    throw error;
  }
}

/** Who is signed in, and the way out. */
function bar(me) {
  const out = h("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", () => signInAgain("signed-out"));
  return h("p", { class: "session" },
    `Signed in as ${me.sub} (${me.agency}: ${me.roles.join(", ")}) · `,
    h("a", { href: "/staff" }, "Records"), " · ",
    h("a", { href: "/staff/requests" }, "Requests"), " · ",
    h("a", { href: "/staff/schedules" }, "Schedules"), " · ",
    HISTORIANS.some((role) => me.roles.includes(role))
      ? [h("a", { href: "/staff/holds" }, "Holds"), " · ", h("a", { href: "/staff/disposition" }, "Disposition"), " · ",
        h("a", { href: "/staff/fixity" }, "Fixity"), " · "]
      : null,
    out);
}

function field(name, label, control) {
  control.id = `field-${name}`;
  control.name = name;
  return h("p", { class: "field" }, h("label", { for: control.id }, label), control);
}

function select(options, value, { any } = {}) {
  return h("select", {},
    any ? h("option", { value: "" }, any) : null,
    options.map((option) => h("option", { value: option, selected: option === value }, option)));
}

const REASONS = {
  expired: "Your session has ended or was refused. Sign in again.",
  "signed-out": "You are signed out.",
};

/** The page that says why signing in cannot go on. */
function signInProblem(text) {
  show("Sign in", h("h1", {}, "Staff sign-in"), h("p", { role: "alert", class: "error" }, text),
    h("p", {}, h("a", { href: "/staff/sign-in" }, "Start again")));
}

async function signInPage(query) {
  const settings = await call("/sign-in.json").then(({ body }) => body, () => ({}));
  const reason = REASONS[query.get("reason")];
  const said = reason ? h("p", { role: "status" }, reason) : null;
  if (settings.authorization_url) {
    const go = h("button", { type: "button" }, "Sign in with your agency's account");
    go.addEventListener("click", () => startProvider(settings));
    show("Sign in", h("h1", {}, "Staff sign-in"), said, h("p", {}, go));
    return;
  }
  if (!settings.development) {
    show("Sign in", h("h1", {}, "Staff sign-in"), said,
      h("p", {}, "This server has no sign-in page: use a token from your agency's identity provider."));
    return;
  }
  const sub = h("input", { autocomplete: "username", required: true });
  const agency = h("input", { required: true });
  const roles = ["reader", "clerk", "officer", "auditor"].map((role) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "roles", value: role }), ` ${role}`));
  const message = h("p", { role: "alert", class: "error" });
  const form = h("form", { class: "panel" },
    field("sub", "User name", sub),
    field("agency", "Agency", agency),
    h("fieldset", {}, h("legend", {}, "Roles"), roles),
    h("p", {}, h("button", { type: "submit" }, "Sign in")),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("input[name=roles]:checked")].map((box) => box.value);
    try {
      const { body } = await call("/_dev/sign-in", {
        method: "POST", body: { sub: sub.value.trim(), agency: agency.value.trim(), roles: chosen },
      });
      sessionStorage.setItem(SESSION, JSON.stringify(body));
      location.assign("/staff");
    } catch (error) {
      message.textContent = error.message;
    }
  });
  show("Sign in",
    h("h1", {}, "Staff sign-in"),
    said,
    h("p", { class: "help" }, "Development sign-in: the local server signs a token for whoever you say you are."),
    form);
}

// ---- Sign-in through the identity provider: authorization code with PKCE (RFC 7636) ----

const PKCE = "dossier.pkce";
const CALLBACK = "/staff/callback";

/** `bytes` as base64url without padding. */
const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = (length) => base64url(crypto.getRandomValues(new Uint8Array(length)));

/** Off to the provider, with a fresh verifier and state kept in this tab for the way back. */
async function startProvider(settings) {
  const verifier = random(32);
  const state = random(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  location.assign(url(settings.authorization_url, {
    response_type: "code",
    client_id: settings.client_id,
    redirect_uri: location.origin + CALLBACK,
    scope: settings.scope || "openid",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }));
}

/** Back from the provider: the code, for this tab's verifier, becomes the session's token. */
async function callbackPage(query) {
  const kept = JSON.parse(sessionStorage.getItem(PKCE) || "null");
  sessionStorage.removeItem(PKCE);
  // The code must not stay in the address bar or the history.
  history.replaceState(null, "", CALLBACK);
  if (query.get("error")) return signInProblem(`The identity provider refused: ${query.get("error_description") || query.get("error")}.`);
  if (!kept || !query.get("code") || query.get("state") !== kept.state) {
    return signInProblem("This sign-in was not started here, or was already used.");
  }
  const settings = (await call("/sign-in.json")).body;
  const response = await fetch(settings.token_url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: query.get("code"),
      redirect_uri: location.origin + CALLBACK,
      client_id: settings.client_id,
      code_verifier: kept.verifier,
    }),
  }).catch(() => null);
  const answer = response && await response.json().catch(() => null);
  // The ID token: its audience is the portal's client id, which the API checks.
  if (!response?.ok || !answer?.id_token) return signInProblem("The identity provider gave no token. Try again.");
  sessionStorage.setItem(SESSION, JSON.stringify({ token: answer.id_token }));
  if (!session()) return signInProblem("The identity provider's token names no agency or has expired.");
  location.assign("/staff");
}

async function recordsPage(me, query) {
  const filters = Object.fromEntries(["status", "classification", "tag", "cursor"].map((n) => [n, query.get(n) || ""]));
  const { body } = await staffCall(me, url("/records", { ...filters, limit: 25 }));
  const form = h("form", { class: "panel filters", action: "/staff", method: "get" },
    field("status", "Status", select(STATUSES, filters.status, { any: "Any status" })),
    field("classification", "Classification", select(CLASSIFICATIONS, filters.classification, { any: "Any" })),
    field("tag", "Tag", h("input", { value: filters.tag })),
    h("p", {}, h("button", { type: "submit" }, "Filter")));
  const search = h("form", { class: "panel", role: "search", action: "/staff/search", method: "get" },
    field("q", "Search your agency's records", h("input", { type: "search" })),
    h("p", {}, h("button", { type: "submit" }, "Search")));
  show("Records",
    bar(me),
    h("h1", {}, `Records of ${me.agency}`),
    me.roles.some((role) => WRITERS.includes(role)) ? h("p", {}, h("a", { href: "/staff/records/new", class: "button" }, "New record")) : null,
    search,
    form,
    body.items.length === 0
      ? h("p", {}, "No records match.")
      : h("ul", { class: "records" }, body.items.map((record) => recordItem(recordPage(record.id), record))),
    body.next_cursor ? h("p", {}, h("a", { href: url("/staff", { ...filters, cursor: body.next_cursor }), rel: "next" }, "More records")) : null);
}

async function searchPage(me, query) {
  const q = query.get("q") || "";
  const search = h("form", { class: "panel", role: "search", action: "/staff/search", method: "get" },
    field("q", "Search your agency's records", h("input", { type: "search", value: q })),
    h("p", {}, h("button", { type: "submit" }, "Search")));
  let results;
  try {
    results = (await staffCall(me, url("/search", { q, cursor: query.get("cursor") }))).body;
  } catch (error) {
    if (!(error instanceof Problem) || error.status !== 400) throw error;
    show("Search", bar(me), h("h1", {}, "Search"), search, h("p", { role: "alert", class: "error" }, error.message));
    return;
  }
  show(`Search: ${q}`,
    bar(me),
    h("h1", {}, `Search: ${q}`),
    search,
    h("p", { role: "status" }, results.total === 1 ? "1 record found" : `${results.total} records found`),
    h("ul", { class: "records" }, results.items.map((hit) => recordItem(recordPage(hit.record.id), hit.record, hit.highlights))),
    results.next_cursor ? h("p", {}, h("a", { href: url("/staff/search", { q, cursor: results.next_cursor }), rel: "next" }, "More results")) : null);
}

/** The fields of the record form, from `record` (empty for a new one). */
function recordForm(record = {}) {
  return {
    title: h("input", { value: record.title || "", required: true, maxlength: 200 }),
    description: h("textarea", { rows: 4 }, record.description || ""),
    classification: select(CLASSIFICATIONS, record.classification || "internal"),
    tags: h("input", { value: (record.tags || []).join(", "), "aria-describedby": "tags-help" }),
  };
}

function formValues(controls) {
  return {
    title: controls.title.value.trim(),
    description: controls.description.value.trim() || null,
    classification: controls.classification.value,
    tags: controls.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean),
  };
}

function formFields(controls) {
  return [
    field("title", "Title", controls.title),
    field("description", "Description", controls.description),
    field("classification", "Classification", controls.classification),
    field("tags", "Tags", controls.tags),
    h("p", { id: "tags-help", class: "help" }, "Separated by commas."),
  ];
}

/** A choice of the agency's retention schedules, `chosen` selected; "" is none. */
function scheduleSelect(list, chosen) {
  return h("select", {}, h("option", { value: "" }, "No schedule"),
    list.map((schedule) => h("option", { value: schedule.id, selected: schedule.id === chosen }, schedule.name)));
}

async function newRecordPage(me) {
  const controls = recordForm();
  const { schedules } = await import("/schedules.js");
  const schedule = scheduleSelect(await schedules((path, options) => staffCall(me, path, options)), "");
  const message = h("p", { role: "alert", class: "error" });
  const form = h("form", { class: "panel" }, formFields(controls),
    field("schedule", "Retention schedule", schedule),
    h("p", {}, h("button", { type: "submit" }, "Create")), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(controls);
    if (!values.description) delete values.description;
    if (schedule.value) values.schedule = schedule.value;
    try {
      const { body } = await staffCall(me, "/records", { method: "POST", body: values });
      location.assign(recordPage(body.id));
    } catch (error) {
      message.textContent = error.message;
    }
  });
  show("New record", bar(me), h("h1", {}, "New record"), form);
}

/** What `values` change in `record`, as a merge patch. */
function changes(record, values) {
  const patch = {};
  for (const [name, value] of Object.entries(values)) {
    if (JSON.stringify(value) !== JSON.stringify(record[name] ?? null)) patch[name] = value;
  }
  return patch;
}

/** A field's value as the conflict table shows it. */
function shown(value) {
  const text = Array.isArray(value) ? value.join(", ") : value ?? "";
  return text === "" ? "(none)" : String(text);
}

/** The fields someone else changed between `before` and `now`, then the ones `patch` changes. */
function conflictFields(before, now, patch) {
  const theirs = [...FIELDS, "status", "legal_hold"]
    .filter((name) => JSON.stringify(before[name] ?? null) !== JSON.stringify(now[name] ?? null));
  return [...new Set([...theirs, ...Object.keys(patch)])];
}

async function editPage(me, id) {
  let answer;
  try {
    answer = await staffCall(me, `/records/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof Problem && error.status === 410) return (await import("/disposition.js")).tombstone(me, error, bar);
    throw error;
  }
  const { body: record, etag } = answer;
  const writer = me.roles.some((role) => WRITERS.includes(role));
  const officer = me.roles.includes("officer");
  const status = h("p", { role: "status" });
  const alert = h("div", { role: "alert" });

  /** Sends `patch` against version `tag`; on a conflict, shows it and offers to re-apply. */
  async function save(patch, tag) {
    try {
      await staffCall(me, `/records/${encodeURIComponent(id)}`, {
        method: "PATCH", body: patch, contentType: "application/merge-patch+json", headers: { "if-match": tag },
      });
      location.assign(url(recordPage(id), { saved: 1 }));
    } catch (error) {
      if (!(error instanceof Problem) || error.status !== 412) {
        alert.replaceChildren(h("p", { class: "error" }, error.message));
        return;
      }
      const { body: now, etag: nowTag } = await staffCall(me, `/records/${encodeURIComponent(id)}`);
      const again = h("button", { type: "button" }, "Apply my changes to the current version");
      again.addEventListener("click", () => save(patch, nowTag));
      const discard = h("a", { href: recordPage(id) }, "Discard my changes");
      alert.replaceChildren(
        h("h2", {}, "Someone else changed this record"),
        h("p", {}, `It is at version ${now.version} now, changed by ${now.updated_by}. Your changes were not saved.`),
        h("table", { class: "conflict" },
          h("caption", {}, "What changed since you opened the record, and your changes"),
          h("thead", {}, h("tr", {}, ["Field", "When you opened it", "Now", "Yours"].map((name) => h("th", { scope: "col" }, name)))),
          h("tbody", {}, conflictFields(record, now, patch).map((name) =>
            h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, shown(record[name])), h("td", {}, shown(now[name])),
              h("td", {}, name in patch ? shown(patch[name]) : "(unchanged)"))))),
        h("p", { class: "actions" }, again, " ", discard));
      again.focus();
    }
  }

  const { schedules, rule } = await import("/schedules.js");
  const agencySchedules = await schedules((path, options) => staffCall(me, path, options));
  const named = agencySchedules.find((schedule) => schedule.id === record.schedule);
  const retention = record.retention_until
    ? [h("time", { datetime: record.retention_until }, record.retention_until)]
    : [record.schedule ? "not started: its schedule counts from an event still to come" : "none"];
  const facts = h("dl", { class: "facts" },
    h("dt", {}, "Status"), h("dd", {}, record.status),
    h("dt", {}, "Retention schedule"), h("dd", {}, named ? `${named.name}. ${rule(named)}` : "none"),
    h("dt", {}, "Kept until"), h("dd", {}, ...retention),
    h("dt", {}, "Classification"), h("dd", {}, record.classification),
    h("dt", {}, "Version"), h("dd", {}, String(record.version)),
    h("dt", {}, "Legal hold"), h("dd", {}, holdSummary(record)),
    h("dt", {}, "Published"), h("dd", {}, record.published_at ? day(record.published_at) : "not yet"),
    h("dt", {}, "Last changed"), h("dd", {}, day(record.updated_at), ` by ${record.updated_by}`),
    h("dt", {}, "Created"), h("dd", {}, day(record.created_at), ` by ${record.created_by}`));

  let form = null;
  if (writer && record.status !== "archived") {
    const controls = recordForm(record);
    form = h("form", { class: "panel" }, h("h2", {}, "Edit"), formFields(controls),
      h("p", {}, h("button", { type: "submit" }, "Save")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const patch = changes(record, formValues(controls));
      if (Object.keys(patch).length === 0) {
        status.textContent = "Nothing to save.";
        return;
      }
      save(patch, etag);
    });
  }

  const actions = [];
  const action = (label, patch) => {
    const button = h("button", { type: "button" }, label);
    button.addEventListener("click", () => save(patch, etag));
    actions.push(button, " ");
  };
  if (officer) {
    if (record.status === "draft") action("Publish", { status: "published" });
    if (record.status !== "archived") action("Archive", { status: "archived" });
    const direct = record.direct_hold ?? record.legal_hold;
    action(direct ? "Release legal hold" : "Place legal hold", { legal_hold: !direct });
  }
  let scheduleForm = null;
  if (officer) {
    const choice = scheduleSelect(agencySchedules, record.schedule || "");
    scheduleForm = h("form", { class: "panel" }, h("h2", {}, "Retention"),
      field("schedule", "Retention schedule", choice),
      h("p", { class: "help" }, "The schedule computes the date the record is kept until; an archived record's can only be extended."),
      h("p", {}, h("button", { type: "submit" }, "Set schedule")));
    scheduleForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = choice.value || null;
      if (chosen === (record.schedule ?? null)) {
        status.textContent = "Nothing to save.";
        return;
      }
      save({ schedule: chosen }, etag);
    });
  }

  const holdSection = await (await import("/holds.js")).recordHolds(me, record, staffCall);

  // Loaded here, not with every staff page: only a record's page lists documents.
  const { documentsSection } = await import("/documents.js");
  const calls = (path, options) => staffCall(me, path, options);
  const documents = await documentsSection(calls, id, writer && record.status !== "archived");
  const historian = me.roles.some((role) => HISTORIANS.includes(role));

  if (new URLSearchParams(location.search).get("saved")) status.textContent = "Saved.";
  show(record.title,
    bar(me),
    h("h1", {}, record.title),
    status,
    alert,
    facts,
    tags(record.tags),
    record.description ? h("p", { class: "description" }, record.description) : null,
    actions.length ? h("p", { class: "actions" }, actions) : null,
    historian ? h("p", {}, h("a", { href: `${recordPage(id)}/history` }, "History of this record")) : null,
    documents,
    form,
    scheduleForm,
    holdSection);
}

/** Whether anything holds a record, and what. */
function holdSummary(record) {
  if (!record.legal_hold) return "no";
  const direct = record.direct_hold ?? record.holds.length === 0;
  const named = record.holds.length;
  const parts = [direct ? "its own hold" : null, named ? `${named} named ${named === 1 ? "hold" : "holds"}` : null];
  return `yes: ${parts.filter(Boolean).join(" and ")}`;
}

async function historyPage(me, id) {
  const { historyContent } = await import("/history.js");
  const calls = (path, options) => staffCall(me, path, options);
  // A destroyed record's history stays: it is named by its id, its tombstone a link away.
  const title = await calls(`/records/${encodeURIComponent(id)}`).then(
    ({ body }) => body.title,
    (error) => { if (error instanceof Problem && error.status === 410) return `Destroyed record ${id}`; throw error; });
  const content = await historyContent(calls, id);
  show(`History: ${title}`,
    bar(me),
    h("p", { class: "crumbs" }, h("a", { href: recordPage(id) }, title)),
    h("h1", {}, "History"),
    content);
}

/** The staff page `parts` names (the path after /staff). */
export async function page(parts, query) {
  if (parts[0] === "sign-in" && parts.length === 1) return signInPage(query);
  if (parts[0] === "callback" && parts.length === 1) return callbackPage(query);
  const me = session();
  if (!me) return signInAgain(sessionStorage.getItem(SESSION) ? "expired" : "");
  if (parts.length === 0) return recordsPage(me, query);
  if (parts[0] === "search" && parts.length === 1) return searchPage(me, query);
  if (parts[0] === "records" && parts[1] === "new" && parts.length === 2) return newRecordPage(me);
  if (parts[0] === "records" && parts.length === 2) return editPage(me, parts[1]);
  if (parts[0] === "records" && parts[2] === "history" && parts.length === 3) return historyPage(me, parts[1]);
  if (parts[0] === "fixity" && parts.length === 1) return (await import("/fixity.js")).page(me, { staffCall, bar });
  if (parts[0] === "disposition") return (await import("/disposition.js")).page(me, parts.slice(1), query, { staffCall, bar });
  if (parts[0] === "holds") return (await import("/holds.js")).page(me, parts.slice(1), query, { staffCall, bar });
  if (parts[0] === "schedules") return (await import("/schedules.js")).page(me, parts.slice(1), query, { staffCall, bar });
  if (parts[0] === "requests") return (await import("/staff-requests.js")).page(me, parts.slice(1), query, { staffCall, bar });
  throw new Problem(404, null);
}
