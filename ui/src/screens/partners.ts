// 取引先: search the relay's directory, mark favourites; the search stays while stars change.

import { api, errorMessage, type Partner } from "../api";
import { clear, h } from "../dom";
import { t } from "../i18n";
import { loadInto } from "../view";
import type { Screen, Shell } from "./screen";

export function createPartners(_shell: Shell): Screen {
  const results = h("div", { id: "partners" });
  const q = h("input", { placeholder: t("partnerSearchPlaceholder"), id: "partner-text" });
  const favs = h("div", { id: "favourites" });
  // The last search's results, kept while stars are toggled so the search is not lost.
  let found: Partner[] | null = null;
  const showError = (el: HTMLElement, err: unknown) => {
    clear(el);
    el.append(h("div", { class: "message error", role: "alert" }, errorMessage(err)));
  };
  const loadFavourites = () => loadInto(favs, () => api.favourites(), list, t("noFavourites"));
  const toggle = async (p: Partner) => {
    try {
      await api.setFavourite(p.number, !p.favourite);
      if (found) {
        found = found.map((f) => (f.number === p.number ? { ...f, favourite: !p.favourite } : f));
        drawFound();
      }
      await loadFavourites();
    } catch (err) {
      showError(favs, err);
    }
  };
  const list = (partners: Partner[]) =>
    h(
      "ul",
      { class: "partners" },
      partners.map((p) =>
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
          // Files for a partner not on the exchange yet wait until it enrols: say so, and that
          // the send screen prints them meanwhile.
          p.connected === false
            ? h("span", { class: "pill warn not-connected", title: t("notConnectedHint") }, t("notConnected"))
            : null,
        ),
      ),
    );
  const drawFound = () => {
    clear(results);
    results.append(found?.length ? list(found) : h("p", { class: "muted empty" }, t("noResults")));
  };
  const el = h(
    "main",
    { class: "content", id: "screen-partners" },
    h("h1", {}, t("partnersTitle")),
    h("p", { class: "lead" }, t("partnersLead")),
    h(
      "form",
      {
        class: "filters",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          found = await loadInto(results, () => api.partnersSearch(q.value), list, t("noResults"));
        },
      },
      q,
      h("button", { type: "submit", class: "secondary" }, t("search")),
    ),
    results,
    h("h2", {}, t("favourites")),
    favs,
  );
  return { el, show: () => void loadFavourites() };
}
