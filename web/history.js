// A record's history (auditors and officers), verified in the browser: every entry's hash
// is worked out again (SHA-256 through WebCrypto of its RFC 8785 form without `hash`) and
// must be the one shown, and each entry must name the one before it. The first entry that
// fails is marked; those after it cannot be trusted either.

import { h } from "/lib.js";

const GENESIS = "0".repeat(64);
const PAGE = 100;

/**
 * RFC 8785 (JCS) text of `value`. JCS writes strings and numbers exactly as ECMAScript's
 * JSON.stringify does, and sorts object keys by UTF-16 code units, as Array#sort does.
 */
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Why `entry` does not follow `previous` (null for the first), or null if it does. */
export async function fault(entry, previous) {
  const { hash, ...rest } = entry;
  if (entry.seq !== (previous ? previous.seq + 1 : 1)) return `expected entry ${previous ? previous.seq + 1 : 1} here`;
  if (entry.prev_hash !== (previous ? previous.hash : GENESIS)) return "does not name the entry before it";
  if ((await sha256Hex(canonical(rest))) !== hash) return "its content does not match its hash";
  return null;
}

/** Every entry of record `id`'s history, page after page. */
async function entries(calls, id) {
  const all = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: PAGE });
    if (cursor) query.set("cursor", cursor);
    const { body } = await calls(`/records/${encodeURIComponent(id)}/history?${query}`);
    all.push(...body.items);
    cursor = body.next_cursor;
  } while (cursor);
  return all;
}

/** A change's value, as the table shows it. */
const shown = (value) => (value === null ? "(none)" : typeof value === "string" ? value : JSON.stringify(value));

/** The history page's content for record `id`. */
export async function historyContent(calls, id) {
  const list = await entries(calls, id);
  let broken = null;
  for (let i = 0; i < list.length && !broken; i += 1) {
    const why = await fault(list[i], list[i - 1] ?? null);
    if (why) broken = { seq: list[i].seq, why };
  }
  const verdict = broken
    ? h("p", { role: "alert", class: "error" },
      `The history does not verify: entry ${broken.seq} ${broken.why}. It and every entry after it cannot be trusted.`)
    : h("p", { role: "status", class: "verified" },
      `All ${list.length} entries verify: each hash matches its entry and names the one before.`);
  const rows = list.map((entry) => {
    const bad = broken && entry.seq === broken.seq;
    return h("tr", { class: bad ? "unverified" : null, id: `entry-${entry.seq}` },
      h("th", { scope: "row" }, String(entry.seq), bad ? h("strong", {}, " does not verify") : null),
      h("td", {}, h("time", { datetime: entry.at }, entry.at)),
      h("td", {}, entry.actor),
      h("td", {}, entry.action),
      h("td", {}, h("ul", { class: "changes" }, Object.entries(entry.changes).map(([field, [before, after]]) =>
        h("li", {}, `${field}: ${shown(before)} → ${shown(after)}`)))),
      h("td", { class: "hash" }, h("code", {}, entry.hash.slice(0, 16))));
  });
  return [
    verdict,
    h("table", { class: "history" },
      h("caption", {}, "Every change, oldest first"),
      h("thead", {}, h("tr", {}, ["#", "When", "Who", "What", "Changes", "Hash"].map((n) => h("th", { scope: "col" }, n)))),
      h("tbody", {}, rows)),
  ];
}
