// A record's documents on its staff page: the list with each one's status, downloads, and
// the upload. A file is hashed in the browser while it is read in chunks (never whole in
// memory), announced with its SHA-256, sent straight to storage with a progress bar, and
// watched until ingestion settles it: available, or quarantined with the reason.

import { Problem, day, h, size } from "/lib.js";

/** The types the API takes, by file name ending (the API checks the ending too). */
const TYPES = {
  pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg",
  tif: "image/tiff", tiff: "image/tiff", txt: "text/plain", csv: "text/csv",
};
const CHUNK_BYTES = 4 * 1024 * 1024;
/** How long a pending document is watched before the page says to look again later. */
const WATCH_MS = 5 * 60 * 1000;

/** The type of `file` by its name, or null if the API takes no such file. */
export const typeOf = (file) => TYPES[file.name.split(".").pop().toLowerCase()] ?? null;

/** Base64 SHA-256 of `file`, read `CHUNK_BYTES` at a time; `progress(done)` after each. */
export async function sha256(file, progress) {
  // Loaded only when someone uploads: no other page needs it.
  const { sha256: hasher } = await import("/vendor/noble-hashes/sha2.js");
  const hash = hasher.create();
  for (let at = 0; at < file.size; at += CHUNK_BYTES) {
    hash.update(new Uint8Array(await file.slice(at, at + CHUNK_BYTES).arrayBuffer()));
    progress(Math.min(at + CHUNK_BYTES, file.size));
  }
  const digest = hash.digest();
  return btoa(String.fromCharCode(...digest));
}

/**
 * Sends `file` as the presigned `upload` says, reporting `progress(sent)`. XMLHttpRequest,
 * because fetch reports no upload progress. The browser sets Content-Length itself.
 */
export function put(upload, file, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(upload.method, upload.url);
    for (const [name, value] of Object.entries(upload.headers)) {
      if (name.toLowerCase() !== "content-length") request.setRequestHeader(name, value);
    }
    request.upload.addEventListener("progress", (event) => progress(event.loaded));
    request.addEventListener("load", () => (request.status < 300
      ? resolve()
      : reject(new Error(`Storage refused the file (${request.status}). Nothing was kept; try again.`))));
    request.addEventListener("error", () => reject(new Error("The upload was interrupted. Try again.")));
    request.send(file);
  });
}

/** A document's status, as people read it. */
function statusText(document) {
  if (document.status === "quarantined") return `quarantined: ${document.quarantine_reason || "failed verification"}`;
  if (document.status === "pending") return "pending: being verified";
  return "available";
}

/**
 * The documents section of record `id`: `calls(path, options)` is the staff API.
 * `writer` shows the upload form.
 */
export async function documentsSection(calls, id, writer) {
  const base = `/records/${encodeURIComponent(id)}/documents`;
  const { body } = await calls(`${base}?limit=100`);
  const rows = new Map();
  const announce = h("p", { role: "status", class: "help", id: "document-status" });
  const tbody = h("tbody", {});

  /** The row of `document`, created or brought up to date. */
  function row(document) {
    const name = document.status === "available"
      ? h("button", { type: "button", class: "link" }, document.filename)
      : document.filename;
    if (name instanceof Element) {
      name.addEventListener("click", async () => {
        try {
          const { body: current } = await calls(`${base}/${encodeURIComponent(document.id)}`);
          location.assign(current.download.url);
        } catch (error) {
          announce.textContent = error.message;
        }
      });
    }
    const cells = h("tr", { "data-document": document.id },
      h("td", {}, name),
      h("td", {}, document.content_type),
      h("td", {}, size(document.size)),
      h("td", { class: `document-${document.status}` }, statusText(document)),
      h("td", {}, day(document.created_at)));
    const old = rows.get(document.id);
    if (old) old.replaceWith(cells); else tbody.append(cells);
    rows.set(document.id, cells);
  }

  /** Asks after `document` until ingestion settles it, saying so when it does. */
  async function watch(document) {
    const until = Date.now() + WATCH_MS;
    for (let wait = 250; Date.now() < until; wait = Math.min(wait * 2, 5000)) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      const { body: now } = await calls(`${base}/${encodeURIComponent(document.id)}`);
      if (now.status !== "pending") {
        row(now);
        announce.textContent = `${now.filename} is ${statusText(now)}.`;
        return;
      }
    }
    announce.textContent = `${document.filename} is still being verified; look again later.`;
  }

  body.items.forEach(row);
  body.items.filter((document) => document.status === "pending").forEach(watch);
  const table = h("table", { class: "documents" },
    h("caption", {}, "Each file, and whether it has been verified"),
    h("thead", {}, h("tr", {}, ["File", "Type", "Size", "Status", "Added"].map((n) => h("th", { scope: "col" }, n)))),
    tbody);

  const section = h("section", { "aria-labelledby": "documents-heading" },
    h("h2", { id: "documents-heading" }, "Documents"),
    body.items.length || writer ? table : h("p", {}, "No documents."),
    announce);
  if (writer) section.append(uploadForm(calls, base, row, watch, announce));
  return section;
}

function uploadForm(calls, base, row, watch, announce) {
  const input = h("input", { type: "file", id: "upload-file", accept: Object.keys(TYPES).map((e) => `.${e}`).join(",") });
  const bar = h("progress", { max: 1, value: 0, hidden: true, "aria-label": "Upload progress" });
  const button = h("button", { type: "submit" }, "Upload");
  const form = h("form", { class: "panel" },
    h("h3", {}, "Add a document"),
    h("p", { class: "field" }, h("label", { for: "upload-file" }, "File"), input),
    h("p", { class: "help" }, "PDF, PNG, JPEG, TIFF, plain text or CSV."),
    h("p", {}, button, " ", bar));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) {
      announce.textContent = "Choose a file first.";
      return;
    }
    const type = typeOf(file);
    if (!type) {
      announce.textContent = `${file.name}: not a type Dossier keeps (${Object.keys(TYPES).join(", ")}).`;
      return;
    }
    button.disabled = true;
    bar.hidden = false;
    // Reading and sending are each half of the bar.
    const total = file.size * 2;
    try {
      announce.textContent = `Reading ${file.name}…`;
      const sha = await sha256(file, (done) => { bar.value = done / total; });
      const { body: announced } = await calls(base, {
        method: "POST", body: { filename: file.name, content_type: type, size: file.size, sha256: sha },
      });
      row(announced.document);
      announce.textContent = `Sending ${file.name}…`;
      await put(announced.upload, file, (sent) => { bar.value = (file.size + sent) / total; });
      bar.value = 1;
      announce.textContent = `${file.name} is uploaded and being verified.`;
      form.reset();
      watch(announced.document);
    } catch (error) {
      announce.textContent = error instanceof Problem && error.body?.errors
        ? error.body.errors.map((e) => `${e.field}: ${e.detail}`).join("; ")
        : error.message;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
