// Named legal holds, under /staff/holds: every hold of the agency and, for one hold, the
// records it covers. Officers open holds, lift them from records and release them;
// auditors read. Placing a record under a hold is done from the record's page.

import { Problem, day, h, show, url } from "/lib.js";

const holdPage = (id) => `/staff/holds/${encodeURIComponent(id)}`;
const holdApi = (id) => `/holds/${encodeURIComponent(id)}`;
const recordPage = (id) => `/staff/records/${encodeURIComponent(id)}`;

/** The agency's holds (officers and auditors may read them). */
export async function holds(calls) {
  return (await calls("/holds")).body.items;
}

function field(id, label, control) {
  control.id = id;
  return h("p", { class: "field" }, h("label", { for: id }, label), control);
}

/** A button that runs `action` once at a time, reporting a refusal in `message`. */
function button(label, message, action) {
  const control = h("button", { type: "button" }, label);
  control.addEventListener("click", async () => {
    control.disabled = true;
    try {
      await action();
    } catch (error) {
      message.textContent = error.message;
      control.disabled = false;
    }
  });
  return control;
}

async function listPage(me, query, { staffCall, bar }) {
  const items = await holds((path, options) => staffCall(me, path, options));
  const officer = me.roles.includes("officer");
  let create = null;
  if (officer) {
    const name = h("input", { required: true, maxlength: 200 });
    const reason = h("textarea", { rows: 3, required: true, maxlength: 2000 });
    const message = h("p", { role: "alert", class: "error" });
    create = h("form", { class: "panel" }, h("h2", {}, "New legal hold"),
      field("hold-name", "Name (the matter)", name),
      field("hold-reason", "Reason", reason),
      h("p", {}, h("button", { type: "submit" }, "Open hold")), message);
    create.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = create.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        const { body } = await staffCall(me, "/holds", { method: "POST", body: { name: name.value.trim(), reason: reason.value.trim() } });
        location.assign(holdPage(body.id));
      } catch (error) {
        message.textContent = error.message;
        submit.disabled = false;
      }
    });
  }
  show("Legal holds",
    bar(me),
    h("h1", {}, "Legal holds"),
    h("p", {}, "While any hold covers a record, nothing can delete or destroy it. Place records under a hold from their pages."),
    items.length === 0
      ? h("p", {}, "No legal holds.")
      : h("table", {},
        h("caption", {}, `${items.length} ${items.length === 1 ? "hold" : "holds"}`),
        h("thead", {}, h("tr", {}, ["Hold", "Status", "Records", "Opened"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, items.map((hold) => h("tr", {},
          h("th", { scope: "row" }, h("a", { href: holdPage(hold.id) }, hold.name)),
          h("td", {}, hold.status),
          h("td", {}, String(hold.records)),
          h("td", {}, day(hold.created_at), ` by ${hold.created_by}`))))),
    create);
}

async function holdDetailPage(me, id, query, { staffCall, bar }) {
  const all = await holds((path, options) => staffCall(me, path, options));
  const hold = all.find((candidate) => candidate.id === id);
  if (!hold) throw new Problem(404, null);
  const { body: page } = await staffCall(me, url(`${holdApi(id)}/records`, { cursor: query.get("cursor"), limit: 50 }));
  const officer = me.roles.includes("officer") && hold.status === "active";
  const message = h("p", { role: "alert", class: "error" });
  const rows = page.items.map((record) => {
    const cells = [h("th", { scope: "row" }, h("a", { href: recordPage(record.id) }, record.title)),
      h("td", {}, record.status), h("td", {}, record.classification)];
    if (officer) {
      cells.push(h("td", {}, button(`Lift from ${record.title}`, message, async () => {
        await staffCall(me, `${holdApi(id)}/records/${encodeURIComponent(record.id)}`, { method: "DELETE" });
        location.assign(url(holdPage(id), { lifted: 1 }));
      })));
    }
    return h("tr", {}, cells);
  });
  const release = officer
    ? h("p", { class: "actions" }, button("Release this hold", message, async () => {
      let answer;
      do {
        answer = await staffCall(me, `${holdApi(id)}/release`, { method: "POST" });
      } while (answer.body.status === "active");
      location.assign(url(holdPage(id), { released: 1 }));
    }))
    : null;
  const said = { lifted: "Lifted.", released: "Released: it covers no record any more." };
  show(hold.name,
    bar(me),
    h("p", { class: "crumbs" }, h("a", { href: "/staff/holds" }, "Legal holds")),
    h("h1", {}, hold.name),
    h("p", { role: "status" }, Object.keys(said).filter((k) => query.get(k)).map((k) => said[k]).join(" ")),
    message,
    h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", {}, hold.status),
      h("dt", {}, "Reason"), h("dd", { class: "description" }, hold.reason),
      h("dt", {}, "Records"), h("dd", {}, String(hold.records)),
      h("dt", {}, "Opened"), h("dd", {}, day(hold.created_at), ` by ${hold.created_by}`),
      h("dt", {}, "Last changed"), h("dd", {}, day(hold.updated_at), ` by ${hold.updated_by}`)),
    release,
    h("h2", {}, "Records under this hold"),
    rows.length === 0
      ? h("p", {}, "It covers no record.")
      : h("table", {},
        h("thead", {}, h("tr", {}, ["Record", "Status", "Classification", ...(officer ? ["Lift"] : [])].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, rows)),
    page.next_cursor ? h("p", {}, h("a", { href: url(holdPage(id), { cursor: page.next_cursor }), rel: "next" }, "More records")) : null);
}

/** The hold pages `parts` names (the path after /staff/holds). */
export function page(me, parts, query, helpers) {
  if (parts.length === 0) return listPage(me, query, helpers);
  if (parts.length === 1) return holdDetailPage(me, parts[0], query, helpers);
  throw new Problem(404, null);
}

/** The record page's hold section: the holds covering it and, for officers, placing it. */
export async function recordHolds(me, record, staffCall) {
  const historian = me.roles.includes("officer") || me.roles.includes("auditor");
  if (!historian) return null;
  const all = await holds((path, options) => staffCall(me, path, options));
  const named = record.holds.map((id) => all.find((hold) => hold.id === id)).filter(Boolean);
  const list = named.length === 0
    ? h("p", {}, "No named hold covers it.")
    : h("ul", {}, named.map((hold) => h("li", {}, h("a", { href: holdPage(hold.id) }, hold.name))));
  let form = null;
  const open = all.filter((hold) => hold.status === "active" && !record.holds.includes(hold.id));
  if (me.roles.includes("officer") && open.length) {
    const choice = h("select", {}, open.map((hold) => h("option", { value: hold.id }, hold.name)));
    const message = h("p", { role: "alert", class: "error" });
    form = h("form", {}, field("place-hold", "Place under the hold", choice),
      h("p", {}, h("button", { type: "submit" }, "Place under hold")), message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await staffCall(me, `${holdApi(choice.value)}/records`, { method: "POST", body: { record_id: record.id } });
        location.assign(url(recordPage(record.id), { saved: 1 }));
      } catch (error) {
        message.textContent = error.message;
      }
    });
  }
  return h("section", { class: "panel" }, h("h2", {}, "Legal holds"), list, form);
}
