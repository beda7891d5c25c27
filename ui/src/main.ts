// The Kizuna window: set-up, then 送信 / 受信箱 / 履歴 / 取引先 / 証明書 / 設定.

import { open, save } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import {
  api,
  errorCode,
  errorMessage,
  onActivity,
  onNavigate,
  type FileView,
  type HistoryEntry,
  type HistoryFilter,
  type Partner,
  type SendPlan,
  type SentFile,
  type Status,
} from "./api";
import { clear, field, h } from "./dom";
import { findingPlace, formatMonth, formatTime, isGoodState, stateLabel } from "./format";
import { OUTCOME_LABELS } from "./bindings";
import { language, setLanguage, t, type Key } from "./i18n";

type Screen = "send" | "inbox" | "history" | "partners" | "certificate" | "settings";

const root = document.getElementById("app")!;
let status: Status;
let screen: Screen = "send";
let banner: { kind: "info" | "error"; text: string } | null = null;

async function start(): Promise<void> {
  status = await api.status();
  setLanguage(status.settings.language);
  if (status.test_hooks) installTestHooks();
  if (!status.enrolled) renderSetup();
  else if (!status.unlocked) renderUnlock();
  else renderApp();
  requestAnimationFrame(() => void api.firstScreen());
}

// ---------- set-up ----------

function input(name: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h("input", { name, id: name, autocomplete: "off", ...attrs });
}

function renderSetup(): void {
  clear(root);
  const relay = input("relay_url", { placeholder: "https://relay.example.jp:8443" });
  relay.value = status.preset_relay ?? "";
  const fingerprint = input("ca_fingerprint", { placeholder: "94abe8db…" });
  fingerprint.value = status.preset_fingerprint ?? "";
  const office = input("office", { inputmode: "numeric", maxlength: "10" });
  const password = input("password", { type: "password" });
  const totp = input("totp", { inputmode: "numeric", maxlength: "6" });
  const passphrase = input("passphrase", { type: "password", autocomplete: "new-password" });
  const proxy = input("setup-proxy", { placeholder: "http://proxy.example.jp:8080" });
  const message = h("div", { class: "message", role: "alert", id: "setup-message" });
  // Asked for only where the PC has no key store to keep the office keys in (the first attempt
  // says so before anything is sent to the relay).
  const passphraseField = h(
    "div",
    { class: "passphrase", id: "passphrase-field", hidden: true },
    field(t("passphrase"), passphrase),
    h("p", { class: "hint" }, t("passphraseWhy")),
  );
  const button = h("button", { type: "submit", class: "primary", id: "enroll" }, t("enrollButton"));
  const loadFile = async () => {
    const path = await open({ multiple: false, filters: [{ name: "Kizuna", extensions: ["json", "kizuna"] }] });
    if (typeof path !== "string") return;
    try {
      const f = await api.readEnrolmentFile(path);
      relay.value = f.relay_url;
      fingerprint.value = f.ca_fingerprint;
      if (f.office) office.value = f.office;
    } catch (e) {
      showMessage(message, "error", errorMessage(e));
    }
  };
  const form = h(
    "form",
    {
      class: "card setup",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        button.disabled = true;
        button.textContent = t("enrolling");
        showMessage(message, "info", "");
        try {
          status = await api.enroll({
            relay_url: relay.value,
            ca_fingerprint: fingerprint.value,
            office: office.value,
            password: password.value,
            totp: totp.value || null,
            passphrase: passphrase.value || null,
            proxy: proxy.value.trim() || null,
          });
          renderApp();
        } catch (err) {
          button.disabled = false;
          button.textContent = t("enrollButton");
          if (errorCode(err) === "key_store_unavailable" && passphraseField.hidden) {
            passphraseField.hidden = false;
            showMessage(message, "info", t("passphraseNeeded"));
            passphrase.focus();
            return;
          }
          showMessage(message, "error", errorMessage(err));
        }
      },
    },
    h("h1", {}, t("setupTitle")),
    h("p", { class: "lead" }, t("setupLead")),
    h("button", { type: "button", class: "secondary", onclick: loadFile }, t("setupFromFile")),
    field(t("relayUrl"), relay),
    field(t("caFingerprint"), fingerprint),
    h("div", { class: "row" }, field(t("officeNumber"), office), field(t("password"), password)),
    passphraseField,
    h(
      "details",
      { class: "more" },
      h("summary", {}, t("setupMore")),
      h("div", { class: "row" }, field(t("totp"), totp), field(t("proxy"), proxy)),
    ),
    message,
    button,
  );
  root.append(h("main", { class: "center" }, form));
}

