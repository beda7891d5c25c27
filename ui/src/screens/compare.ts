// 予実: a month's 実績 set against the plan, per service office and user, as the month's calendar
// with the differing days marked, the list of differences, and a CSV of them for a spreadsheet.

import { save } from "@tauri-apps/plugin-dialog";

import { api, errorMessage, type Check, type Comparison, type Difference, type MonthComparison, type UserComparison } from "../api";
import { clear, h } from "../dom";
import { formatMonth } from "../format";
import { dayHeads, WEEKDAYS } from "../forms";
import { t, type Key } from "../i18n";
import type { Screen, Shell } from "./screen";

const CHECK_KEYS: Record<Check, Key> = {
  planned_not_delivered: "checkPlannedNotDelivered",
  delivered_not_planned: "checkDeliveredNotPlanned",
  time_changed: "checkTimeChanged",
  count_changed: "checkCountChanged",
  units_changed: "checkUnitsChanged",
  no_plan: "checkNoPlan",
  over_limit: "checkOverLimit",
};

/** The name of a check as staff read it. */
export function checkLabel(c: Check): string {
  return t(CHECK_KEYS[c]);
}

/** Units with thousands separators and their sign when asked: `+1,234`. */
export function formatUnits(n: number, signed = false): string {
  const s = Math.abs(n).toLocaleString("ja-JP");
  return n < 0 ? `-${s}` : signed && n > 0 ? `+${s}` : s;
}

function visit(v: Difference["planned"]): string {
  if (!v) return "—";
  const times = v.start === "9999" ? "" : `${v.start.slice(0, 2).replace(/^0/, "")}:${v.start.slice(2)}～${v.end.slice(0, 2).replace(/^0/, "")}:${v.end.slice(2)} `;
  return `${times}${v.count}${t("times")}`;
}

function dateLabel(date: string, weekdays: number[]): string {
  if (!date) return t("wholeMonth");
  const day = Number(date.slice(6, 8));
  return `${Number(date.slice(4, 6))}/${day}（${WEEKDAYS[weekdays[day - 1]]}）`;
}

function grid(c: Comparison, u: UserComparison): Node {
  const rows = u.grid.flatMap((r) => {
    const service = `${r.code}${r.service_type ? ` ${r.service_type}` : ""}`;
    const cell = (n: number, i: number, actual: boolean) => {
      const mark = r.marks[i];
      return h(
        "td",
        { class: `day${mark ? ` mark ${mark}` : ""}`, title: mark ? checkLabel(mark) : "" },
        n ? String(n) : actual && mark === "planned_not_delivered" ? "×" : "",
      );
    };
    return [
      h("tr", {}, h("td", { rowspan: "2", class: "time" }, r.times || t("noTime")), h("td", { rowspan: "2", class: "svc" }, service), h("th", { class: "which" }, t("planned")), r.planned.map((n, i) => cell(n, i, false))),
      h("tr", { class: "actual" }, h("th", { class: "which" }, t("actual")), r.actual.map((n, i) => cell(n, i, true))),
    ];
  });
  return h("div", { class: "scroll" }, h("table", { class: "calendar compare-grid" }, dayHeads(c.weekdays, [t("serviceTime"), t("serviceContent"), ""], []), h("tbody", {}, rows)));
}

