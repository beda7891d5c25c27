// Before the app: enrolling the office, or unlocking its keys with the passphrase.

import { open } from "@tauri-apps/plugin-dialog";

import { api, errorCode, errorMessage, type EnrollArgs, type Invite, type Status } from "../api";
import { clear, field, h } from "../dom";
import { formatTime } from "../format";
import { t } from "../i18n";

function input(name: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h("input", { name, id: name, autocomplete: "off", ...attrs });
}

export function renderSetup(root: HTMLElement, status: Status, opened: (s: Status) => void): void {
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
  const deviceName = input("device_name", { maxlength: "64", placeholder: t("deviceNameExample") });
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
  // An invitation may come from anyone (a mail, a link): it only fills in, and says where it
  // points so the person can compare it with what the administrator told them.
  const applyInvite = (invite: Invite) => {
    relay.value = invite.relay_url;
    fingerprint.value = invite.ca_fingerprint;
    if (invite.office) office.value = invite.office;
    showMessage(message, "info", `${t("inviteFilled")} ${invite.relay_url}`);
    (invite.office ? password : office).focus();
  };
  const loadFile = async () => {
    const path = await open({ multiple: false, filters: [{ name: "Kizuna", extensions: ["kizuna", "json"] }] });
    if (typeof path !== "string") return;
    try {
      applyInvite(await api.readInvite(path));
    } catch (e) {
      showMessage(message, "error", errorMessage(e));
    }
  };
  const enrolArgs = (pw: string, code: string | null): EnrollArgs => ({
    relay_url: relay.value,
    ca_fingerprint: fingerprint.value,
    office: office.value,
    password: pw,
    totp: code,
    passphrase: passphrase.value || null,
    proxy: proxy.value.trim() || null,
    device_name: deviceName.value.trim() || null,
  });
  // The first attempt on a PC without a key store says so before anything reaches the relay:
  // the passphrase field appears; true when that is what `err` was.
  const askPassphrase = (err: unknown): boolean => {
    if (errorCode(err) !== "key_store_unavailable" || !passphraseField.hidden) return false;
    passphraseField.hidden = false;
    showMessage(message, "info", t("passphraseNeeded"));
    passphrase.focus();
    return true;
  };
  // Joining without the password: the PC shows a code and waits for an administrator.
  const join = async () => {
    if (!relay.value.trim() || !fingerprint.value.trim() || !office.value.trim()) {
      showMessage(message, "error", t("joinNeeds"));
      return;
    }
    let joining;
    try {
      joining = await api.askToJoin(enrolArgs("", null));
    } catch (err) {
      if (!askPassphrase(err)) showMessage(message, "error", errorMessage(err));
      return;
    }
    // In Japan time like every time in the app, whatever the PC's locale.
    const until = formatTime(joining.expires_at);
    const waiting = h(
      "div",
      { class: "card setup", id: "joining" },
      h("h1", {}, t("joinTitle")),
      h("p", { class: "lead" }, t("joinLead")),
      h("p", { class: "pairing-code", id: "pairing-code" }, `${joining.code.slice(0, 3)} ${joining.code.slice(3)}`),
      h("p", { class: "hint" }, `${t("joinUntil")}: ${until}`),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            void api.cancelJoining();
          },
        },
        t("joinCancel"),
      ),
    );
    form.hidden = true;
    form.parentElement?.append(waiting);
    try {
      opened(await api.awaitApproval());
    } catch (err) {
      waiting.remove();
      form.hidden = false;
      showMessage(message, "error", errorMessage(err));
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
          opened(await api.enroll(enrolArgs(password.value, totp.value || null)));
        } catch (err) {
          button.disabled = false;
          button.textContent = t("enrollButton");
          if (!askPassphrase(err)) showMessage(message, "error", errorMessage(err));
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
      field(t("deviceName"), deviceName),
      h("div", { class: "row" }, field(t("totp"), totp), field(t("proxy"), proxy)),
    ),
    message,
    button,
    h("p", { class: "hint" }, t("joinHint")),
    h("button", { type: "button", class: "secondary", id: "ask-to-join", onclick: join }, t("joinButton")),
  );
  root.append(h("main", { class: "center" }, form));
  if (status.invite?.invite) applyInvite(status.invite.invite);
  else if (status.invite?.problem) showMessage(message, "error", status.invite.problem.message);
  else relay.focus();
}

export function renderUnlock(root: HTMLElement, opened: (s: Status) => void): void {
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
          opened(await api.unlock(passphrase.value));
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
  passphrase.focus();
}

function showMessage(el: HTMLElement, kind: "info" | "error", text: string): void {
  el.className = `message ${kind}`;
  el.textContent = text;
}
