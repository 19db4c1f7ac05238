// The API reference (templates/ninja/swagger.html): a link to a shape or an operation
// (#schema-RunOut, #op-...) opens the folded entry it points at, on arrival and on each
// click. Without this file the entries still open by hand.
"use strict";

(() => {
  const open = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target instanceof HTMLDetailsElement) target.open = true;
  };
  window.addEventListener("hashchange", open);
  open();
})();