function renderUnlock(): void {
  clear(root);
  const passphrase = input("passphrase", { type: "password" });
  const message = h("div", { class: "message", role: "alert" });
  const form = h(
    "form",
    {
      class: "card setup",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          status = await api.unlock(passphrase.value);
          renderApp();
        } catch (err) {
          showMessage(message, "error", errorMessage(err));
        }
      },
    },
    h("h1", {}, t("unlockTitle")),
    h("p", { class: "lead" }, t("unlockLead")),
    field(t("passphrase"), passphrase),
    message,
    h("button", { type: "submit", class: "primary" }, t("unlockButton")),
  );
  root.append(h("main", { class: "center" }, form));
}

function showMessage(el: HTMLElement, kind: "info" | "error", text: string): void {
  el.className = `message ${kind}`;
  el.textContent = text;
}

// ---------- the app shell ----------

const NAV: [Screen, Key][] = [
  ["send", "navSend"],
  ["inbox", "navInbox"],
  ["history", "navHistory"],
  ["partners", "navPartners"],
  ["certificate", "navCertificate"],
  ["settings", "navSettings"],
];

let content: HTMLElement;

function renderApp(): void {
  clear(root);
  const nav = h(
    "nav",
    { class: "sidebar" },
    h("div", { class: "brand" }, h("strong", {}, "Kizuna"), h("small", {}, status.profile?.office_name ?? "")),
    NAV.map(([id, key]) =>
      h(
        "button",
        {
          class: id === screen ? "nav active" : "nav",
          id: `nav-${id}`,
          onclick: () => go(id),
        },
        t(key),
        id === "inbox" && status.unread > 0 ? h("span", { class: "badge", id: "unread" }, String(status.unread)) : null,
      ),
    ),
  );
  content = h("main", { class: "content", id: `screen-${screen}` });
  const top = banner
    ? h("div", { class: `banner ${banner.kind}`, role: "status" }, banner.text)
    : null;
  root.append(h("div", { class: "layout" }, nav, h("div", { class: "pane" }, top, content)));
  void renderScreen();
}

function go(next: Screen): void {
  // A message belongs to the screen it was said on.
  if (next !== screen) banner = null;
  screen = next;
  renderApp();
}

async function renderScreen(): Promise<void> {
  switch (screen) {
    case "send":
      return renderSend();
    case "inbox":
      return renderInbox();
    case "history":
      return renderHistory();
    case "partners":
      return renderPartners();
    case "certificate":
      return renderCertificate();
    case "settings":
      return renderSettings();
  }
}

// ---------- 送信 ----------

let plan: SendPlan = { units: [], foreign: [] };

function renderSend(): void {
  const list = h("div", { class: "cards", id: "cards" });
  const choose = async (directory: boolean) => {
    const result = await open({ multiple: !directory, directory });
    if (!result) return;
    await check(Array.isArray(result) ? result : [result], list);
  };
  content.append(
    h("h1", {}, t("sendTitle")),
    h(
      "div",
      { class: "drop", id: "drop" },
      h("p", {}, t("sendLead")),
      h(
        "div",
        { class: "actions" },
        h("button", { class: "primary", id: "choose-files", onclick: () => choose(false) }, t("chooseFiles")),
        h("button", { class: "secondary", onclick: () => choose(true) }, t("chooseFolder")),
      ),
    ),
    list,
  );
  if (plan.units.length || plan.foreign.length) drawPlan(list);
}

async function check(paths: string[], list: HTMLElement): Promise<void> {
  clear(list);
  list.append(h("p", { class: "muted" }, t("checking")));
  try {
    plan = await api.planSend(paths);
    drawPlan(list);
  } catch (e) {
    clear(list);
    list.append(h("div", { class: "message error", role: "alert" }, errorMessage(e)));
  }
}

