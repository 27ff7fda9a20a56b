// Dossier's portal: every page is a plain URL, rendered from the API on the same origin.
// The public pages are here; the staff pages (staff.js) load only under /staff.

import {
  Problem, api, day, h, recordItem, show, size, tags, url,
} from "/lib.js";

const agencyPath = (agency) => `/agencies/${encodeURIComponent(agency)}`;
const recordPath = (agency, id) => `${agencyPath(agency)}/records/${encodeURIComponent(id)}`;
const publicApi = (agency) => `/public/agencies/${encodeURIComponent(agency)}`;
const query = () => new URLSearchParams(location.search);

/** A web address from a profile, as a link only if it is http(s). */
function website(address) {
  try {
    const parsed = new URL(address);
    if (parsed.protocol === "https:" || parsed.protocol === "http:") {
      return h("a", { href: parsed.href, rel: "noopener noreferrer" }, parsed.host);
    }
  } catch {
    // Not a URL: shown as nothing.
  }
  return null;
}

function problemPage(error) {
  if (error instanceof Problem && error.status === 404) {
    show("Not found", h("h1", {}, "Not found"),
      h("p", {}, "There is no public record at this address."),
      h("p", {}, h("a", { href: "/" }, "See the agencies")));
  } else {
    show("Error", h("h1", {}, "Something went wrong"),
      h("p", { role: "alert" }, error.message));
  }
}

async function agenciesPage() {
  const { items } = await api("/public/agencies");
  show("Agencies",
    h("h1", {}, "Agencies"),
    h("p", {}, "Agencies that publish their records here. Choose one to read and search them."),
    items.length === 0
      ? h("p", {}, "No agency publishes records yet.")
      : h("ul", { class: "cards" }, items.map((agency) => h("li", {},
        h("h2", {}, h("a", { href: agencyPath(agency.agency) }, agency.name)),
        agency.description ? h("p", {}, agency.description) : null,
        website(agency.website)))));
}

function searchForm(agency, values = {}) {
  const field = (name, label, attributes = {}) => h("p", { class: "field" },
    h("label", { for: `search-${name}` }, label),
    h("input", { id: `search-${name}`, name, value: values[name] || "", ...attributes }));
  return h("form", { class: "search", role: "search", action: `${agencyPath(agency)}/search`, method: "get" },
    field("q", "Search the records", { type: "search", "aria-describedby": "search-help" }),
    h("p", { id: "search-help", class: "help" },
      "All words must match. Use \"quotes\" for a phrase, perm* for a prefix, -word to exclude."),
    h("details", { open: Boolean(values.tag || values.from || values.to) },
      h("summary", {}, "Filters"),
      field("tag", "Tag"),
      field("from", "Published from", { type: "date" }),
      field("to", "Published until", { type: "date" })),
    h("p", {}, h("button", { type: "submit" }, "Search")));
}

async function agencyPage(agency, query) {
  const [profile, records] = await Promise.all([
    api(publicApi(agency)),
    api(url(`${publicApi(agency)}/records`, { limit: 20, cursor: query.get("cursor") })),
  ]);
  show(profile.name,
    h("h1", {}, profile.name),
    profile.description ? h("p", { class: "lead" }, profile.description) : null,
    h("p", { class: "meta" }, website(profile.website)),
    searchForm(agency),
    h("p", { class: "actions" },
      h("a", { href: `${agencyPath(agency)}/requests/new` }, "Ask for records"), " · ",
      h("a", { href: `${agencyPath(agency)}/requests` }, "Records requests"), " · ",
      h("a", { href: `${agencyPath(agency)}/stats` }, "Statistics")),
    h("h2", {}, "Latest records"),
    records.items.length === 0
      ? h("p", {}, "Nothing published yet.")
      : h("ul", { class: "records" }, records.items.map((record) => recordItem(recordPath(agency, record.id), record))),
    records.next_cursor
      ? h("p", {}, h("a", { href: url(agencyPath(agency), { cursor: records.next_cursor }), rel: "next" }, "Older records"))
      : null);
}

