// Small progressive enhancements; every page works without this file.
"use strict";

// After htmx swaps in a form with errors, move focus to the first invalid field so
// keyboard and screen-reader users land where the problem is.
document.addEventListener("htmx:afterSwap", (event) => {
  const invalid = event.detail.target.querySelector("[aria-invalid='true']");
  if (invalid) invalid.focus();
});
