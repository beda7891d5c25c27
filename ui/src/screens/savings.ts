// 効果: what the plans, schedules and 実績 this office really exchanged would have cost on paper —
// printing, postage or fax, staff time — month by month and projected to a year, at unit costs
// the office can change (each with where its default comes from); saved as PDF or CSV for the
// office's management.

import { save } from "@tauri-apps/plugin-dialog";

import { api, errorMessage, type CostReport, type Counts, type MonthCost, type UnitCosts } from "../api";
import { clear, h, svg } from "../dom";
import { formatMonth } from "../format";
import { t } from "../i18n";
import type { Screen, Shell } from "./screen";

/** Yen as staff read them: `67,733 円`. */
export function formatYen(n: number): string {
  return `${Math.round(n).toLocaleString("ja-JP")} 円`;
}

function counts(c: Counts): string {
  return `${c.plans}・${c.schedules}・${c.jisseki}`;
}

/** Bars of each month's saving: recorded dark, projected light, the part without staff time at
 * the foot of each bar. */
export function chart(months: MonthCost[]): SVGElement {
  const w = 640;
  const top = 18;
  const height = 160;
  const slot = w / Math.max(months.length, 1);
  const most = Math.max(1, ...months.map((m) => m.total_yen));
  const bars = months.flatMap((m, i) => {
    const x = i * slot + slot * 0.15;
    const bw = slot * 0.7;
    const full = (height * Math.max(0, m.total_yen)) / most;
    const part = (height * Math.max(0, m.without_staff_yen)) / most;
    const cls = m.projected ? "projected" : "recorded";
    return [
      svg("rect", { class: `bar ${cls}`, x, y: top + height - full, width: bw, height: full }, svg("title", {}, `${formatMonth(m.month)} ${formatYen(m.total_yen)}`)),
      svg("rect", { class: `bar-part ${cls}`, x, y: top + height - part, width: bw, height: part }),
      svg("text", { x: x + bw / 2, y: top + height - full - 4, "text-anchor": "middle", class: "value" }, `${(m.total_yen / 10000).toFixed(1)}万`),
      svg("text", { x: x + bw / 2, y: top + height + 14, "text-anchor": "middle" }, `${Number(m.month.slice(4))}月`),
    ];
  });
  return svg("svg", { class: "chart", id: "savings-chart", viewBox: `0 0 ${w} ${top + height + 20}`, role: "img" }, ...bars);
}

export function createSavings(shell: Shell): Screen {
  const body = h("div", { id: "savings-body" });
  let report: CostReport | null = null;
  const draw = () => {
    clear(body);
    if (!report) return;
    body.append(...drawReport(report, shell, (r) => ((report = r), draw())));
  };
  const el = h(
    "main",
    { class: "content", id: "screen-savings" },
    h("h1", {}, t("savingsTitle")),
    h("p", { class: "muted" }, t("savingsLead")),
    body,
  );
  return {
    el,
    show: async () => {
      try {
        report = await api.costReport();
        draw();
      } catch (e) {
        clear(body);
        body.append(h("div", { class: "message error", role: "alert" }, errorMessage(e)));
      }
    },
  };
}

