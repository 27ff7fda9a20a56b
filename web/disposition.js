// Disposition, under /staff/disposition: the agency's monthly destruction lists and, for one
// list, its records. An officer other than the one who last set a record's schedule
// approves or excludes it, with a reason; auditors read. A list's certificate of
// destruction is shown, and saved as JSON, at /staff/disposition/<list>/certificate.

import { Problem, day, h, show, url } from "/lib.js";

const listPage = (id) => `/staff/disposition/${encodeURIComponent(id)}`;
const listApi = (id) => `/disposition/lists/${encodeURIComponent(id)}`;
const recordPage = (id) => `/staff/records/${encodeURIComponent(id)}`;

const STATES = {
  pending: "Awaiting a decision",
  approved: "Approved: destruction queued",
  excluded: "Excluded: kept",
  destroyed: "Destroyed",
  stopped: "Not destroyed",
};

/** Where a listed record stands, in words (and dates). */
function standing(item) {
  if (item.state === "approved" && item.waiting_until) {
    return ["Approved: waits for Object Lock until ", day(item.waiting_until)];
  }
  if (item.state === "stopped") return `${STATES.stopped}: ${item.stopped_because}`;
  if (item.state === "destroyed") return [`${STATES.destroyed} on `, day(item.destroyed_at)];
  return STATES[item.state] ?? item.state;
}

