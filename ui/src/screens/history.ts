// 履歴: every file sent and received with its states and receipts; filters stay as typed.

import { save } from "@tauri-apps/plugin-dialog";

import { api, errorMessage, type Activity, type HistoryEntry, type HistoryFilter } from "../api";
import { h } from "../dom";
import { formatMonth, formatTime, isGoodState, stateLabel } from "../format";
import { t } from "../i18n";
import { loadInto } from "../view";
import type { Screen, Shell } from "./screen";

// Files that can be shown as forms: not refused ones, whose content is not to be trusted.
function viewable(e: HistoryEntry): boolean {
  return !["quarantined", "replayed", "failed"].includes(e.state);
}

function draw(entries: HistoryEntry[], view: (e: HistoryEntry) => void): Node {
  return h(
    "table",
    { class: "list" },
    h("thead", {}, h("tr", {}, ["", t("date"), t("partner"), t("kind"), t("month"), t("state"), t("receipt"), t("person")].map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      entries.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, e.direction === "sent" ? "↑ " + t("sent") : "↓ " + t("received")),
          h("td", {}, formatTime(e.created_at)),
          h("td", {}, e.partner_name ?? e.partner),
          h(
            "td",
            {},
            e.kind_name ?? e.kind ?? "",
            viewable(e) ? h("div", {}, h("button", { class: "link view-forms", onclick: () => view(e) }, t("viewForms"))) : null,
          ),
          h("td", {}, formatMonth(e.month)),
          h(
            "td",
            {},
            h("span", { class: isGoodState(e.state) ? "pill ok" : "pill" }, stateLabel(e.state, e.direction)),
            h(
              "ol",
              { class: "timeline" },
              e.timeline.map(([s, at]) => h("li", {}, `${formatTime(at)} ${stateLabel(s, e.direction)}`)),
            ),
          ),
          h("td", {}, e.receipt ? "✔" : ""),
          h(
            "td",
            { class: "person" },
            e.person ?? "",
            e.partner_person ? h("div", { class: "muted" }, `${t("partnerPerson")}: ${e.partner_person}`) : null,
          ),
        ),
      ),
    ),
  );
}

export function createHistory(shell: Shell): Screen {
  const text = h("input", { placeholder: t("searchPlaceholder"), id: "history-text" });
  const direction = h(
    "select",
    { id: "history-direction" },
    h("option", { value: "" }, t("all")),
    h("option", { value: "sent" }, t("sent")),
    h("option", { value: "received" }, t("received")),
  );
  const month = h("input", { placeholder: "YYYYMM", maxlength: "6", size: "7", id: "history-month" });
  const table = h("div", { id: "history" });
  const filter = (): HistoryFilter => ({ text: text.value, direction: direction.value, month: month.value });
  const view = (e: HistoryEntry) => shell.viewForms({ direction: e.direction, id: e.id });
  const load = () => loadInto(table, () => api.history(filter()), (entries) => draw(entries, view), t("noResults"));
  const exportCsv = async () => {
    try {
      const path = await save({ defaultPath: "kizuna-history.csv", filters: [{ name: "CSV", extensions: ["csv"] }] });
      if (!path) return;
      const n = await api.exportHistory(filter(), path);
      shell.say("info", `${n} ${t("exported")}: ${path}`);
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };
  const el = h(
    "main",
    { class: "content", id: "screen-history" },
    h("h1", {}, t("historyTitle")),
    h(
      "form",
      { class: "filters", onsubmit: (e: Event) => (e.preventDefault(), void load()) },
      text,
      direction,
      month,
      h("button", { type: "submit", class: "secondary" }, t("search")),
      h("button", { type: "button", class: "secondary", onclick: exportCsv }, t("exportCsv")),
    ),
    table,
  );
  return {
    el,
    show: () => void load(),
    // States change and files arrive: the list follows, the filters stay as typed.
    activity: (a: Activity) => {
      if (a.kind !== "trouble" && a.kind !== "connected") void load();
    },
  };
}
