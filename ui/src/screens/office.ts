// 事業所の設定: who is signed in on this PC, the office's staff and its devices. Administrators
// add and remove staff and revoke devices; the relay refuses anyone else, and this screen says so.

import { api, errorCode, errorMessage, type Device, type PendingDevice, type StaffAddedView, type StaffMember } from "../api";
import { clear, field, h } from "../dom";
import { formatTime } from "../format";
import { t } from "../i18n";
import { loadInto } from "../view";
import type { Screen, Shell } from "./screen";

function roleLabel(m: StaffMember): string {
  return m.role === "admin" ? t("roleAdmin") : t("roleStaff");
}

export function createOffice(shell: Shell): Screen {
  const who = h("div", { id: "signed-in" });
  const staff = h("div", { id: "staff" });
  const devices = h("div", { id: "devices" });
  const addForm = h("div", { id: "add-staff-form" });
  const isAdmin = () => shell.status.person?.role === "admin";

  const drawWho = () => {
    clear(who);
    const person = shell.status.person;
    if (person) {
      who.append(
        h("p", {}, `${t("signedInAs")} ${person.name}（${roleLabel(person)}）`),
        h(
          "button",
          {
            class: "secondary",
            id: "sign-out",
            onclick: async () => {
              await api.signOut().catch(() => {});
              shell.setPerson(null);
            },
          },
          t("signOut"),
        ),
      );
      return;
    }
    const login = h("input", { id: "staff-login", autocomplete: "username" });
    const password = h("input", { id: "staff-password", type: "password", autocomplete: "current-password" });
    const totp = h("input", { id: "staff-totp", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code" });
    // Asked for once the relay says this person has a second factor.
    const totpField = h("span", { hidden: true }, field(t("totp"), totp));
    who.append(
      h(
        "form",
        {
          class: "row",
          onsubmit: async (e: Event) => {
            e.preventDefault();
            try {
              shell.setPerson(await api.signIn(login.value, password.value, totp.value || null));
              // A request for the one-time code, or an earlier refusal, is answered now.
              shell.say("info", "");
            } catch (err) {
              if (errorCode(err) === "totp_required" && totpField.hidden) {
                totpField.hidden = false;
                totp.focus();
                shell.say("info", t("totpAsked"));
                return;
              }
              password.value = "";
              totp.value = "";
              shell.say("error", errorMessage(err));
            }
          },
        },
        field(t("staffLogin"), login),
        field(t("password"), password),
        totpField,
        h("button", { type: "submit", class: "primary", id: "sign-in" }, t("signIn")),
      ),
    );
  };

  const staffTable = (list: StaffMember[]) =>
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, [t("staffLogin"), t("staffName"), t("role"), ""].map((c) => h("th", {}, c)))),
      h(
        "tbody",
        {},
        list.map((m) =>
          h(
            "tr",
            { class: m.active ? "" : "muted" },
            h("td", {}, m.login),
            h("td", {}, m.name),
            h("td", {}, m.active ? roleLabel(m) : t("staffRemoved")),
            h(
              "td",
              {},
              m.active && m.login !== shell.status.person?.login
                ? h(
                    "button",
                    {
                      class: "link",
                      onclick: async () => {
                        try {
                          await api.removeStaff(m.login);
                          await loadStaff();
                        } catch (err) {
                          shell.say("error", errorMessage(err));
                        }
                      },
                    },
                    t("staffRemove"),
                  )
                : null,
            ),
          ),
        ),
      ),
    );

  const deviceTable = (list: Device[]) =>
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, [t("deviceLabel"), t("deviceId"), t("lastSeen"), t("certificateUntil"), ""].map((c) => h("th", {}, c)))),
      h(
        "tbody",
        {},
        list.map((d) =>
          h(
            "tr",
            {},
            h("td", {}, d.name || "—", d.this_device ? h("span", { class: "pill ok" }, t("thisDevice")) : null),
            h("td", {}, h("code", {}, d.device)),
            h("td", { class: "last-seen" }, d.last_seen === null ? "—" : formatTime(d.last_seen)),
            h("td", {}, formatTime(d.not_after)),
            h(
              "td",
              {},
              isAdmin() && !d.this_device
                ? h(
                    "button",
                    {
                      class: "link revoke",
                      onclick: async () => {
                        if (!window.confirm(`${d.name || d.device}: ${t("revokeConfirm")}`)) return;
                        try {
                          await api.revokeDevice(d.device);
                          shell.say("info", t("revoked"));
                          await loadDevices();
                        } catch (err) {
                          shell.say("error", errorMessage(err));
                        }
                      },
                    },
                    t("revoke"),
                  )
                : null,
            ),
          ),
        ),
      ),
    );

  const drawAddForm = () => {
    clear(addForm);
    if (!isAdmin()) return;
    const login = h("input", { id: "new-login", maxlength: "32" });
    const name = h("input", { id: "new-name", maxlength: "64" });
    const role = h(
      "select",
      { id: "new-role" },
      h("option", { value: "staff" }, t("roleStaff")),
      h("option", { value: "admin" }, t("roleAdmin")),
    );
    const password = h("input", { id: "new-password", type: "password", autocomplete: "new-password" });
    addForm.append(
      h(
        "form",
        {
          class: "row",
          onsubmit: async (e: Event) => {
            e.preventDefault();
            try {
              const added = await api.addStaff({
                login: login.value,
                name: name.value,
                role: role.value === "admin" ? "admin" : "staff",
                password: password.value,
              });
              shell.say("info", `${added.person.name} ${t("staffAdded")}`);
              drawAddForm();
              drawSecondFactor(added);
              await loadStaff();
            } catch (err) {
              shell.say("error", errorMessage(err));
            }
          },
        },
        field(t("staffLogin"), login),
        field(t("staffName"), name),
        field(t("role"), role),
        field(t("firstPassword"), password),
        h("button", { type: "submit", class: "secondary", id: "add-staff" }, t("staffAdd")),
      ),
    );
  };

  // An administrator just added: the code their authenticator app needs, shown this once.
  const secondFactor = h("div", { id: "second-factor", hidden: true });
  const drawSecondFactor = (added: StaffAddedView) => {
    clear(secondFactor);
    const f = added.second_factor;
    secondFactor.hidden = !f;
    if (!f) return;
    secondFactor.append(
      h("h3", {}, `${added.person.name}: ${t("secondFactorTitle")}`),
      h("p", {}, t("secondFactorHelp")),
      ...(added.qr_svg
        ? [h("img", { class: "qr", alt: f.uri, src: `data:image/svg+xml;base64,${btoa(added.qr_svg)}` })]
        : []),
      h("p", {}, `${t("secondFactorKey")}: `, h("code", { id: "second-factor-key" }, f.secret.replace(/(.{4})(?=.)/g, "$1 "))),
      h(
        "button",
        {
          class: "secondary",
          onclick: () => {
            clear(secondFactor);
            secondFactor.hidden = true;
          },
        },
        t("secondFactorDone"),
      ),
    );
  };

  const loadStaff = async () => {
    if (!isAdmin()) {
      clear(staff);
      staff.append(h("p", { class: "muted" }, t("adminsOnly")));
      return;
    }
    await loadInto(staff, () => api.staffList(), staffTable, t("noStaff"));
  };
  const loadDevices = () => loadInto(devices, () => api.devices(), deviceTable, t("noDevices"));

  // PCs asking to join: the administrator compares the code with the new PC's screen.
  const waiting = h("div", { id: "waiting-devices" });
  const waitingCard = h("div", { class: "card settings", hidden: true }, h("h2", {}, t("waitingTitle")), h("p", { class: "hint" }, t("waitingHelp")), waiting);
  const decide = async (d: PendingDevice, approve: boolean) => {
    try {
      await api.decideDevice(d.request, approve);
      shell.say("info", `${d.device_name} ${approve ? t("approved") : t("refused")}`);
    } catch (err) {
      shell.say("error", errorMessage(err));
    }
    await Promise.all([loadWaiting(), loadDevices()]);
  };
  const waitingTable = (list: PendingDevice[]) =>
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, [t("deviceLabel"), t("code"), t("asked"), ""].map((c) => h("th", {}, c)))),
      h(
        "tbody",
        {},
        list.map((d) =>
          h(
            "tr",
            { "data-request": d.request },
            h("td", {}, d.device_name),
            h("td", {}, h("strong", { class: "pairing-code small" }, `${d.code.slice(0, 3)} ${d.code.slice(3)}`)),
            h("td", {}, formatTime(d.created_at)),
            h(
              "td",
              {},
              h("button", { class: "primary approve", onclick: () => decide(d, true) }, t("approve")),
              " ",
              h("button", { class: "link refuse", onclick: () => decide(d, false) }, t("refuse")),
            ),
          ),
        ),
      ),
    );
  let shownWaiting = "";
  const loadWaiting = async () => {
    waitingCard.hidden = !isAdmin();
    if (!isAdmin()) return clear(waiting);
    const list = await loadInto(waiting, () => api.pendingDevices(), waitingTable, t("waitingNone"));
    shownWaiting = JSON.stringify(list);
  };
  // A PC may ask while the administrator has this screen open: it shows up without a click, and
  // the table is drawn again only when the list changed (not under the administrator's pointer).
  const WAITING_EVERY_MS = 5000;
  setInterval(async () => {
    if (!el.isConnected || el.hidden || !isAdmin()) return;
    try {
      const list = await api.pendingDevices();
      if (JSON.stringify(list) === shownWaiting) return;
      shownWaiting = JSON.stringify(list);
      await loadInto(waiting, async () => list, waitingTable, t("waitingNone"));
    } catch {
      // The next look, or the next visit to the screen, says what is wrong.
    }
  }, WAITING_EVERY_MS);

  const el = h(
    "main",
    { class: "content", id: "screen-office" },
    h("h1", {}, t("officeTitle")),
    h("div", { class: "card settings" }, h("h2", {}, t("thisPcPerson")), who),
    h("div", { class: "card settings" }, h("h2", {}, t("staffTitle")), staff, addForm, secondFactor),
    waitingCard,
    h("div", { class: "card settings" }, h("h2", {}, t("devicesTitle")), devices),
  );
  return {
    el,
    show: async () => {
      drawWho();
      drawAddForm();
      await Promise.all([loadStaff(), loadWaiting(), loadDevices()]);
    },
  };
}