function differences(c: Comparison, u: UserComparison): Node {
  return h(
    "table",
    { class: "list differences" },
    h("thead", {}, h("tr", {}, [t("date"), t("serviceContent"), t("check"), t("planned"), t("actual"), t("unitsDifference")].map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      u.differences.map((d) =>
        h(
          "tr",
          { class: `difference ${d.check}`, "data-check": d.check },
          h("td", {}, dateLabel(d.date, c.weekdays)),
          h("td", {}, d.code ? `${d.code} ${d.service_type ?? ""}` : ""),
          h("td", {}, h("span", { class: `pill mark ${d.check}` }, checkLabel(d.check))),
          h("td", {}, visit(d.planned)),
          h("td", {}, visit(d.actual)),
          h("td", { class: "num" }, formatUnits(d.units, true)),
        ),
      ),
    ),
  );
}

function user(c: Comparison, u: UserComparison): Node {
  const limit = u.limit !== null ? `　${t("limit")} ${formatUnits(u.limit)}　${t("planTotal")} ${formatUnits(u.plan_total)} → ${formatUnits(u.projected_total)}` : "";
  return h(
    "section",
    { class: `compare-user${u.differences.length ? " has-differences" : ""}`, "data-insured": u.key.insured },
    h("h3", {}, `${u.name ?? t("nameUnknown")}（${u.key.insured}）`, " ", h("span", { class: u.differences.length ? "pill bad" : "pill ok" }, u.differences.length ? `${t("differences")} ${u.differences.length}` : t("noDifferences"))),
    h("p", { class: "muted" }, `${t("planned")} ${formatUnits(u.planned_units)}${t("units")} → ${t("actual")} ${formatUnits(u.actual_units)}${t("units")}${limit}`),
    u.differences.length ? [grid(c, u), differences(c, u)] : null,
  );
}

/** One office's 実績 against the plan. */
export function drawComparison(c: Comparison, exportCsv: (c: Comparison) => void): HTMLElement {
  return h(
    "section",
    { class: "card comparison", "data-office": c.office },
    h(
      "header",
      { class: "comparison-head" },
      h("h2", {}, `${c.office_name ?? c.office}（${c.office}）`),
      h("span", { class: c.differences ? "pill bad" : "pill ok" }, c.differences ? `${t("differences")} ${c.differences}` : t("noDifferences")),
      h("button", { class: "secondary no-print", onclick: () => exportCsv(c) }, t("exportCsv")),
    ),
    h("p", { class: "form-source muted" }, `${t("actualFrom")}: ${c.jisseki_file}　${t("planFrom")}: ${c.plan_files.join("、") || t("notFound")}`),
    c.users.map((u) => user(c, u)),
  );
}

export function createCompare(shell: Shell): Screen {
  const month = h("select", { id: "compare-month" });
  const result = h("div", { id: "compare-result" });
  const legend = h(
    "p",
    { class: "legend hint" },
    (["planned_not_delivered", "delivered_not_planned", "time_changed", "count_changed"] as Check[]).map((c) => h("span", { class: `pill mark ${c}` }, checkLabel(c))),
  );
  const el = h(
    "main",
    { class: "content", id: "screen-compare" },
    h("h1", {}, t("compareTitle")),
    h("p", { class: "lead" }, t("compareLead")),
    h("div", { class: "actions no-print" }, month, h("button", { class: "secondary", onclick: () => window.print() }, t("print"))),
    legend,
    result,
  );

  const exportCsv = async (c: Comparison) => {
    const path = await save({ defaultPath: `予実突合_${c.month}_${c.office}.csv`, filters: [{ name: "CSV", extensions: ["csv"] }] });
    if (!path) return;
    try {
      const n = await api.exportComparison(c.month, c.office, c.service_type, path);
      shell.say("info", `${n} ${t("exported")}: ${path}`);
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };

  const draw = (m: MonthComparison) => {
    clear(result);
    if (m.problems.length) {
      result.append(
        h("div", { class: "message error", role: "alert" }, h("strong", {}, t("filesNotRead")), h("ul", {}, m.problems.map((f) => h("li", {}, h("code", {}, f.name), " ", f.problem ?? "")))),
      );
    }
    result.append(...m.comparisons.map((c) => drawComparison(c, (x) => void exportCsv(x))));
  };

  const load = async () => {
    if (!month.value) return;
    clear(result);
    result.append(h("p", { class: "muted loading" }, t("loading")));
    try {
      draw(await api.compareMonth(month.value));
    } catch (e) {
      clear(result);
      result.append(h("div", { class: "message error", role: "alert" }, errorMessage(e)));
    }
  };
  month.addEventListener("change", () => void load());

  const show = async () => {
    try {
      const months = await api.jissekiMonths();
      const chosen = month.value;
      clear(month);
      month.append(...months.map((m) => h("option", { value: m }, formatMonth(m))));
      if (!months.length) {
        clear(result);
        result.append(h("p", { class: "muted empty" }, t("compareEmpty")));
        return;
      }
      month.value = months.includes(chosen) ? chosen : months[0];
      await load();
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };

  return { el, show };
}
