// The gallery's bulk bar: tick cards (shift-click ticks a range), see how many, act.
// Everything is bound on the document, because htmx replaces the cards (pages, live
// updates, the redraw after an action). Without this file the bar is always shown and
// its form posts normally.
"use strict";

(() => {
  const gettext = window.gettext || ((/** @type {string} */ s) => s);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const interpolate = window.interpolate || ((fmt, args) => fmt.replace("%s", String(args[0])));
  const PICK = 'input.card-pick[form="bulk-form"]';
  const COMPARE_MIN = 2;
  const COMPARE_MAX = 4;

  /** The value of the box clicked last: where a shift-click range starts. */
  let anchor = "";

  const bar = () => /** @type {HTMLElement | null} */ (document.querySelector("[data-bulk-bar]"));
  /** @returns {HTMLInputElement[]} */
  const picks = () => Array.from(document.querySelectorAll(PICK));

  /** The result each ticked card offers to Compare (the viewer link's data-compare). */
  function comparable(chosen) {
    return chosen
      .map((pick) => {
        const card = pick.closest(".gen-card, li");
        const link = card && card.querySelector("[data-compare]");
        return link ? link.getAttribute("data-compare") : "";
      })
      .filter(Boolean);
  }

  function refresh() {
    const root = bar();
    if (!root) return;
    const all = picks();
    const chosen = all.filter((pick) => pick.checked);
    const n = chosen.length;
    root.dataset.state = n ? "active" : "idle";
    const count = root.querySelector("[data-bulk-count]");
    if (count) count.textContent = interpolate(ngettext("%s selected", "%s selected", n), [n]);
    const every = /** @type {HTMLButtonElement | null} */ (root.querySelector("[data-bulk-all]"));
    if (every) every.hidden = n === all.length;
    const clear = /** @type {HTMLButtonElement | null} */ (root.querySelector("[data-bulk-clear]"));
    if (clear) clear.hidden = n === 0;
    // The page's address changes as htmx pages through: actions come back to it.
    const here = location.pathname + location.search;
    document.querySelectorAll("[data-bulk-next]").forEach((input) => {
      /** @type {HTMLInputElement} */ (input).value = here;
    });
    const results = comparable(chosen);
    const compare = /** @type {HTMLButtonElement | null} */ (root.querySelector("[data-bulk-compare]"));
    if (compare) compare.hidden = results.length < COMPARE_MIN || results.length > COMPARE_MAX;
    const form = root.querySelector("[data-bulk-compare-form]");
    if (form) {
      form.replaceChildren(
        ...results.map((result) => {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = "r";
          input.value = result;
          return input;
        }),
      );
    }
  }

  /** Untick everything; focus goes back to a card, since the bar's buttons go away. */
  function clearAll() {
    const all = picks();
    const focus = all.find((pick) => pick.value === anchor) || all[0];
    all.forEach((pick) => (pick.checked = false));
    anchor = "";
    refresh();
    if (focus) focus.focus();
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target instanceof HTMLInputElement && target.matches(PICK)) {
      const all = picks();
      const from = all.findIndex((pick) => pick.value === anchor);
      const to = all.indexOf(target);
      // The click has already toggled the box: the range takes its new state.
      if (event.shiftKey && from >= 0 && to >= 0) {
        const [low, high] = from < to ? [from, to] : [to, from];
        all.slice(low, high + 1).forEach((pick) => (pick.checked = target.checked));
      }
      anchor = target.value;
      refresh();
    } else if (target.closest("[data-bulk-all]")) {
      picks().forEach((pick) => (pick.checked = true));
      refresh();
    } else if (target.closest("[data-bulk-clear]")) {
      clearAll();
    }
  });

  // Space on a focused box also arrives as a click; this catches any other change.
  document.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.matches(PICK)) refresh();
  });

  // Escape on a card's box or in the bar lets go of the selection.
  document.addEventListener("keydown", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (event.key !== "Escape" || !target) return;
    if (!target.matches(PICK) && !target.closest("#bulk-form")) return;
    if (picks().some((pick) => pick.checked)) {
      event.preventDefault();
      clearAll();
    }
  });

  // An action worked (the server's HX-Trigger): redraw the grid as it is now. The new
  // cards come unticked, so the bar steps aside and its message stays.
  document.body.addEventListener("bulk-done", () => {
    const htmx = /** @type {any} */ (window).htmx;
    if (!htmx || !document.getElementById("grid")) return;
    htmx.ajax("GET", location.pathname + location.search, { target: "#grid", swap: "outerHTML" });
  });

  // The bar's message replaced the button that was pressed: put focus on it (its Undo
  // when there is one) so keyboard users are not dropped at the top of the page.
  document.addEventListener("htmx:afterSettle", (event) => {
    refresh();
    const target = /** @type {CustomEvent} */ (event).detail.elt;
    if (!(target instanceof Element) || target.id !== "bulk-status") return;
    const undo = /** @type {HTMLElement | null} */ (target.querySelector("[data-bulk-undo]"));
    (undo || /** @type {HTMLElement} */ (target)).focus();
  });
  document.addEventListener("htmx:historyRestore", refresh);
  window.addEventListener("popstate", refresh);
  // The browser may keep boxes ticked across a reload or Back.
  window.addEventListener("pageshow", refresh);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
