// Retention schedules, under /staff/schedules: every schedule of the agency; officers
// create, change and delete them. Every change names the version it was made on
// (If-Match): a schedule changed meanwhile is shown again, never overwritten.

import { Problem, day, h, show } from "/lib.js";

const EVENTS = { created: "creation", published: "publication", archived: "archiving" };
const ACTIONS = { destroy: "destroy", review: "review" };
const scheduleApi = (id) => `/schedules/${encodeURIComponent(id)}`;

/** "7 years 6 months", "1 year", "0 months". */
export function period({ years, months }) {
  const part = (n, one) => (n ? `${n} ${one}${n === 1 ? "" : "s"}` : "");
  return [part(years, "year"), part(months, "month")].filter(Boolean).join(" ") || "0 months";
}

/** How a schedule keeps a record, in a sentence. */
export function rule(schedule) {
  return `Keep ${period(schedule.keep)} after ${EVENTS[schedule.from]}, then ${ACTIONS[schedule.action]}.`;
}

/** The agency's schedules, for the record pages' choices. */
export async function schedules(calls) {
  return (await calls("/schedules")).body.items;
}

function field(id, label, control, help) {
  control.id = id;
  return h("p", { class: "field" }, h("label", { for: id }, label), control,
    help ? h("span", { class: "help", id: `${id}-help` }, help) : null);
}

function choices(values, chosen) {
  return Object.entries(values).map(([value, label]) => h("option", { value, selected: value === chosen }, label));
}

/** The controls of a schedule's form, from `schedule` (defaults for a new one). */
function controls(prefix, schedule = { name: "", keep: { years: 7, months: 0 }, from: "archived", action: "destroy" }) {
  const number = (value, max) => h("input", { type: "number", min: 0, max, step: 1, value: String(value), required: true });
  return {
    name: h("input", { value: schedule.name, required: true, maxlength: 200 }),
    years: number(schedule.keep.years, 200),
    months: number(schedule.keep.months, 11),
    from: h("select", {}, choices(EVENTS, schedule.from)),
    action: h("select", {}, choices(ACTIONS, schedule.action)),
    prefix,
  };
}

function fields(c) {
  return [
    field(`${c.prefix}-name`, "Name", c.name),
    h("fieldset", { class: "inline" }, h("legend", {}, "Keep for"),
      field(`${c.prefix}-years`, "Years", c.years),
      field(`${c.prefix}-months`, "Months", c.months)),
    field(`${c.prefix}-from`, "Counted from the record's", c.from),
    field(`${c.prefix}-action`, "Then", c.action),
  ];
}

function values(c) {
  return {
    name: c.name.value.trim(),
    keep: { years: Number(c.years.value), months: Number(c.months.value) },
    from: c.from.value,
    action: c.action.value,
  };
}

/** A form that sends `request(values)` once at a time, reporting a refusal in `message`. */
function sending(form, message, request) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await request();
    } catch (error) {
      message.textContent = error instanceof Problem && error.status === 412
        ? "Someone else changed this schedule since you opened the page. Reload to see it as it is now."
        : error.message;
      button.disabled = false;
    }
  });
}

function row(me, schedule, staffCall, officer) {
  const cells = [
    h("th", { scope: "row" }, schedule.name),
    h("td", {}, rule(schedule)),
    h("td", {}, schedule.in_use ? "yes" : "no"),
    h("td", {}, String(schedule.version), " · ", day(schedule.updated_at), ` by ${schedule.updated_by}`),
  ];
  if (!officer) return h("tr", {}, cells);
  const c = controls(`s-${schedule.id}`, schedule);
  const message = h("p", { role: "alert", class: "error" });
  const tag = `"${schedule.version}"`;
  const edit = h("form", {}, fields(c), h("p", {}, h("button", { type: "submit" }, "Save")), message);
  sending(edit, message, async () => {
    await staffCall(me, scheduleApi(schedule.id), {
      method: "PATCH", body: values(c), contentType: "application/merge-patch+json", headers: { "if-match": tag },
    });
    location.assign("/staff/schedules?saved=1");
  });
  // One records have been kept under stays: it is part of their provenance.
  let remove = h("span", { class: "help" }, "In use: it can change, not be deleted.");
  if (!schedule.in_use) {
    remove = h("button", { type: "button" }, `Delete ${schedule.name}`);
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await staffCall(me, scheduleApi(schedule.id), { method: "DELETE", headers: { "if-match": tag } });
        location.assign("/staff/schedules?deleted=1");
      } catch (error) {
        message.textContent = error.message;
        remove.disabled = false;
      }
    });
  }
  cells.push(h("td", {}, h("details", {}, h("summary", {}, `Change ${schedule.name}`), edit), remove));
  return h("tr", {}, cells);
}

async function listPage(me, query, { staffCall, bar }) {
  const items = await schedules((path, options) => staffCall(me, path, options));
  const officer = me.roles.includes("officer");
  const said = { saved: "Saved.", deleted: "Deleted.", created: "Created." };
  const status = h("p", { role: "status" }, Object.keys(said).filter((k) => query.get(k)).map((k) => said[k]).join(" "));
  let create = null;
  if (officer) {
    const c = controls("new");
    const message = h("p", { role: "alert", class: "error" });
    create = h("form", { class: "panel" }, h("h2", {}, "New schedule"), fields(c),
      h("p", {}, h("button", { type: "submit" }, "Create schedule")), message);
    sending(create, message, async () => {
      await staffCall(me, "/schedules", { method: "POST", body: values(c) });
      location.assign("/staff/schedules?created=1");
    });
  }
  const headings = ["Schedule", "Rule", "In use", "Version", ...(officer ? ["Change"] : [])];
  show("Retention schedules",
    bar(me),
    h("h1", {}, "Retention schedules"),
    status,
    h("p", {}, "How long each kind of record is kept, counted from which event, and what happens then. ",
      "A schedule records have been kept under can change but not be deleted."),
    items.length === 0
      ? h("p", {}, "No schedules yet.")
      : h("table", {},
        h("caption", {}, `${items.length} ${items.length === 1 ? "schedule" : "schedules"}`),
        h("thead", {}, h("tr", {}, headings.map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, items.map((schedule) => row(me, schedule, staffCall, officer)))),
    create);
}

/** The schedules page `parts` names (the path after /staff/schedules). */
export function page(me, parts, query, helpers) {
  if (parts.length === 0) return listPage(me, query, helpers);
  throw new Problem(404, null);
}
