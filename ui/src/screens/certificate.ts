// 証明書: the office certificate's dates, renewed here without the password.

import { api, errorMessage } from "../api";
import { clear, h } from "../dom";
import { formatTime } from "../format";
import { t } from "../i18n";
import type { Screen, Shell } from "./screen";

export function createCertificate(shell: Shell): Screen {
  const facts = h("dl", { class: "card facts", id: "certificate" });
  const draw = () => {
    const office = shell.status.profile;
    const days = office?.certificate_days_left ?? 0;
    clear(facts);
    facts.append(
      h("dt", {}, t("office")),
      h("dd", {}, `${office?.office_name ?? ""} (${office?.office ?? ""})`),
      h("dt", {}, t("serial")),
      h("dd", {}, h("code", {}, office?.certificate_serial ?? "")),
      h("dt", {}, t("validUntil")),
      h("dd", {}, office ? formatTime(office.certificate_not_after) : ""),
      h("dt", {}, t("daysLeft")),
      h("dd", { class: days <= 30 ? "bad" : "" }, `${days} ${t("days")}`),
    );
  };
  // Renews with the certificate in use; the relay needs no password for that.
  const renew = async () => {
    button.disabled = true;
    button.textContent = t("renewing");
    try {
      shell.status = await api.renewCertificate();
      draw();
      shell.say("info", `${t("renewed")}: ${formatTime(shell.status.profile?.certificate_not_after ?? 0)}`);
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
    button.disabled = false;
    button.textContent = t("renew");
  };
  const button = h("button", { class: "primary", id: "renew", onclick: () => void renew() }, t("renew"));
  const el = h(
    "main",
    { class: "content", id: "screen-certificate" },
    h("h1", {}, t("certificateTitle")),
    facts,
    h("p", { class: "lead" }, t("renewLead")),
    button,
  );
  return { el, show: draw };
}
