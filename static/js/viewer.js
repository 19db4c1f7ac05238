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
    };
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
    const pswp = new PhotoSwipe({
      dataSource: links.map(slide),
      index,
      mainClass: "viewer",
      bgOpacity: 0.92, // the page behind stays a hint, not a distraction
      closeTitle: gettext("Close (Esc)"),
      zoomTitle: gettext("Zoom"),
      arrowPrevTitle: gettext("Previous (left arrow)"),
      arrowNextTitle: gettext("Next (right arrow)"),
      errorMsg: gettext("The image could not be loaded."),
      // Zoom (button, click, double tap) goes to the image's own pixels, the default.
    });
    pswp.on("uiRegister", () => addDownloadButton(pswp));
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