async function listsPage(me, query, { staffCall, bar }) {
  const { body } = await staffCall(me, "/disposition/lists");
  show("Destruction lists",
    bar(me),
    h("h1", {}, "Destruction lists"),
    h("p", {}, "Each month's review lists the archived records whose retention has passed and that nothing holds. Another officer than the one who set a record's schedule approves or excludes it; approved records are destroyed, leaving a tombstone."),
    body.items.length === 0
      ? h("p", {}, "No destruction list yet.")
      : h("table", {},
        h("caption", {}, `${body.items.length} ${body.items.length === 1 ? "list" : "lists"}`),
        h("thead", {}, h("tr", {}, ["Month", "Records listed", "Opened"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, body.items.map((list) => h("tr", {},
          h("th", { scope: "row" }, h("a", { href: listPage(list.id) }, list.id)),
          h("td", {}, String(list.items)),
          h("td", {}, day(list.opened_at)))))));
}

/** An officer's decision on `item`: a reason, and approve or exclude. */
function decision(me, item, staffCall) {
  if (!me.roles.includes("officer") || item.state !== "pending") return null;
  if (item.schedule_set_by === me.sub) {
    return h("p", {}, "You set its schedule: another officer decides.");
  }
  const reason = h("input", { required: true, maxlength: 2000, id: `reason-${item.record}` });
  const message = h("p", { role: "alert", class: "error" });
  const decide = (verdict, label) => {
    const control = h("button", { type: "button" }, label);
    control.addEventListener("click", async () => {
      if (!reason.value.trim()) {
        message.textContent = "Give a reason.";
        reason.focus();
        return;
      }
      control.disabled = true;
      try {
        await staffCall(me, `${listApi(item.list)}/items/${encodeURIComponent(item.record)}`, {
          method: "POST", body: { decision: verdict, reason: reason.value.trim() },
        });
        location.assign(url(listPage(item.list), { decided: 1 }));
      } catch (error) {
        message.textContent = error.message;
        control.disabled = false;
      }
    });
    return control;
  };
  return h("div", {},
    h("p", { class: "field" }, h("label", { for: reason.id }, `Reason for ${item.title}`), reason),
    h("p", { class: "actions" }, decide("approve", `Approve destruction of ${item.title}`), " ",
      decide("exclude", `Exclude ${item.title}`)),
    message);
}

async function listDetailPage(me, id, query, { staffCall, bar }) {
  const { body: page } = await staffCall(me, url(listApi(id), { cursor: query.get("cursor"), limit: 50 }));
  const rows = page.items.map((item) => h("tr", {},
    h("th", { scope: "row" }, item.state === "destroyed" ? item.title : h("a", { href: recordPage(item.record) }, item.title)),
    h("td", {}, item.retention_until),
    h("td", {}, item.action),
    h("td", {}, standing(item), item.decided_by ? ` (${item.decided_by}: ${item.reason})` : ""),
    h("td", {}, decision(me, item, staffCall))));
  show(`Destruction list ${id}`,
    bar(me),
    h("p", { class: "crumbs" }, h("a", { href: "/staff/disposition" }, "Destruction lists")),
    h("h1", {}, `Destruction list ${id}`),
    h("p", { role: "status" }, query.get("decided") ? "Decided." : ""),
    h("dl", { class: "facts" },
      h("dt", {}, "Records listed"), h("dd", {}, String(page.list.items)),
      h("dt", {}, "Opened"), h("dd", {}, day(page.list.opened_at))),
    h("p", {}, h("a", { href: `${listPage(id)}/certificate` }, "Certificate of destruction")),
    rows.length === 0
      ? h("p", {}, "No record on this list.")
      : h("table", {},
        h("thead", {}, h("tr", {}, ["Record", "Kept until", "Schedule says", "Standing", "Decision"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, rows)),
    page.next_cursor ? h("p", {}, h("a", { href: url(listPage(id), { cursor: page.next_cursor }), rel: "next" }, "More records")) : null);
}

async function certificatePage(me, id, { staffCall, bar }) {
  const { body: certificate } = await staffCall(me, `${listApi(id)}/certificate`);
  const save = h("button", { type: "button" }, "Save as JSON");
  save.addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(certificate, null, 2)], { type: "application/json" });
    const link = h("a", { href: URL.createObjectURL(blob), download: `destruction-certificate-${certificate.agency}-${id}.json` });
    document.body.append(link);
    link.click();
    link.remove();
  });
  show(`Certificate of destruction ${id}`,
    bar(me),
    h("p", { class: "crumbs" }, h("a", { href: listPage(id) }, `Destruction list ${id}`)),
    h("h1", {}, `Certificate of destruction, ${id}`),
    h("p", {}, `${certificate.agency}: ${certificate.destroyed.length} ${certificate.destroyed.length === 1 ? "record" : "records"} destroyed, ${certificate.not_destroyed} listed and not destroyed. Issued `,
      day(certificate.issued_at), ". Each destroyed record's history ends with the same facts."),
    certificate.destroyed.length === 0
      ? h("p", {}, "No record of this list has been destroyed.")
      : h("table", {},
        h("thead", {}, h("tr", {}, ["Record", "Kept until", "Approved by", "Reason", "Destroyed"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, certificate.destroyed.map((line) => h("tr", {},
          h("th", { scope: "row" }, line.title, h("br"), h("small", {}, line.id)),
          h("td", {}, line.retention_until),
          h("td", {}, line.approved_by ?? ""),
          h("td", {}, line.reason ?? ""),
          h("td", {}, line.destroyed_at ? day(line.destroyed_at) : ""))))),
    h("p", { class: "actions" }, save));
}

/** The disposition pages `parts` names (the path after /staff/disposition). */
export function page(me, parts, query, helpers) {
  if (parts.length === 0) return listsPage(me, query, helpers);
  if (parts.length === 1) return listDetailPage(me, parts[0], query, helpers);
  if (parts.length === 2 && parts[1] === "certificate") return certificatePage(me, parts[0], helpers);
  throw new Problem(404, null);
}

/** What stays of a destroyed record, for its page. */
export function tombstone(me, problem, bar) {
  const stone = problem.body.tombstone;
  show("Destroyed record",
    bar(me),
    h("h1", {}, "Destroyed record"),
    h("p", {}, problem.message),
    h("dl", { class: "facts" },
      h("dt", {}, "Record"), h("dd", {}, stone.id),
      h("dt", {}, "Created"), h("dd", {}, day(stone.created_at)),
      h("dt", {}, "Destroyed"), h("dd", {}, day(stone.destroyed_at)),
      h("dt", {}, "Approved by"), h("dd", {}, stone.approved_by),
      h("dt", {}, "Destruction list"), h("dd", {}, h("a", { href: listPage(stone.list) }, stone.list)),
      h("dt", {}, "Content hash"), h("dd", {}, h("code", {}, stone.content_hash))),
    h("p", {}, h("a", { href: `${recordPage(stone.id)}/history` }, "Its history"), " stays, verifiable up to this hash."));
}