function drawReport(r: CostReport, shell: Shell, redraw: (r: CostReport) => void): HTMLElement[] {
  if (!r.months.length) return [h("p", { class: "empty" }, t("savingsEmpty")), costsCard(r, shell, redraw)];
  // The twelve months the year's figure is of: the last recorded, then the projected.
  const all = [...r.months, ...r.projected].slice(-12);
  const saveAs = async (ext: "pdf" | "csv") => {
    const path = await save({ defaultPath: `${t("savingsFile")}.${ext}`, filters: [{ name: ext.toUpperCase(), extensions: [ext] }] });
    if (!path) return;
    try {
      await api.saveCostReport(path);
      shell.say("info", `${t("saved")}: ${path}`);
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };
  return [
    h(
      "section",
      { class: "card savings-total" },
      h("small", {}, t("savingsYear")),
      h("strong", { id: "savings-year" }, formatYen(r.year_total_yen)),
      h("span", { class: "muted", id: "savings-year-without" }, `${t("savingsWithoutStaff")} ${formatYen(r.year_without_staff_yen)}`),
      h(
        "div",
        { class: "actions" },
        h("button", { class: "secondary", id: "savings-pdf", onclick: () => void saveAs("pdf") }, t("savingsSavePdf")),
        h("button", { class: "secondary", id: "savings-csv", onclick: () => void saveAs("csv") }, t("savingsSaveCsv")),
      ),
    ),
    h("section", { class: "card" }, chart(all), h("p", { class: "muted legend" }, t("savingsLegend"))),
    h(
      "table",
      { class: "list", id: "savings-months" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [t("savingsMonth"), t("savingsSent"), t("savingsReceived"), t("savingsSheets"), t("savingsDeliveries"), t("savingsMinutes"), t("savingsWithoutStaff"), t("savingsSaved")].map((x) => h("th", {}, x)),
        ),
      ),
      h(
        "tbody",
        {},
        all.map((m) =>
          h(
            "tr",
            { class: m.projected ? "projected" : "" },
            h("td", {}, `${formatMonth(m.month)}${m.projected ? `（${t("savingsProjected")}）` : ""}`),
            h("td", {}, counts(m.sent)),
            h("td", {}, counts(m.received)),
            h("td", { class: "num" }, String(m.sheets)),
            h("td", { class: "num" }, String(m.deliveries)),
            h("td", { class: "num" }, String(m.staff_minutes)),
            h("td", { class: "num" }, formatYen(m.without_staff_yen)),
            h("td", { class: "num" }, formatYen(m.total_yen)),
          ),
        ),
      ),
    ),
    h(
      "table",
      { class: "list", id: "savings-partners" },
      h("thead", {}, h("tr", {}, [t("savingsMonth"), t("partner"), t("savingsSent"), t("savingsReceived")].map((x) => h("th", {}, x)))),
      h(
        "tbody",
        {},
        r.partners.map((p) =>
          h("tr", {}, h("td", {}, formatMonth(p.month)), h("td", {}, `${p.name ?? ""} ${p.partner}`.trim()), h("td", {}, counts(p.sent)), h("td", {}, counts(p.received))),
        ),
      ),
    ),
    costsCard(r, shell, redraw),
  ];
}

/** The unit costs, each editable, with its unit and source; recalculated and kept on save. */
function costsCard(r: CostReport, shell: Shell, redraw: (r: CostReport) => void): HTMLElement {
  const inputs = new Map<string, HTMLInputElement>();
  const rows = r.costs.map((c) => {
    const input = h("input", { type: "number", min: "0", step: "any", id: `cost-${c.key}`, value: String(c.value) });
    inputs.set(c.key, input);
    return h(
      "tr",
      {},
      h("td", {}, c.label),
      h("td", { class: "num" }, input, ` ${c.unit}`),
      h("td", { class: "source" }, c.source, c.value !== c.default ? h("span", { class: "muted" }, `（${t("savingsDefault")} ${c.default}）`) : null),
    );
  });
  const apply = async (values: (key: string) => number) => {
    const costs = Object.fromEntries(r.costs.map((c) => [c.key, values(c.key)])) as unknown as UnitCosts;
    try {
      redraw(await api.setCosts(costs));
      shell.say("info", t("saved"));
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };
  const typed = (key: string) => {
    const v = Number.parseFloat(inputs.get(key)?.value ?? "");
    return Number.isFinite(v) ? v : (r.costs.find((c) => c.key === key)?.value ?? 0);
  };
  return h(
    "section",
    { class: "card", id: "savings-costs" },
    h("h2", {}, t("savingsCosts")),
    h("p", { class: "hint" }, t("savingsCostsLead")),
    h("table", { class: "list costs" }, h("tbody", {}, rows)),
    h(
      "div",
      { class: "actions" },
      h("button", { class: "primary", id: "savings-apply", onclick: () => void apply(typed) }, t("savingsApply")),
      h(
        "button",
        { class: "secondary", id: "savings-defaults", onclick: () => void apply((key) => r.costs.find((c) => c.key === key)?.default ?? 0) },
        t("savingsDefaults"),
      ),
    ),
  );
}
