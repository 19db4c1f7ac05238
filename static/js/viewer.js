// The image viewer (PhotoSwipe, vendored in static/vendor/photoswipe/). Any link
// `a[data-viewer]` inside an element with `data-gallery` opens its full-size image large,
// with previous/next across every such link on the page in document order, zoom,
// keyboard (arrows, Esc), swipe, and a download button. Without this script the link
// simply opens the image.
//
// Binding is by delegation on the document, and the list of images is read at the moment
// a link is clicked, so cards that htmx swaps in (live galleries, pages) need nothing more.
"use strict";

(() => {
  const gettext = window.gettext || ((/** @type {string} */ s) => s);
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  // The module's URL comes from {% static %} (hashed in production), read once now:
  // document.currentScript is only set while this file first runs.
  const moduleUrl = script && script.dataset.photoswipe;
  const LINKS = "[data-gallery] a[data-viewer]";

  /** @type {Promise<any> | null} */
  let loading = null;
  /** The PhotoSwipe class, fetched once, on the first hover, focus or click. */
  function load() {
    if (!loading && moduleUrl) {
      loading = import(moduleUrl).then((module) => module.default);
      loading.catch(() => {
        loading = null; // a network blip: the next click tries again
      });
    }
    return loading;
  }

  /** @param {EventTarget | null} target */
  function viewerLink(target) {
    const element = target instanceof Element ? target.closest(LINKS) : null;
    return element instanceof HTMLAnchorElement ? element : null;
  }

  /** One slide from one link: sizes from its data attributes, the thumbnail as placeholder. */
  function slide(/** @type {HTMLAnchorElement} */ link) {
    // The run page wraps its thumbnail in the link; a gallery card's "View large" link
    // sits beside the card's picture, in the same list item.
    const item = link.closest("li");
    const thumb = link.querySelector("img") || (item && item.querySelector("img"));
    const title = item && item.querySelector(".gen-title");
    let width = Number(link.dataset.pswpWidth) || 0;
    let height = Number(link.dataset.pswpHeight) || 0;
    if (!(width && height) && thumb && thumb.naturalWidth) {
      // No size given: the thumbnail's shape, so the image at least is not distorted.
      width = thumb.naturalWidth;
      height = thumb.naturalHeight;
    }
    return {
      src: link.href,
      width: width || 1024,
      height: height || 1024,
      alt:
        (thumb && thumb.alt) ||
        link.getAttribute("aria-label") ||
        (title && title.textContent.trim()) ||
        link.textContent.trim(),
      msrc: thumb ? thumb.currentSrc || thumb.src : undefined,
      // Gallery thumbnails are square crops: the opening animation starts from the crop.
      thumbCropped: Boolean(thumb && getComputedStyle(thumb).objectFit === "cover"),
      element: thumb || link, // where the opening animation starts and closing ends
      download: link.dataset.download || "",
      result: link.dataset.result || "",
      run: link.dataset.run || "",
      remix: link.dataset.remix || "",
      item,
    };
  }

  /** The CSRF token every page carries for htmx (body[hx-headers]). */
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  }

  /** @param {string} tag @param {string} className @param {string} [text] */
  function make(tag, className, text) {
    const element = document.createElement(tag);
    element.className = className;
    if (text) element.textContent = text;
    return element;
  }

  /** @param {string} href @param {string} label */
  function actionLink(href, label) {
    const link = /** @type {HTMLAnchorElement} */ (make("a", "btn btn-small", label));
    link.href = href;
    return link;
  }

  /** A POST from the panel: a real form with the page's CSRF token, so the answer is a page. */
  function postButton(/** @type {string} */ action, /** @type {Record<string, string>} */ fields, /** @type {string} */ label) {
    const form = /** @type {HTMLFormElement} */ (make("form", "viewer-form"));
    form.method = "post";
    form.action = action;
    const values = { csrfmiddlewaretoken: csrfToken(), ...fields };
    for (const [name, value] of Object.entries(values)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    const button = make("button", "btn btn-small", label);
    button.setAttribute("type", "submit");
    form.append(button);
    return form;
  }

  function newKey() {
    if (window.crypto && "randomUUID" in window.crypto) return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /**
   * What the panel beside the image shows for one slide: how it was made (the card's own
   * block, cloned) and what can be done with it from here. Every control is a real link,
   * button or form: Tab reaches them, a finger taps them.
   * @param {any} data the slide's data @param {any[]} slides every slide
   */
  function fillPanel(/** @type {HTMLElement} */ panel, data, slides) {
    panel.replaceChildren();
    const item = data.item instanceof Element ? data.item : null;
    const title = item && item.querySelector(".gen-title");
    if (title) panel.append(make("h2", "viewer-title", title.textContent.trim()));
    const how = item && item.querySelector(".card-how");
    if (how) panel.append(how.cloneNode(true));
    const actions = make("div", "viewer-actions");
    if (data.run) actions.append(actionLink(data.run, gettext("Open the run")));
    // (Download is the bar's own button, above.)
    const favourite = item && item.querySelector(".fav-form button");
    if (favourite instanceof HTMLButtonElement) {
      const button = make("button", "btn btn-small", "");
      button.setAttribute("type", "button");
      const label = () => {
        // The card's own button (htmx swaps it) says whether the run is a favourite now.
        const now = item.querySelector(".fav-form button");
        const on = now && now.getAttribute("aria-pressed") === "true";
        button.textContent = on ? `★ ${gettext("Favourite")}` : `☆ ${gettext("Favourite")}`;
        button.setAttribute("aria-pressed", on ? "true" : "false");
      };
      button.addEventListener("click", () => {
        const now = item.querySelector(".fav-form button");
        if (now instanceof HTMLButtonElement) now.click();
        document.body.addEventListener("htmx:afterSwap", label, { once: true });
      });
      label();
      actions.append(button);
    }
    if (data.result) {
      actions.append(actionLink(`/results/${data.result}/use/`, gettext("Use as input")));
      actions.append(
        postButton("/enhance/", { result: data.result, idempotency_key: newKey() }, gettext("Enhance (3 points)")),
      );
    }
    if (data.remix) actions.append(actionLink(data.remix, gettext("Remix")));
    const others = slides.filter((slide) => slide.result && slide.result !== data.result);
    if (data.result && others.length) {
      const index = slides.indexOf(data);
      const next = slides.slice(index + 1).concat(slides.slice(0, index)).find((s) => s.result);
      actions.append(
        actionLink(`/compare/?r=${data.result}&r=${next.result}`, gettext("Compare with the next")),
      );
    }
    if (data.run) {
      const share = make("button", "btn btn-small", gettext("Share"));
      share.setAttribute("type", "button");
      share.addEventListener("click", async () => {
        const url = new URL(data.run, window.location.href).href;
        // A run's page is seen by its owner and, when shared, their team: the link is safe to pass on.
        if (navigator.share) {
          await navigator.share({ url }).catch(() => {});
        } else if (navigator.clipboard) {
          await navigator.clipboard.writeText(url).catch(() => {});
          share.textContent = gettext("Link copied");
        }
      });
      actions.append(share);
    }
    panel.append(actions);
  }

  /** The panel beside (or, on a phone, under) the image. */
  function addPanel(/** @type {any} */ pswp, /** @type {any[]} */ slides) {
    pswp.ui.registerElement({
      name: "how",
      appendTo: "root",
      tagName: "aside",
      className: "viewer-panel",
      onInit: (/** @type {HTMLElement} */ element) => {
        element.setAttribute("aria-label", gettext("How it was made"));
        const update = () => {
          const data = pswp.currSlide && pswp.currSlide.data;
          if (data) fillPanel(element, data, slides);
        };
        pswp.on("change", update);
        update();
      },
    });
  }

  /** Room for the panel: to the right on a wide screen, below on a phone. */
  function padding(/** @type {{x: number, y: number}} */ viewport) {
    return viewport.x >= 900
      ? { top: 56, bottom: 16, left: 16, right: 336 }
      : { top: 56, bottom: Math.min(260, Math.round(viewport.y * 0.36)), left: 0, right: 0 };
  }

  // A download arrow in PhotoSwipe's own icon format (32×32, outlined like its icons).
  const DOWNLOAD_ICON = {
    isCustomSVG: true,
    inner:
      '<path d="M15 8h2v10.2l3.6-3.6 1.4 1.4-6 6-6-6 1.4-1.4 3.6 3.6ZM9 23h14v2H9Z" id="pswp__icn-download"/>',
    outlineID: "pswp__icn-download",
  };

  /** @param {any} pswp */
  function addDownloadButton(pswp) {
    pswp.ui.registerElement({
      name: "download",
      order: 8, // before zoom (10) and close (20)
      isButton: true,
      tagName: "a",
      title: gettext("Download"),
      html: DOWNLOAD_ICON,
      onInit: (/** @type {HTMLAnchorElement} */ element) => {
        element.setAttribute("download", "");
        const update = () => {
          const data = pswp.currSlide && pswp.currSlide.data;
          element.href = (data && (data.download || data.src)) || "";
        };
        pswp.on("change", update);
        update();
      },
    });
  }

  /** PhotoSwipe's fixed English words for screen readers, in the page's language. */
  function translateRoles(/** @type {any} */ pswp) {
    pswp.element.setAttribute("aria-label", gettext("Image viewer"));
    pswp.element.setAttribute("aria-modal", "true");
    // Translators: read by screen readers for the viewer's strip of images (aria-roledescription).
    pswp.scrollWrap.setAttribute("aria-roledescription", gettext("carousel"));
    for (const holder of pswp.container.children) {
      // Translators: read by screen readers for one image in the viewer (aria-roledescription).
      holder.setAttribute("aria-roledescription", gettext("slide"));
    }
  }

  async function open(/** @type {HTMLAnchorElement} */ link) {
    const links = Array.from(document.querySelectorAll(LINKS)).filter(
      (element) => element instanceof HTMLAnchorElement,
    );
    const index = Math.max(0, links.indexOf(link));
    const PhotoSwipe = await load();
    if (!PhotoSwipe) {
      window.location.assign(link.href); // the library could not load: the plain image
      return;
    }
    const slides = links.map(slide);
    const pswp = new PhotoSwipe({
      dataSource: slides,
      index,
      mainClass: "viewer",
      bgOpacity: 1, // nothing of the page shows through the bar or the panel
      paddingFn: padding,
      closeTitle: gettext("Close (Esc)"),
      zoomTitle: gettext("Zoom"),
      arrowPrevTitle: gettext("Previous (left arrow)"),
      arrowNextTitle: gettext("Next (right arrow)"),
      errorMsg: gettext("The image could not be loaded."),
      // Zoom (button, click, double tap) goes to the image's own pixels, the default.
    });
    pswp.on("uiRegister", () => {
      addDownloadButton(pswp);
      addPanel(pswp, slides);
    });
    pswp.on("afterInit", () => translateRoles(pswp));
    pswp.init();
  }

  document.addEventListener("click", (event) => {
    const link = viewerLink(event.target);
    // Ctrl/⌘/Shift/middle click keep their usual meaning (a new tab, a new window).
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    if (!moduleUrl) return;
    event.preventDefault();
    open(link);
  });

  // Fetch the library as soon as a person heads for an image, so it opens at once.
  for (const type of ["pointerover", "focusin"]) {
    document.addEventListener(type, (event) => {
      if (viewerLink(event.target)) load();
    });
  }
})();
