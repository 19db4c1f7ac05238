// The app page's preset box. Without this file the box still works by its buttons.
"use strict";

(() => {
  // Enter in the preset's name saves the preset: the form's default button is
  // Generate, which would spend points instead.
  document.addEventListener("keydown", (event) => {
    const input = event.target.closest?.("[data-preset-name]");
    if (!input || event.key !== "Enter" || event.isComposing) return;
    event.preventDefault();
    input.form?.querySelector("[data-preset-save]")?.click();
  });
})();
