// Runs that end while the person looks elsewhere: a count in the tab title, a dot on the
// favicon and, if they asked for it, a browser notification. Pages announce ended runs with
// htmx's `runs-finished` event (HX-Trigger from the run page's progress poll and the
// galleries' live cards): {runs: [{id, name, state, url}]}.
"use strict";

(() => {
  // Django's JavaScript catalog (jsi18n) defines gettext; without it, English.
  const gettext = window.gettext || ((/** @type {string} */ s) => s);
  const STORE = "a1studio.notify";
  const supported = "Notification" in window;

  let unseen = 0;
  let plainTitle = "";
  let plainIcon = "";
  // The choice when storage is blocked, or this page's copy of it (null: read storage).
  /** @type {boolean | null} */
  let sessionChoice = null;

  /** @returns {HTMLLinkElement | null} */
  function icon() {
    return document.querySelector('link[rel="icon"]');
  }

  function hidden() {
    return document.visibilityState === "hidden";
  }

  /** @param {number} count */
  function showUnseen(count) {
    const link = icon();
    if (!unseen) {
      plainTitle = document.title;
      plainIcon = link ? link.href : "";
    }
    unseen += count;
    document.title = `(${unseen}) ${plainTitle}`;
    // A second static icon with a dot: no canvas, so no data: URL for the CSP to allow.
    if (link && link.dataset.done) link.href = link.dataset.done;
  }

  function clearUnseen() {
    if (!unseen) return;
    unseen = 0;
    // The title may have changed meanwhile (htmx history); only our prefix comes off.
    document.title = document.title.replace(/^\(\d+\) /, "") || plainTitle;
    const link = icon();
    if (link && plainIcon) link.href = plainIcon;
  }

  function wanted() {
    try {
      return localStorage.getItem(STORE) === "on";
    } catch {
      return false; // storage blocked: notifications stay off
    }
  }

  /** @param {boolean} on */
  function remember(on) {
    try {
      localStorage.setItem(STORE, on ? "on" : "off");
    } catch {
      // Storage blocked: the choice lasts as long as the page.
    }
    sessionChoice = on;
  }

  function notifying() {
    const on = sessionChoice ?? wanted();
    return supported && on && Notification.permission === "granted";
  }

  /** Show every toggle on the page as it stands (new ones arrive with htmx swaps). */
  function paint() {
    for (const box of document.querySelectorAll("[data-notify]")) {
      if (!(box instanceof HTMLElement)) continue;
      box.hidden = !supported;
      if (!supported) continue;
      const button = box.querySelector("[data-notify-toggle]");
      const status = box.querySelector("[data-notify-status]");
      if (button) button.setAttribute("aria-pressed", String(notifying()));
      if (status) {
        const refused = Notification.permission === "denied";
        status.textContent = refused
          ? gettext("Your browser blocks notifications from this site: allow them in its site settings to turn this on.")
          : "";
      }
    }
  }

  /** @param {HTMLElement} button */
  async function toggle(button) {
    if (button.getAttribute("aria-pressed") === "true") {
      remember(false);
    } else {
      let permission = Notification.permission;
      if (permission === "default") permission = await Notification.requestPermission();
      remember(permission === "granted");
    }
    paint();
  }

  /** @param {{id: string, name: string, state: string, url: string}} run */
  function announce(run) {
    const title = run.state === "failed" ? gettext("Run failed") : gettext("Run finished");
    // The tag makes two tabs that both heard of this run show one notification.
    const note = new Notification(title, { body: run.name, tag: `run-${run.id}` });
    note.onclick = () => {
      window.focus();
      window.location.assign(run.url);
      note.close();
    };
  }

  document.addEventListener("DOMContentLoaded", () => {
    paint();
    document.body.addEventListener("runs-finished", (event) => {
      const detail = /** @type {CustomEvent} */ (event).detail;
      const runs = Array.isArray(detail?.runs) ? detail.runs : [];
      if (!runs.length || !hidden()) return;
      showUnseen(runs.length);
      if (notifying()) runs.forEach(announce);
    });
    document.body.addEventListener("htmx:afterSettle", paint);
    document.body.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target : null;
      const button = target?.closest("[data-notify-toggle]");
      if (button instanceof HTMLElement && supported) toggle(button);
    });
  });

  document.addEventListener("visibilitychange", () => {
    if (!hidden()) clearUnseen();
  });
  // Another tab may turn notifications on or off: every tab follows the same choice.
  window.addEventListener("storage", (event) => {
    if (event.key !== STORE) return;
    sessionChoice = null;
    paint();
  });
})();
