// Copy buttons for team invite links. Without this file the links are still there to
// select and copy by hand; the buttons stay hidden.
"use strict";

(() => {
  if (!navigator.clipboard || !window.isSecureContext) return;
  const gettext = window.gettext || ((s) => s);
  const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (
    document.querySelectorAll("button[data-copy]")
  );
  for (const button of buttons) {
    if (button.dataset.copyReady) continue; // the script is included once per team
    button.dataset.copyReady = "1";
    button.hidden = false;
    const status = document.getElementById(button.getAttribute("aria-describedby"));
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        status.textContent = gettext("Link copied.");
      } catch {
        status.textContent = gettext("The link could not be copied: select it and copy it by hand.");
      }
    });
  }
})();
