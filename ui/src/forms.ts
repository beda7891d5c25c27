// The forms of one user, drawn from the viewer's model (careplan-forms, via bindings.ts): what the
// 帳票 screen shows and what is printed. No data is changed or guessed here; values arrive
// already written out (和暦, times, code names).

import type {
  Form,
  Image,
  Schedule,
  Sheet,
  Sikyu,
  SikyuRow,
  Source,
  Table,
  UserEntry,
  WeekPlan,
} from "./bindings";
import { h } from "./dom";
import { t } from "./i18n";

/** 曜日 as the standard codes it: 1 = Monday … 7 = Sunday. */
export const WEEKDAYS = ["", "月", "火", "水", "木", "金", "土", "日"];

function dayClass(weekday: number): string {
  return weekday === 6 ? "sat" : weekday === 7 ? "sun" : "";
}

function sourceLine(s: Source): HTMLElement {
  const route = s.sender && s.recipient ? `${s.sender} → ${s.recipient}` : "";
  return h("p", { class: "form-source muted" }, [s.file, route, s.serial ? `${t("fileSerial")} ${s.serial}` : ""].filter(Boolean).join("　"));
}

function frame(form: Form, ...body: (Node | null)[]): HTMLElement {
  const s = form.source;
  return h("section", { class: `form form-${form.form}`, "data-kind": s.kind }, h("h2", {}, s.title), sourceLine(s), ...body);
}

function sheet(f: Sheet): Node {
  const items = f.items.filter((i) => i.shown !== "");
  return h(
    "dl",
    { class: "sheet" },
    items.flatMap((i) => [
      h("dt", { title: `No.${i.no}` }, i.label, i.uncertain ? h("span", { class: "uncertain", title: t("uncertainItem") }, "※") : null),
      h("dd", {}, i.shown),
    ]),
  );
}

function table(f: Table): Node {
  return h(
    "table",
    { class: "list form-table" },
    h("thead", {}, h("tr", {}, f.columns.map((c) => h("th", { title: `No.${c.no}` }, c.label)))),
    h("tbody", {}, f.rows.map((r) => h("tr", {}, r.map((v) => h("td", {}, v))))),
  );
}

function week(f: WeekPlan): Node {
  const days = [1, 2, 3, 4, 5, 6, 7];
  return h(
    "div",
    {},
    h("p", { class: "muted" }, `${t("created")}: ${f.created}`),
    h(
      "table",
      { class: "list week" },
      h("thead", {}, h("tr", {}, days.map((d) => h("th", { class: dayClass(d) }, WEEKDAYS[d])))),
      h(
        "tbody",
        {},
        h(
          "tr",
          {},
          days.map((d) =>
            h(
              "td",
              {},
              f.services
                .filter((s) => s.weekday === d)
                .map((s) => h("div", { class: "week-service" }, h("strong", {}, `${s.start}～${s.end}`), " ", s.content)),
            ),
          ),
        ),
      ),
    ),
    f.activities.length
      ? h(
          "div",
          {},
          h("h3", {}, t("dailyActivities")),
          h("ul", {}, f.activities.map((a) => h("li", {}, `${a.start}～${a.end} ${a.content}`))),
        )
      : null,
    f.other.length ? h("div", {}, h("h3", {}, t("otherServices")), h("ul", {}, f.other.map((o) => h("li", {}, o)))) : null,
  );
}

/** The day headings of a month: numbers, and 曜日 under them (土 and 日 marked). */
export function dayHeads(weekdays: number[], before: string[], after: string[]): Node {
  return h(
    "thead",
    {},
    h(
      "tr",
      {},
      before.map((b) => h("th", { rowspan: "2", class: "head" }, b)),
      weekdays.map((w, i) => h("th", { class: `day ${dayClass(w)}` }, String(i + 1))),
      after.map((a) => h("th", { rowspan: "2", class: "head" }, a)),
    ),
    h("tr", {}, weekdays.map((w) => h("th", { class: `day ${dayClass(w)}` }, WEEKDAYS[w]))),
  );
}

function counts(values: number[], weekdays: number[]): Node[] {
  return values.map((n, i) => h("td", { class: `day ${dayClass(weekdays[i])}` }, n ? String(n) : ""));
}