/** What a card's button says once its files went: sent, waiting, or not sent. */
function sentLabel(sent: SentFile[]): string {
  const words = OUTCOME_LABELS[language()];
  if (sent.some((s) => s.outcome === "failed")) return words.failed;
  if (sent.some((s) => s.outcome !== "sent")) return words.waiting_for_partner;
  return words.sent;
}

function outcomeLabel(s: SentFile): string {
  return OUTCOME_LABELS[language()][s.outcome];
}

function drawPlan(list: HTMLElement): void {
  clear(list);
  const sendable = plan.units.filter((c) => c.sendable);
  // Each card's sending; null when the call itself failed (its card says why).
  const senders: (() => Promise<SentFile[] | null>)[] = [];
  if (sendable.length > 1) {
    const all = h(
      "button",
      {
        class: "primary",
        id: "send-all",
        onclick: async () => {
          all.disabled = true;
          all.textContent = t("sending");
          const sent: SentFile[] = [];
          let broken = false;
          for (const send of senders) {
            const done = await send();
            if (done) sent.push(...done);
            else broken = true;
          }
          all.textContent = broken ? OUTCOME_LABELS[language()].failed : sentLabel(sent);
        },
      },
      `${t("sendAll")}（${sendable.length}${t("unitsCount")}）`,
    );
    list.append(h("div", { class: "send-all" }, all, h("span", { class: "muted" }, t("sendAllLead"))));
  }
  for (const card of plan.units) {
    const result = h("div", { class: "result" });
    const send = h(
      "button",
      {
        class: "primary",
        disabled: !card.sendable,
        title: card.sendable ? "" : t("sendDisabled"),
        onclick: () => void sendCard(),
      },
      t("sendButton"),
    );
    const sendCard = async (again = false): Promise<SentFile[] | null> => {
      if (send.disabled) return [];
      send.disabled = true;
      send.textContent = t("sending");
      try {
        const sent = await api.send(card.files.map((f) => f.path), again);
        clear(result);
        // Files that went the same way for the same reason are said once.
        const groups = new Map<string, SentFile[]>();
        for (const s of sent) {
          const key = `${s.outcome}\n${s.message ?? ""}`;
          groups.set(key, [...(groups.get(key) ?? []), s]);
        }
        for (const group of groups.values()) {
          const s = group[0];
          const cls = s.outcome === "sent" ? "ok" : s.outcome === "failed" ? "bad" : "wait";
          const what = group.length === 1 ? s.file_name : `${group.length}${t("filesCount")}`;
          result.append(
            h("div", { class: cls, title: group.map((g) => g.file_name).join("\n") }, `${outcomeLabel(s)}: ${what}`, s.message ? ` — ${s.message}` : ""),
          );
        }
        send.textContent = sentLabel(sent);
        if (sent.some((s) => s.outcome === "failed")) send.disabled = false;
        return sent;
      } catch (e) {
        clear(result);
        result.append(h("div", { class: "message error", role: "alert" }, errorMessage(e)));
        send.disabled = false;
        send.textContent = t("sendButton");
        if (errorCode(e) === "already_sent") {
          // Sent before with the same content: only on purpose, with a second click.
          result.append(
            h("button", { class: "secondary send-again", onclick: () => void sendCard(true) }, t("sendAgain")),
          );
        }
        return null;
      }
    };
    if (card.sendable) senders.push(sendCard);
    const summary =
      card.errors > 0
        ? h("span", { class: "pill bad" }, `${card.errors} ${t("errorsFound")}`)
        : h("span", { class: "pill ok" }, t("noErrors"));
    list.append(
      h(
        "section",
        { class: "card unit", "data-recipient": card.recipient },
        h(
          "header",
          {},
          h("div", {}, h("small", {}, t("recipient")), h("strong", {}, card.recipient_name ?? "—"), h("span", { class: "muted" }, ` ${card.recipient}`)),
          h("div", {}, h("small", {}, t("month")), h("strong", {}, formatMonth(card.month))),
          h("div", {}, h("small", {}, t("users")), h("strong", {}, String(card.users))),
          summary,
          card.warnings > 0 ? h("span", { class: "pill warn" }, `${card.warnings} ${t("warningsFound")}`) : null,
        ),
        h("ul", { class: "files" }, card.files.map(fileItem)),
        h("footer", {}, send, card.sendable ? null : h("span", { class: "muted" }, t("sendDisabled"))),
        result,
      ),
    );
  }
  if (plan.foreign.length) {
    list.append(
      h(
        "section",
        { class: "card foreign", id: "foreign" },
        h("h2", {}, t("foreignTitle")),
        h("p", { class: "muted" }, t("foreignLead")),
        h(
          "ul",
          { class: "files" },
          plan.foreign.map((f) =>
            h(
              "li",
              {},
              h("span", { class: "kind" }, `${f.sender_name ?? ""} ${f.sender}`.trim()),
              h("span", { class: "name" }, f.name),
            ),
          ),
        ),
      ),
    );
  }
}

