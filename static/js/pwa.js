// The installable app's service worker (/sw.js, common/pwa.py): it keeps only the
// offline page. Without this script the portal is simply a web site.
"use strict";

if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}