function schedule(f: Schedule): Node {
  const mine = f.is_jisseki ? t("actual") : t("planned");
  const head = dayHeads(f.weekdays, [t("serviceTime"), t("serviceContent"), t("serviceOffice"), ""], [t("total")]);
  const rows = f.rows.flatMap((r) => {
    const service = `${r.code}${r.service_type ? ` ${r.service_type}` : ""}${r.equipment ? `（${r.equipment}）` : ""}`;
    const span = r.actual ? "2" : "1";
    const first = h(
      "tr",
      {},
      h("td", { rowspan: span, class: "time" }, r.start ? `${r.start}～${r.end}` : t("noTime")),
      h("td", { rowspan: span, class: "svc" }, service),
      h("td", { rowspan: span, class: "office" }, r.office_name || r.office),
      h("th", { class: "which" }, mine),
      counts(r.counts, f.weekdays),
      h("td", { class: "total" }, String(r.total)),
    );
    if (!r.actual) return [first];
    const second = h(
      "tr",
      { class: "actual" },
      h("th", { class: "which" }, t("actual")),
      r.actual.map((n, i) =>
        h("td", { class: `day ${dayClass(f.weekdays[i])}${n !== r.counts[i] ? " differs" : ""}` }, n ? String(n) : ""),
      ),
      h("td", { class: "total" }, String(r.actual_total ?? 0)),
    );
    return [first, second];
  });
  return h(
    "div",
    {},
    h(
      "p",
      { class: "muted" },
      [f.month_shown, `${t("created")}: ${f.created}`, `${t("careManager")}: ${f.manager}（${f.manager_office}）`, f.actual_file ? `${t("actualFrom")}: ${f.actual_file}` : ""]
        .filter(Boolean)
        .join("　"),
    ),
    h("div", { class: "scroll" }, h("table", { class: "calendar" }, head, h("tbody", {}, rows))),
    f.unplaced.length ? h("p", { class: "message error" }, `${t("unplaced")}: ${f.unplaced.join("、")}`) : null,
  );
}

/** 第7表 columns: item No. and heading. */
const SIKYU_COLUMNS: [number, string][] = [
  [13, "単位数"],
  [14, "割引後率"],
  [15, "割引後単位数"],
  [16, "回数"],
  [17, "サービス単位/金額"],
  [18, "給付管理単位数"],
  [19, "種類限度超"],
  [20, "種類限度内"],
  [21, "区分限度超"],
  [22, "区分限度内"],
  [23, "単位数単価"],
  [24, "費用総額"],
  [25, "給付率"],
  [26, "保険請求額"],
  [28, "利用者負担"],
  [29, "全額負担"],
];

function sikyuRow(r: SikyuRow): Node {
  const name =
    r.row === "grand_total" ? t("grandTotal") : r.row === "subtotal" ? `${r.service_type ?? ""} ${t("subtotal")}` : r.office_name;
  return h(
    "tr",
    { class: r.row },
    h("td", {}, name),
    h("td", {}, r.row === "grand_total" ? "" : `${r.code}${r.service_type && r.row === "detail" ? ` ${r.service_type}` : ""}${r.equipment ? `（${r.equipment}）` : ""}`),
    SIKYU_COLUMNS.map(([no]) => h("td", { class: `num${no >= 19 && no <= 22 && r.values[no] !== undefined ? " limit" : ""}` }, r.values[no] ?? "")),
  );
}

function sikyu(f: Sikyu): Node {
  const where = {
    closing_rows: t("limitsOnClosingRows"),
    detail_rows: t("limitsOnDetailRows"),
    both: t("limitsOnBoth"),
    absent: t("limitsAbsent"),
  }[f.limits_on];
  return h(
    "div",
    {},
    h("p", { class: "muted" }, `${f.month_shown}　${t("created")}: ${f.created}`),
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "list sikyu" },
        h("thead", {}, h("tr", {}, h("th", {}, t("serviceOffice")), h("th", {}, t("serviceContent")), SIKYU_COLUMNS.map(([no, label]) => h("th", { title: `No.${no}` }, label)))),
        h("tbody", {}, f.rows.map(sikyuRow)),
      ),
    ),
    h("p", { class: "hint limits-on", "data-limits": f.limits_on }, where),
  );
}

function image(f: Image): Node {
  return h("img", { class: "family", alt: t("familyPicture"), src: `data:image/jpeg;base64,${f.jpeg_base64}` });
}

/** One form, drawn. */
export function drawForm(form: Form): HTMLElement {
  switch (form.form) {
    case "sheet":
      return frame(form, sheet(form));
    case "table":
      return frame(form, table(form));
    case "week":
      return frame(form, week(form));
    case "schedule":
      return frame(form, schedule(form));
    case "sikyu":
      return frame(form, sikyu(form));
    case "image":
      return frame(form, image(form));
  }
}

/** Who the forms are of: name, フリガナ and numbers. */
export function userHeading(u: UserEntry): HTMLElement {
  return h(
    "header",
    { class: "user-heading" },
    h("h2", {}, u.name ?? t("nameUnknown")),
    h("p", { class: "muted" }, [u.kana ?? "", `${t("insurer")} ${u.key.insurer}`, `${t("insured")} ${u.key.insured}`].filter(Boolean).join("　")),
  );
}

/** A user's line in a list: name (or numbers when no file names them). */
export function userLabel(u: UserEntry): string {
  return u.name ? `${u.name}（${u.key.insured}）` : `${u.key.insurer} ${u.key.insured}`;
}