function fileItem(f: FileView): HTMLElement {
  return h(
    "li",
    {},
    h("span", { class: "kind" }, f.kind_name ?? f.kind ?? "?"),
    h("span", { class: "name" }, f.name),
    f.findings.length
      ? h(
          "ul",
          { class: "findings" },
          f.findings.map((x) =>
            h("li", { class: x.severity }, h("span", { class: "place" }, findingPlace(x)), h("span", {}, x.message), h("code", {}, x.code)),
          ),
        )
      : null,
  );
}

// ---------- 受信箱 ----------

async function renderInbox(): Promise<void> {
  content.append(h("h1", {}, t("inboxTitle")));
  const entries = await api.history({ direction: "received" });
  await api.markRead();
  status.unread = 0;
  document.getElementById("unread")?.remove();
  if (!entries.length) {
    content.append(h("p", { class: "muted" }, t("inboxEmpty")));
    return;
  }
  content.append(
    h(
      "table",
      { class: "list", id: "inbox" },
      h("thead", {}, h("tr", {}, [t("date"), t("kind"), t("partner"), t("month"), t("state"), ""].map((c) => h("th", {}, c)))),
      h(
        "tbody",
        {},
        entries.map((e) =>
          h(
            "tr",
            { class: e.state === "quarantined" || e.state === "replayed" ? "bad" : "", "data-file": e.file_name },
            h("td", {}, formatTime(e.created_at)),
            h("td", {}, e.kind_name ?? e.kind ?? "?"),
            h("td", {}, e.partner_name ?? e.partner),
            h("td", {}, formatMonth(e.month)),
            h(
              "td",
              {},
              e.state === "quarantined"
                ? t("quarantined")
                : e.state === "replayed"
                  ? stateLabel(e.state, "received")
                  : `${t("verified")}・${stateLabel(e.state, "received")}`,
            ),
            h(
              "td",
              { class: "row-actions" },
              e.saved_path && e.state !== "quarantined"
                ? [
                    h("button", { class: "link", onclick: () => api.openFolder(dirname(e.saved_path!)) }, t("openFolder")),
                    h("button", { class: "link save-again", onclick: () => saveAgain(e.id, false) }, t("saveAgain")),
                    h("button", { class: "link", onclick: () => saveAgain(e.id, true) }, t("saveElsewhere")),
                  ]
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

// The care software moved or deleted a received file: write it again from the kept copy.
async function saveAgain(id: number, choose: boolean): Promise<void> {
  try {
    let folder: string | null = null;
    if (choose) {
      const picked = await open({ directory: true });
      if (typeof picked !== "string") return;
      folder = picked;
    }
    const path = await api.saveAgain(id, folder);
    banner = { kind: "info", text: `${t("savedAgain")}: ${path}` };
  } catch (e) {
    banner = { kind: "error", text: errorMessage(e) };
  }
  renderApp();
}

function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : path;
}

// ---------- 履歴 ----------

async function renderHistory(): Promise<void> {
  const filter: HistoryFilter = {};
  const text = h("input", { placeholder: t("searchPlaceholder"), id: "history-text" });
  const direction = h(
    "select",
    { id: "history-direction" },
    h("option", { value: "" }, t("all")),
    h("option", { value: "sent" }, t("sent")),
    h("option", { value: "received" }, t("received")),
  );
  const month = h("input", { placeholder: "YYYYMM", maxlength: "6", size: "7" });
  const table = h("div", { id: "history" });
  const load = async () => {
    filter.text = text.value;
    filter.direction = direction.value;
    filter.month = month.value;
    drawHistory(table, await api.history(filter));
  };
  const exportCsv = async () => {
    const path = await save({ defaultPath: "kizuna-history.csv", filters: [{ name: "CSV", extensions: ["csv"] }] });
    if (!path) return;
    const n = await api.exportHistory(filter, path);
    banner = { kind: "info", text: `${n} ${t("exported")}: ${path}` };
    renderApp();
  };
  content.append(
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
  await load();
}

function drawHistory(table: HTMLElement, entries: HistoryEntry[]): void {
  clear(table);
  table.append(
    h(
      "table",
      { class: "list" },
      h("thead", {}, h("tr", {}, ["", t("date"), t("partner"), t("kind"), t("month"), t("state"), t("receipt")].map((c) => h("th", {}, c)))),
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
            h("td", {}, e.kind_name ?? e.kind ?? ""),
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
          ),
        ),
      ),
    ),
  );
}

// ---------- 取引先 ----------

async function renderPartners(): Promise<void> {
  const results = h("div", { id: "partners" });
  const q = h("input", { placeholder: t("partnerSearchPlaceholder"), id: "partner-text" });
  const favs = h("div", { id: "favourites" });
  // The last search's results, kept while stars are toggled so the search is not lost.
  let found: Partner[] | null = null;
  const showError = (el: HTMLElement, err: unknown) => {
    clear(el);
    el.append(h("div", { class: "message error" }, errorMessage(err)));
  };
  const toggle = async (p: Partner) => {
    try {
      await api.setFavourite(p.number, !p.favourite);
      if (found) {
        found = found.map((f) => (f.number === p.number ? { ...f, favourite: !p.favourite } : f));
        draw(results, found, t("noResults"));
      }
      draw(favs, await api.favourites(), t("noFavourites"));
    } catch (err) {
      showError(favs, err);
    }
  };
  const draw = (el: HTMLElement, list: Partner[], empty: string) => {
    clear(el);
    if (!list.length) el.append(h("p", { class: "muted" }, empty));
    el.append(
      h(
        "ul",
        { class: "partners" },
        list.map((p) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                class: "star",
                "data-number": p.number,
                title: p.favourite ? t("unmarkFavourite") : t("markFavourite"),
                "aria-pressed": String(p.favourite),
                onclick: () => toggle(p),
              },
              p.favourite ? "★" : "☆",
            ),
            h("strong", {}, p.name),
            h("span", { class: "muted" }, ` ${p.number}`),
          ),
        ),
      ),
    );
  };
  content.append(
    h("h1", {}, t("partnersTitle")),
    h("p", { class: "lead" }, t("partnersLead")),
    h(
      "form",
      {
        class: "filters",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          try {
            found = await api.partnersSearch(q.value);
            draw(results, found, t("noResults"));
          } catch (err) {
            found = null;
            showError(results, err);
          }
        },
      },
      q,
      h("button", { type: "submit", class: "secondary" }, t("search")),
    ),
    results,
    h("h2", {}, t("favourites")),
    favs,
  );
  try {
    draw(favs, await api.favourites(), t("noFavourites"));
  } catch (err) {
    showError(favs, err);
  }
}

