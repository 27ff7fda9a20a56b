// The fixity report, at /staff/fixity (auditors and officers): the latest nightly run, and
// the agency's documents by what their last check found.

import { day, h, show } from "/lib.js";

/** The report page. */
export async function page(me, { staffCall, bar }) {
  const { body: report } = await staffCall(me, "/fixity");
  const run = report.last_run;
  const counts = report.documents;
  show("Fixity",
    bar(me),
    h("h1", {}, "Fixity"),
    h("p", {}, `Every night documents are read back and hashed, least recently checked first, so that each is checked at least every ${report.period_days} days. A document whose bytes changed or vanished is damaged: it is not served until restored bytes pass a check.`),
    h("h2", {}, "Latest run"),
    run
      ? h("dl", { class: "facts" },
        h("dt", {}, "Ran"), h("dd", {}, day(run.at)),
        h("dt", {}, "Documents read"), h("dd", {}, `${run.checked} (${run.bytes} bytes)`),
        h("dt", {}, "Found intact"), h("dd", {}, String(run.intact)),
        h("dt", {}, "Found damaged"), h("dd", {}, String(run.damaged)),
        h("dt", {}, "Restored"), h("dd", {}, String(run.restored)),
        h("dt", {}, "Left past the period"), h("dd", {}, String(run.overdue)))
      : h("p", {}, "No fixity run yet."),
    h("h2", {}, "Documents"),
    h("table", {},
      h("caption", {}, report.complete ? "By their last check" : "By their last check (the first 10,000 documents)"),
      h("thead", {}, h("tr", {}, ["Last check found", "Documents"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, [
        ["Intact", counts.intact],
        ["Changed bytes", counts.mismatch],
        ["Missing object", counts.missing],
        ["Not checked yet", counts.unchecked],
        ["Damaged now", report.damaged],
        ["Due (unchecked for longer than the period)", report.due],
      ].map(([label, count]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, String(count)))))));
}
