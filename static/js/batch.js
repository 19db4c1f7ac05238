// The batch form: many files per field, dropped or chosen, and upload progress.
// Without this file the form still posts normally.
"use strict";

(() => {
  const gettext = window.gettext || ((s) => s);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const interpolate = window.interpolate || ((fmt, args) => fmt.replace("%s", args[0]));

  function showCount(fieldset) {
    const input = fieldset.querySelector("input[type=file]");
    const note = fieldset.querySelector("[data-batch-count]");
    if (!input || !note) return;
    const n = input.files.length;
    note.textContent = n ? interpolate(ngettext("%s photo chosen.", "%s photos chosen.", n), [n]) : "";
  }

  function wire(form) {
    if (form.dataset.wired) return;
    form.dataset.wired = "1";
    form.querySelectorAll("[data-batch-drop]").forEach((zone) => {
      const fieldset = zone.closest("fieldset");
      const input = zone.querySelector("input[type=file]");
      input.addEventListener("change", () => showCount(fieldset));
      zone.addEventListener("dragover", (event) => {
        event.preventDefault();
        zone.classList.add("is-dragging");
      });
      zone.addEventListener("dragleave", () => zone.classList.remove("is-dragging"));
      zone.addEventListener("drop", (event) => {
        event.preventDefault();
        zone.classList.remove("is-dragging");
        const transfer = new DataTransfer();
        for (const file of input.files) transfer.items.add(file);
        for (const file of event.dataTransfer.files) transfer.items.add(file);
        input.files = transfer.files;
        showCount(fieldset);
      });
    });
  }

  document.addEventListener("htmx:xhr:progress", (event) => {
    const detail = /** @type {CustomEvent} */ (event).detail;
    const form = /** @type {Element} */ (event.target).closest("[data-batch-form]");
    const bar = /** @type {HTMLProgressElement | null} */ (
      form && form.querySelector("[data-upload-progress]")
    );
    if (!bar || !detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((detail.loaded * 100) / detail.total);
    bar.textContent = `${bar.value}%`;
    bar.setAttribute("aria-valuetext", interpolate(gettext("Uploading: %s%"), [bar.value]));
  });

  const init = (root) => root.querySelectorAll("[data-batch-form]").forEach(wire);
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:load", (event) => {
    const element = /** @type {CustomEvent} */ (event).detail.elt;
    init(element.parentElement || document);
  });
})();