// ---------- 証明書 ----------

function renderCertificate(): void {
  const office = status.profile;
  const days = office?.certificate_days_left ?? 0;
  content.append(
    h("h1", {}, t("certificateTitle")),
    h(
      "dl",
      { class: "card facts", id: "certificate" },
      h("dt", {}, t("office")),
      h("dd", {}, `${office?.office_name ?? ""} (${office?.office ?? ""})`),
      h("dt", {}, t("serial")),
      h("dd", {}, h("code", {}, office?.certificate_serial ?? "")),
      h("dt", {}, t("validUntil")),
      h("dd", {}, office ? formatTime(office.certificate_not_after) : ""),
      h("dt", {}, t("daysLeft")),
      h("dd", { class: days <= 30 ? "bad" : "" }, `${days} ${t("days")}`),
    ),
    h("p", { class: "lead" }, t("renewLead")),
    h("button", { class: "primary", id: "renew", onclick: (e: Event) => renew(e.currentTarget as HTMLButtonElement) }, t("renew")),
  );
}

// Renews with the certificate in use; the relay needs no password for that.
async function renew(button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  button.textContent = t("renewing");
  try {
    status = await api.renewCertificate();
    banner = { kind: "info", text: `${t("renewed")}: ${formatTime(status.profile?.certificate_not_after ?? 0)}` };
  } catch (e) {
    banner = { kind: "error", text: errorMessage(e) };
  }
  renderApp();
}

