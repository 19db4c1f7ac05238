// The app page's preset box. Without this file the box still works by its buttons.
"use strict";

(() => {
  // Enter in the preset's name saves the preset: the form's default button is
  // Generate, which would spend points instead.
  document.addEventListener("keydown", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const input = target && target.closest("[data-preset-name]");
    if (!(input instanceof HTMLInputElement) || event.key !== "Enter" || event.isComposing) return;
    event.preventDefault();
    const save = input.form && input.form.querySelector("[data-preset-save]");
    if (save instanceof HTMLElement) save.click();
  });
})();
