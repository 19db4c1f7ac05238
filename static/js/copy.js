// Copy buttons beside what is shown once or meant to be passed on: team invite links,
// a new API key, a webhook's signing secret. Without this file the text is still there
// to select and copy by hand; the buttons stay hidden. A button says what it copies in
// data-copied (the status after a copy); the default speaks of a link.
"use strict";

(() => {
  if (!navigator.clipboard || !window.isSecureContext) return;
  const gettext = window.gettext || ((s) => s);
  const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (
    document.querySelectorAll("button[data-copy]")
  );
  for (const button of buttons) {
    if (button.dataset.copyReady) continue; // the script may be included more than once
    button.dataset.copyReady = "1";
    button.hidden = false;
    const status = document.getElementById(button.getAttribute("aria-describedby") || "");
    button.addEventListener("click", async () => {
      let said;
      try {
        await navigator.clipboard.writeText(button.dataset.copy || "");
        said = button.dataset.copied || gettext("Link copied.");
      } catch {
        said = gettext("It could not be copied: select it and copy it by hand.");
      }
      if (status) status.textContent = said;
    });
  }
})();