// ---------- 設定 ----------

let refusedProxy: string | null = null;

function renderSettings(): void {
  const s = { ...status.settings };
  const dir = h("code", { id: "receive-dir" }, s.receive_dir ?? status.receive_dir);
  const check = (key: "auto_receive" | "start_at_login" | "notifications", label: Key) => {
    const box = h("input", { type: "checkbox", id: key });
    box.checked = s[key];
    box.addEventListener("change", () => (s[key] = box.checked));
    return h("label", { class: "check" }, box, t(label));
  };
  const lang = h("select", { id: "language" }, h("option", { value: "ja" }, "日本語"), h("option", { value: "en" }, "English"));
  lang.value = s.language;
  const proxy = h("input", { id: "proxy", placeholder: "http://proxy.example:8080" });
  proxy.value = refusedProxy ?? s.proxy ?? "";
  refusedProxy = null;
  content.append(
    h("h1", {}, t("settingsTitle")),
    h(
      "div",
      { class: "card settings" },
      h(
        "div",
        { class: "field" },
        h("span", {}, t("receiveDir")),
        h(
          "div",
          { class: "row" },
          dir,
          h(
            "button",
            {
              class: "secondary",
              onclick: async () => {
                const chosen = await open({ directory: true });
                if (typeof chosen === "string") {
                  s.receive_dir = chosen;
                  dir.textContent = chosen;
                }
              },
            },
            t("change"),
          ),
        ),
      ),
      check("auto_receive", "autoReceive"),
      check("start_at_login", "startAtLogin"),
      check("notifications", "notifications"),
      field(t("language"), lang),
      field(t("proxy"), proxy),
      h(
        "button",
        {
          class: "primary",
          id: "save-settings",
          onclick: async () => {
            s.language = lang.value;
            s.proxy = proxy.value.trim() || null;
            try {
              status.settings = await api.saveSettings(s);
              setLanguage(s.language);
              banner = { kind: "info", text: t("saved") };
            } catch (e) {
              banner = { kind: "error", text: errorMessage(e) };
              refusedProxy = proxy.value; // shown again, so it can be corrected
            }
            renderApp();
          },
        },
        t("save"),
      ),
    ),
  );
}

// ---------- events ----------

void onActivity((a) => {
  switch (a.kind) {
    case "received":
      status.unread = a.unread;
      banner = { kind: "info", text: `${t("newFiles")}（${a.count}）` };
      break;
    case "trouble":
      banner = { kind: "error", text: `${t("connectionTrouble")}: ${a.message}` };
      break;
    case "connected":
      banner = null;
      break;
    default:
      if (screen !== "history" && screen !== "inbox") return;
  }
  if (status?.unlocked) renderApp();
});

void onNavigate((to) => {
  if (status?.unlocked && (to === "inbox" || to === "send")) go(to as Screen);
});

void getCurrentWebview().onDragDropEvent((event) => {
  if (event.payload.type !== "drop" || !status?.unlocked) return;
  screen = "send";
  renderApp();
  const list = document.getElementById("cards");
  if (list) void check(event.payload.paths, list);
});

// Under the desktop end-to-end test (KIZUNA_TEST_HOOKS=1) the test hands files to the send screen
// the way a drop does: WebDriver cannot drive the OS file dialog or a drag from the desktop.
declare global {
  interface Window {
    kizunaTest?: { check: (paths: string[]) => void };
  }
}

function installTestHooks(): void {
  window.kizunaTest = {
    check: (paths: string[]) => {
      screen = "send";
      renderApp();
      const list = document.getElementById("cards");
      if (list) void check(paths, list);
    },
  };
}

void start().catch((e) => {
  root.textContent = errorMessage(e);
});