async function searchPage(agency, query) {
  const values = Object.fromEntries(["q", "tag", "from", "to"].map((name) => [name, query.get(name) || ""]));
  const profile = await api(publicApi(agency));
  const heading = [h("p", { class: "crumbs" }, h("a", { href: agencyPath(agency) }, profile.name)),
    h("h1", {}, values.q ? `Search: ${values.q}` : "Search")];
  let results;
  try {
    results = await api(url(`${publicApi(agency)}/search`, { ...values, cursor: query.get("cursor") }));
  } catch (error) {
    if (!(error instanceof Problem) || error.status !== 400) throw error;
    show("Search", heading, searchForm(agency, values), h("p", { role: "alert", class: "error" }, error.message));
    return;
  }
  const count = results.total === 1 ? "1 record found" : `${results.total} records found`;
  show(values.q ? `Search: ${values.q}` : "Search",
    heading,
    searchForm(agency, values),
    h("p", { role: "status" }, count),
    h("ul", { class: "records" }, results.items.map((hit) => recordItem(recordPath(agency, hit.record.id), hit.record, hit.highlights))),
    results.next_cursor
      ? h("p", {}, h("a", { href: url(`${agencyPath(agency)}/search`, { ...values, cursor: results.next_cursor }), rel: "next" }, "More results"))
      : null);
}

async function recordPage(agency, id) {
  const [profile, record] = await Promise.all([
    api(publicApi(agency)),
    api(`${publicApi(agency)}/records/${encodeURIComponent(id)}`),
  ]);
  const documents = record.documents.map((document) => h("tr", {},
    h("td", {}, h("a", {
      href: `${publicApi(agency)}/records/${encodeURIComponent(id)}/documents/${encodeURIComponent(document.id)}`,
      download: document.filename,
    }, document.filename)),
    h("td", {}, document.content_type),
    h("td", {}, size(document.size)),
    h("td", { class: "hash" }, h("code", {}, document.sha256))));
  show(record.title,
    h("p", { class: "crumbs" }, h("a", { href: agencyPath(agency) }, profile.name)),
    h("h1", {}, record.title),
    h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", {}, record.status),
      h("dt", {}, "Published"), h("dd", {}, day(record.published_at)),
      h("dt", {}, "Last updated"), h("dd", {}, day(record.updated_at))),
    tags(record.tags),
    record.description ? h("p", { class: "description" }, record.description) : null,
    h("h2", {}, "Documents"),
    documents.length === 0
      ? h("p", {}, "No documents.")
      : h("table", {},
        h("caption", {}, `${documents.length} ${documents.length === 1 ? "document" : "documents"}`),
        h("thead", {}, h("tr", {}, ["Name", "Type", "Size", "SHA-256"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, documents)));
}

/** The page a path names, or null. */
function route(path) {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return () => agenciesPage();
  if (parts[0] === "staff") return async () => (await import("/staff.js")).page(parts.slice(1), query());
  if (parts[0] !== "agencies" || parts.length < 2) return null;
  const agency = parts[1];
  if (parts.length === 2) return () => agencyPage(agency, query());
  if (parts.length === 3 && parts[2] === "search") return () => searchPage(agency, query());
  if (parts.length === 4 && parts[2] === "records") return () => recordPage(agency, parts[3]);
  if (parts[2] === "requests" || parts[2] === "stats") {
    return async () => {
      const rendering = (await import("/requests.js")).page(agency, parts.slice(2), query());
      if (!rendering) throw new Problem(404, null);
      await rendering;
    };
  }
  return null;
}

async function start() {
  try {
    const page = route(location.pathname);
    if (!page) throw new Problem(404, null);
    await page();
  } catch (error) {
    problemPage(error);
  }
  document.getElementById("main").setAttribute("aria-busy", "false");
}

start();
