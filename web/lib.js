// What every page of the portal uses: building elements, calling the API, formatting.
// Data is only ever put into the page as text (never as HTML), so a record's title cannot
// become markup, and the Content-Security-Policy forbids inline code anyway.

/** An element: `h("a", {href: "/"}, "Home")`. Strings become text nodes. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** An answer of the API that is not a success: its problem document's title and detail. */
export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `The server answered ${status}.`);
    this.status = status;
    this.body = body;
  }
}

/**
 * Calls the API: `method` on `path`, with a bearer `token`, a JSON `body` sent as
 * `contentType`, and more `headers`. Resolves to `{body, etag}`; rejects with a Problem.
 */
export async function call(path, { method = "GET", token, body, contentType = "application/json", headers = {} } = {}) {
  const sent = { accept: "application/json", ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  if (body !== undefined) sent["content-type"] = contentType;
  const response = await fetch(path, {
    method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new Problem(response.status, answer);
  return { body: answer, etag: response.headers.get("etag") };
}

/** GETs `path` from the public API; resolves to its JSON. */
export async function api(path) {
  return (await call(path)).body;
}

/** `path?query`, leaving out empty parameters. */
export function url(path, parameters = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value) query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** A `<time>` for an ISO timestamp. */
export const day = (iso) => (iso ? h("time", { datetime: iso }, dateFormat.format(new Date(iso))) : "");

/** A byte count, as people read it. */
export function size(bytes) {
  const units = ["bytes", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `text` with the character ranges `matches` marked (offsets count Unicode characters). */
export function marked(text, matches = []) {
  const characters = Array.from(text);
  const parts = [];
  let at = 0;
  for (const [start, end] of matches) {
    if (start < at || end > characters.length) continue;
    parts.push(characters.slice(at, start).join(""));
    parts.push(h("mark", {}, characters.slice(start, end).join("")));
    at = end;
  }
  parts.push(characters.slice(at).join(""));
  return parts;
}

/** A record's tags, as a list. */
export function tags(list) {
  if (!list?.length) return null;
  return h("ul", { class: "tags", "aria-label": "Tags" }, list.map((tag) => h("li", {}, tag)));
}

/** What a highlighted field is called on the page. */
const FIELD_NAMES = {
  description: "Description",
  tags: "Tags",
  filenames: "File name",
  content: "In a document",
};

/** One record in a list, linking to `href`, with the snippets a search found in it. */
export function recordItem(href, record, highlights = {}) {
  const title = highlights.title?.[0];
  const snippets = Object.entries(highlights)
    .filter(([field]) => field !== "title")
    .flatMap(([field, list]) => list.map((snippet) => h("p", { class: "snippet" },
      h("span", { class: "field-name" }, `${FIELD_NAMES[field] || field}: `),
      marked(snippet.text, snippet.matches))));
  return h("li", {},
    h("h3", {}, h("a", { href }, title ? marked(title.text, title.matches) : record.title)),
    h("p", { class: "meta" },
      record.published_at ? ["Published ", day(record.published_at)] : `${record.status}`,
      record.status === "archived" ? " · archived" : ""),
    snippets.length ? snippets : (record.description ? h("p", {}, record.description) : null),
    tags(record.tags));
}

/** Replaces the page's content and title. */
export function show(title, ...content) {
  document.title = `${title} · Dossier`;
  document.getElementById("main").replaceChildren(...content.flat().filter(Boolean));
}
