// The compare page: one zoom for every image, and panning any of them moves them all.
// Without this script each image simply fits its box.
"use strict";

(() => {
  const grid = document.querySelector("[data-compare]");
  const controls = document.querySelector("[data-compare-zoom]");
  const range = /** @type {HTMLInputElement | null} */ (
    controls && controls.querySelector("input[data-zoom]")
  );
  const shown = controls && controls.querySelector("[data-zoom-shown]");
  if (!(grid instanceof HTMLElement) || !(controls instanceof HTMLElement)) return;
  if (!range) return;
  /** @type {HTMLElement[]} */
  const panes = Array.from(grid.querySelectorAll("[data-compare-pane]")).filter(
    (pane) => pane instanceof HTMLElement,
  );
  if (!panes.length) return;
  const percent = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "percent",
    maximumFractionDigits: 0,
  });
  const MIN = Number(range.min) / 100;
  const MAX = Number(range.max) / 100;
  let zoom = 1;

  /** Where a pane's view is centred, as fractions of its image: zoom keeps that spot. */
  function centre(/** @type {HTMLElement} */ pane) {
    return {
      x: (pane.scrollLeft + pane.clientWidth / 2) / pane.scrollWidth,
      y: (pane.scrollTop + pane.clientHeight / 2) / pane.scrollHeight,
    };
  }

  // What we scrolled each pane to ourselves, so its scroll event is not taken for a
  // person's and sent back to the others.
  /** @type {WeakMap<HTMLElement, {x: number, y: number}>} */
  const placed = new WeakMap();

  /** Show the same spot (fractions of the image) in every pane but `except`. */
  function follow(/** @type {{x: number, y: number}} */ spot, /** @type {HTMLElement | null} */ except) {
    for (const pane of panes) {
      if (pane === except) continue;
      pane.scrollLeft = spot.x * pane.scrollWidth - pane.clientWidth / 2;
      pane.scrollTop = spot.y * pane.scrollHeight - pane.clientHeight / 2;
      placed.set(pane, { x: pane.scrollLeft, y: pane.scrollTop });
    }
  }

  /** Size every image: at 100 % each fits its box whole; the zoom scales from there. */
  function layout(/** @type {{x: number, y: number}} */ spot) {
    for (const pane of panes) {
      const image = pane.querySelector("img");
      if (!image) continue;
      const width = Number(image.getAttribute("width")) || image.naturalWidth || 1;
      const height = Number(image.getAttribute("height")) || image.naturalHeight || 1;
      const fit = Math.min(pane.clientWidth / width, pane.clientHeight / height);
      image.style.width = `${Math.round(width * fit * zoom)}px`;
      image.style.height = `${Math.round(height * fit * zoom)}px`;
    }
    grid.classList.toggle("is-zoomed", zoom > 1);
    follow(spot, null);
  }

  function setZoom(/** @type {number} */ value, /** @type {HTMLElement} */ around = panes[0]) {
    const spot = centre(around);
    zoom = Math.min(MAX, Math.max(MIN, value));
    range.value = String(Math.round(zoom * 100));
    const text = percent.format(zoom);
    range.setAttribute("aria-valuetext", text);
    if (shown) shown.textContent = text;
    layout(spot);
  }

  range.addEventListener("input", () => setZoom(Number(range.value) / 100));
  controls.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!button) return;
    if (button.hasAttribute("data-zoom-fit")) setZoom(1);
    else if (button.dataset.zoomBy) setZoom(zoom + Number(button.dataset.zoomBy) * 0.5);
  });

  for (const pane of panes) {
    pane.addEventListener("scroll", () => {
      const mine = placed.get(pane);
      if (mine && Math.abs(mine.x - pane.scrollLeft) < 1 && Math.abs(mine.y - pane.scrollTop) < 1) return;
      placed.delete(pane);
      follow(centre(pane), pane);
    });
    // Ctrl + wheel (and a trackpad's pinch, which browsers send as one) zooms them all.
    pane.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey) return;
        event.preventDefault();
        setZoom(zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1), pane);
      },
      { passive: false },
    );
    // A mouse drags the view, as a finger does on a phone.
    pane.addEventListener("pointerdown", (event) => {
      if (event.pointerType !== "mouse" || event.button !== 0 || zoom <= 1) return;
      const start = { x: event.clientX, y: event.clientY, left: pane.scrollLeft, top: pane.scrollTop };
      pane.setPointerCapture(event.pointerId);
      pane.classList.add("is-dragging");
      const move = (/** @type {PointerEvent} */ e) => {
        pane.scrollLeft = start.left - (e.clientX - start.x);
        pane.scrollTop = start.top - (e.clientY - start.y);
      };
      const end = () => {
        pane.classList.remove("is-dragging");
        pane.removeEventListener("pointermove", move);
      };
      pane.addEventListener("pointermove", move);
      pane.addEventListener("pointerup", end, { once: true });
      pane.addEventListener("pointercancel", end, { once: true });
    });
  }

  // A new window size or a phone turned: the boxes change, the spot stays.
  let spot = { x: 0.5, y: 0.5 };
  new ResizeObserver(() => layout(spot)).observe(grid);
  grid.addEventListener("scroll", () => (spot = centre(panes[0])), { capture: true, passive: true });

  controls.hidden = false;
  grid.classList.add("is-zooming");
  setZoom(1);
})();

