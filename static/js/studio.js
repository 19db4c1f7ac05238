// Progressive enhancements. Every page works without this file: forms post normally.
// `make test` type-checks it (tsconfig.json): a misspelt DOM call fails the build.
"use strict";

(() => {
  const A1_MAX_BYTES = 10 * 1024 * 1024;
  const A1_MAX_SIDE = 2048;
  const OUR_MAX_BYTES = 25 * 1024 * 1024;
  // Django's JavaScript catalog (jsi18n) defines gettext; without it, English.
  const gettext = window.gettext || ((/** @type {string} */ s) => s);
  /** @type {(format: string, values: unknown[]) => string} */
  const interpolate = window.interpolate || ((format, values) => {
    let out = format;
    for (const value of values) out = out.replace("%s", String(value));
    return out;
  });

  document.documentElement.classList.add("js");

  /**
   * The file's real type, from its first bytes: a .jpg may be anything.
   * @param {Blob} file
   * @returns {Promise<string>}
   */
  async function sniff(file) {
    const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
    const starts = (/** @type {number[]} */ ...bytes) => bytes.every((b, i) => head[i] === b);
    if (starts(0x89, 0x50, 0x4e, 0x47)) return "PNG";
    if (starts(0xff, 0xd8, 0xff)) return "JPEG";
    if (starts(0x47, 0x49, 0x46)) return "GIF";
    if (starts(0x52, 0x49, 0x46, 0x46) && head[8] === 0x57) return "WEBP";
    if (starts(0x42, 0x4d)) return "BMP";
    if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return "TIFF";
    if (head[4] === 0x66 && head[5] === 0x74 && head[6] === 0x79 && head[7] === 0x70) return "HEIC";
    return "";
  }

  /**
   * @param {string} url
   * @returns {Promise<[number, number] | null>}
   */
  function dimensions(url) {
    return new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
      img.onerror = () => resolve(null);
      img.src = url;
    });
  }

  /**
   * Check a chosen photo at once, so a mistake shows beside its field before any upload.
   * @param {HTMLElement} slot
   * @param {File} file
   */
  async function describe(slot, file) {
    const notes = /** @type {HTMLElement} */ (slot.querySelector("[data-notes]"));
    const preview = /** @type {HTMLImageElement} */ (slot.querySelector("[data-preview]"));
    const input = /** @type {HTMLInputElement} */ (slot.querySelector("[data-file]"));
    const chosen = slot.querySelector("[data-chosen]");
    if (chosen) chosen.textContent = file.name;
    /** @type {string[]} */
    const problems = [];
    /** @type {string[]} */
    const info = [];
    const kind = await sniff(file);
    if (file.size === 0) problems.push(gettext("The file is empty."));
    else if (file.size > OUR_MAX_BYTES) problems.push(gettext("The file is larger than 25 MB; please choose a smaller image."));
    else if (!kind) problems.push(gettext("This file is not an image we can read."));
    let url = "";
    let size = null;
    if (!problems.length) {
      url = URL.createObjectURL(file);
      size = await dimensions(url);
      if (kind !== "PNG" && kind !== "JPEG") info.push(gettext("It will be converted to JPEG or PNG for A1."));
      if (size && Math.max(...size) > A1_MAX_SIDE) info.push(gettext("It is larger than 2048×2048 and will be scaled down."));
      else if (file.size > A1_MAX_BYTES) info.push(gettext("It is over 10 MB and will be compressed."));
      if (size) info.unshift(`${file.name} (${size[0]}×${size[1]}).`);
      else if (kind === "HEIC") {
        // Most browsers cannot draw HEIC (iPhone photos): name the file instead of
        // showing a broken picture; the server reads and converts it.
        info.unshift(`${file.name}.`);
        info.push(gettext("This browser cannot preview HEIC photos."));
      } else problems.push(gettext("This image could not be read."));
    }
    if (size && !problems.length) {
      preview.src = url;
      preview.hidden = false;
    } else {
      preview.hidden = true;
      preview.removeAttribute("src");
      if (url) URL.revokeObjectURL(url);
    }
    notes.textContent = problems.length ? "" : info.join(" ");
    /** @type {HTMLElement | null} */
    let error = slot.querySelector("[data-client-error]");
    const errorId = `${input.id}-client-error`;
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== errorId);
    if (problems.length) {
      if (!error) {
        error = document.createElement("p");
        error.className = "field-error";
        error.dataset.clientError = "";
        error.id = errorId;
        notes.after(error);
      }
      error.textContent = problems.join(" ");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [...described, errorId].join(" "));
      input.setCustomValidity(problems.join(" "));
    } else {
      if (error) error.remove();
      // A server-side error for an earlier file no longer applies to this one.
      slot.querySelectorAll("[data-server-error]").forEach((old) => old.remove());
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", described.filter((id) => id !== `${input.id}-error`).join(" "));
      input.setCustomValidity("");
      if (input.form && !input.form.querySelector("[aria-invalid='true']")) hideSummary(input.form);
    }
  }

  /**
   * @param {HTMLElement} slot
   * @param {File} file
   */
  function setFile(slot, file) {
    const input = /** @type {HTMLInputElement} */ (slot.querySelector("[data-file]"));
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    describe(slot, file);
  }

  /** @param {ParentNode} root */
  function wire(root) {
    // A file field with our own button (includes/file_picker.html): name what was chosen.
    root.querySelectorAll(".file-field input[type=file]").forEach((element) => {
      const input = /** @type {HTMLInputElement} */ (element);
      const chosen = /** @type {HTMLElement | null} */ (input.parentElement?.querySelector("[data-chosen]") || null);
      if (!chosen || input.dataset.wired) return;
      input.dataset.wired = "1";
      input.addEventListener("change", () => {
        const names = Array.from(input.files || [], (file) => file.name);
        chosen.textContent = names.length ? names.join(", ") : chosen.dataset.none || "";
      });
    });
    root.querySelectorAll("[data-image-slot]").forEach((element) => {
      const slot = /** @type {HTMLElement} */ (element);
      if (slot.dataset.wired) return;
      slot.dataset.wired = "1";
      const zone = /** @type {HTMLElement} */ (slot.querySelector("[data-dropzone]"));
      const input = /** @type {HTMLInputElement} */ (slot.querySelector("[data-file]"));
      input.addEventListener("change", () => input.files && input.files[0] && describe(slot, input.files[0]));
      // A photo chosen before this script ran (a slow page, a quick hand) is checked now.
      if (input.files && input.files[0]) describe(slot, input.files[0]);
      zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("is-dragging"); });
      zone.addEventListener("dragleave", () => zone.classList.remove("is-dragging"));
      zone.addEventListener("drop", (e) => {
        e.preventDefault();
        zone.classList.remove("is-dragging");
        const file = e.dataTransfer && e.dataTransfer.files[0];
        if (file) setFile(slot, file);
      });
    });
    // A capped text says how much room is left once it nears its cap, and that the rest
    // is cut at it (a browser cuts a long paste at maxlength without a word).
    root.querySelectorAll(".app-form input[type=text][maxlength], .app-form textarea[maxlength]").forEach((element) => {
      const field = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (element);
      if (field.dataset.counted || field.maxLength < 100) return;
      field.dataset.counted = "1";
      const counter = document.createElement("p");
      counter.className = "help";
      counter.id = `${field.id}-counter`;
      counter.hidden = true;
      field.after(counter);
      field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby") || "", counter.id].join(" ").trim());
      const count = () => {
        const n = field.value.length;
        counter.hidden = n < field.maxLength * 0.8;
        counter.textContent = n >= field.maxLength
          ? interpolate(gettext("%s of %s characters: that is the most, anything longer is cut."), [n, field.maxLength])
          : interpolate(gettext("%s of %s characters."), [n, field.maxLength]);
      };
      field.addEventListener("input", count);
      count();
    });
    root.querySelectorAll("input[name=generate_num]").forEach((element) => {
      const radio = /** @type {HTMLInputElement} */ (element);
      radio.addEventListener("change", () => {
        document.querySelectorAll("[data-cost-for]").forEach((span) => {
          const cost = /** @type {HTMLElement} */ (span);
          cost.hidden = cost.dataset.costFor !== radio.value;
        });
      });
    });
    // "My team" is the only choice that needs a team: the team menu follows it.
    root.querySelectorAll("[data-visibility]").forEach((element) => {
      const select = /** @type {HTMLSelectElement} */ (element);
      const target = select.form && select.form.querySelector("[data-team-choice]");
      if (!(target instanceof HTMLElement)) return;
      const sync = () => {
        target.hidden = select.value !== "team";
        delete target.dataset.folded; // laid out folded from the first paint (studio.css)
      };
      select.addEventListener("change", sync);
      sync();
    });
    // Wide charts on a narrow screen: show the latest days first.
    root.querySelectorAll("[data-scroll-end]").forEach((element) => {
      element.scrollLeft = element.scrollWidth;
    });
    // On a phone the filters start folded (unless some are in use); at a desk, open.
    root.querySelectorAll("details[data-fold-on-phone]").forEach((element) => {
      const details = /** @type {HTMLDetailsElement} */ (element);
      if (window.matchMedia("(max-width: 640px)").matches && !details.dataset.active) details.open = false;
      details.classList.add("is-ready");
    });
  }

  // Paste an image anywhere on the page: it goes to the first empty photo field
  // (or the one that has focus).
  document.addEventListener("paste", (e) => {
    const file = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith("image/"));
    if (!file) return;
    const focused = /** @type {HTMLElement | null} */ (document.activeElement?.closest?.("[data-image-slot]"));
    const empty = /** @type {HTMLElement | undefined} */ ([...document.querySelectorAll("[data-image-slot]")].find(
      (s) => !(/** @type {HTMLInputElement} */ (s.querySelector("[data-file]"))).files.length
    ));
    const slot = focused || empty;
    if (slot) {
      e.preventDefault();
      setFile(slot, file);
    }
  });

  // A photo we already know is wrong is not uploaded: focus it instead (this runs before
  // htmx sees the submit, so nothing is sent and the chosen files stay in the form).
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    const bad = form.querySelector("[data-image-slot] [data-file][aria-invalid='true']");
    if (bad instanceof HTMLInputElement && bad.validationMessage) {
      e.preventDefault();
      e.stopPropagation();
      bad.focus();
    }
  }, true);

  // A field put right is no longer marked wrong: its message goes, and once no field of
  // the form is left marked, so does the form's "Some fields need your attention".
  // (Photos are checked again by their own code above when another is chosen.)
  /** @param {Event} e */
  function fieldFixed(e) {
    const field = e.target;
    const editable = field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement || field instanceof HTMLSelectElement;
    if (!editable || !field.form) return;
    if (field.getAttribute("aria-invalid") === "true" && !field.matches("[data-file]")) {
      field.removeAttribute("aria-invalid");
      for (const id of (field.getAttribute("aria-describedby") || "").split(/\s+/)) {
        const note = id ? document.getElementById(id) : null;
        if (note && note.classList.contains("field-error")) note.hidden = true;
      }
    }
    if (!field.form.querySelector("[aria-invalid='true']")) hideSummary(field.form);
  }

  /** @param {HTMLFormElement} form */
  function hideSummary(form) {
    form.querySelectorAll("[data-fields-summary]").forEach((summary) => {
      if (summary instanceof HTMLElement) summary.hidden = true;
    });
  }
  document.addEventListener("input", fieldFixed);
  document.addEventListener("change", fieldFixed);

  // Buttons that copy a text (invite links): the text is also shown, so nothing is lost
  // where the clipboard is refused.
  document.addEventListener("click", async (e) => {
    const button = e.target instanceof Element ? e.target.closest("[data-copy]") : null;
    if (!(button instanceof HTMLElement)) return;
    const source = document.getElementById(button.dataset.copy || "");
    if (!source) return;
    const text = source instanceof HTMLInputElement ? source.value : source.textContent || "";
    const status = button.parentElement?.querySelector("[data-copy-status]");
    try {
      await navigator.clipboard.writeText(text.trim());
      if (status) status.textContent = gettext("Copied.");
    } catch {
      if (source instanceof HTMLInputElement) source.select();
      if (status) status.textContent = gettext("Press Ctrl+C (or ⌘C) to copy.");
    }
  });

  // The header menu on small screens: a button that opens and closes the links.
  /** @param {ParentNode} root */
  function wireMenu(root) {
    const toggle = root.querySelector("[data-menu-toggle]");
    const header = toggle && toggle.closest(".topbar");
    if (!(toggle instanceof HTMLButtonElement) || !(header instanceof HTMLElement)) return;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && header.classList.contains("menu-open")) {
        toggle.setAttribute("aria-expanded", "false");
        header.classList.remove("menu-open");
        toggle.focus();
      }
    });
  }

  // A person with no time zone yet: tell the portal the browser's, once (the page says
  // where to, data-time-zone-guess); from the next page on, times are theirs.
  function sendTimeZone() {
    const url = document.body.dataset.timeZoneGuess;
    if (!url) return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    if (!zone || !headers["X-CSRFToken"]) return;
    const body = new URLSearchParams({ time_zone: zone });
    fetch(url, { method: "POST", body, headers, credentials: "same-origin" }).catch(() => {});
  }

  document.addEventListener("DOMContentLoaded", () => {
    wireMenu(document);
    wire(document);
    sendTimeZone();
  });
  document.addEventListener("htmx:load", (e) => wire(/** @type {CustomEvent} */ (e).detail.elt));

  // After htmx swaps in a form with errors, move focus to the first problem so
  // keyboard and screen-reader users land where it is.
  // (After an outerHTML swap the event's target is the replaced element: look the new
  // one up by its id.)
  document.addEventListener("htmx:afterSettle", (event) => {
    const old = /** @type {CustomEvent} */ (event).detail.target;
    const root = (old && old.id && document.getElementById(old.id)) || document;
    const invalid = root.querySelector("[aria-invalid='true']") || root.querySelector(".error-summary");
    if (invalid instanceof HTMLElement) invalid.focus();
  });
})();