// On a phone the results are swiped one at a time (CSS scroll snap): Previous and Next
// for keyboards and screen readers, "2 of 3" saying where one is, and for exactly two
// results a slider laying the second over the first.
(() => {
  const grid = document.querySelector("[data-compare]");
  const nav = document.querySelector("[data-compare-nav]");
  if (!(grid instanceof HTMLElement) || !(nav instanceof HTMLElement)) return;
  const items = Array.from(grid.children).filter((item) => item instanceof HTMLElement);
  if (items.length < 2) return;
  const at = nav.querySelector("[data-compare-at]");
  /** @type {HTMLButtonElement[]} */
  const steps = Array.from(nav.querySelectorAll("button[data-compare-step]")).filter(
    (button) => button instanceof HTMLButtonElement,
  );
  let current = 0;
  const slider = document.querySelector("[data-compare-slider]");
  const frame = slider && slider.querySelector("[data-compare-frame]");
  const divide = slider && slider.querySelector("input[data-compare-divide]");

  function show(/** @type {number} */ index) {
    current = Math.min(items.length - 1, Math.max(0, index));
    if (at) at.textContent = String(current + 1);
    for (const button of steps) {
      const to = current + Number(button.dataset.compareStep);
      button.disabled = to < 0 || to >= items.length;
    }
  }

  let pending = 0;
  grid.addEventListener(
    "scroll",
    (event) => {
      if (event.target !== grid || pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        show(Math.round(grid.scrollLeft / Math.max(1, grid.clientWidth)));
      });
    },
    { passive: true },
  );
  nav.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!(button instanceof HTMLButtonElement)) return;
    if (button.dataset.compareStep) {
      const to = Math.min(items.length - 1, Math.max(0, current + Number(button.dataset.compareStep)));
      const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      grid.scrollTo({ left: to * grid.clientWidth, behavior: reduce ? "auto" : "smooth" });
      show(to);
    } else if (button.hasAttribute("data-compare-slide")) {
      const on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(on));
      if (slider instanceof HTMLElement) slider.hidden = !on;
      document.body.classList.toggle("is-sliding", on);
      // Shown again, the row starts at its left: back to the result one was at.
      if (!on) grid.scrollLeft = current * grid.clientWidth;
    }
  });

  if (frame instanceof HTMLElement && divide instanceof HTMLInputElement) {
    const move = () => {
      frame.style.setProperty("--divide", `${divide.value}%`);
      divide.setAttribute("aria-valuetext", `${divide.value}%`);
    };
    divide.addEventListener("input", move);
    move();
  }

  nav.hidden = false;
  show(0);
})();
