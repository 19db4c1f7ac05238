// Progressive enhancements. Every page works without this file: forms post normally.
"use strict";

(() => {
  const A1_MAX_BYTES = 10 * 1024 * 1024;
  const A1_MAX_SIDE = 2048;
  const OUR_MAX_BYTES = 25 * 1024 * 1024;
  // Django's JavaScript catalog (jsi18n) defines gettext; without it, English.
  const gettext = window.gettext || ((s) => s);

  // The file's real type, from its first bytes: a .jpg may be anything.
  async function sniff(file) {
    const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
    const starts = (...bytes) => bytes.every((b, i) => head[i] === b);
    if (starts(0x89, 0x50, 0x4e, 0x47)) return "PNG";
    if (starts(0xff, 0xd8, 0xff)) return "JPEG";
    if (starts(0x47, 0x49, 0x46)) return "GIF";
    if (starts(0x52, 0x49, 0x46, 0x46) && head[8] === 0x57) return "WEBP";
    if (starts(0x42, 0x4d)) return "BMP";
    if (head[4] === 0x66 && head[5] === 0x74 && head[6] === 0x79 && head[7] === 0x70) return "HEIC";
    return "";
  }

  function dimensions(url) {
    return new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
      img.onerror = () => resolve(null);
      img.src = url;
    });
  }

  async function describe(slot, file) {
    const notes = slot.querySelector("[data-notes]");
    const preview = slot.querySelector("[data-preview]");
    const input = slot.querySelector("[data-file]");
    const problems = [];
    const info = [];
    const kind = await sniff(file);
    if (file.size === 0) problems.push(gettext("The file is empty."));
    else if (file.size > OUR_MAX_BYTES) problems.push(gettext("The file is larger than 25 MB; please choose a smaller image."));
    else if (!kind) problems.push(gettext("This file is not an image we can read."));
    let url = "";
    let size = null;
    if (!problems.length) {
      url = URL.createObjectURL(file);
      size = await dimensions(url);
      if (kind !== "PNG" && kind !== "JPEG") info.push(gettext("It will be converted to JPEG or PNG for A1."));
      if (size && Math.max(...size) > A1_MAX_SIDE) info.push(gettext("It is larger than 2048×2048 and will be scaled down."));
      else if (file.size > A1_MAX_BYTES) info.push(gettext("It is over 10 MB and will be compressed."));
      if (size) info.unshift(`${file.name} (${size[0]}×${size[1]}).`);
      else if (kind === "HEIC") {
        // Most browsers cannot draw HEIC (iPhone photos): name the file instead of
        // showing a broken picture; the server reads and converts it.
        info.unshift(`${file.name}.`);
        info.push(gettext("This browser cannot preview HEIC photos."));
      } else problems.push(gettext("This image could not be read."));
    }
    if (size && !problems.length) {
      preview.src = url;
      preview.hidden = false;
    } else {
      if (url) URL.revokeObjectURL(url);
      preview.hidden = true;
      preview.removeAttribute("src");
    }
    notes.textContent = problems.length ? "" : info.join(" ");
    let error = slot.querySelector("[data-client-error]");
    if (problems.length) {
      if (!error) {
        error = document.createElement("p");
        error.className = "field-error";
        error.dataset.clientError = "";
        error.id = `${input.id}-client-error`;
        notes.after(error);
      }
      error.textContent = problems.join(" ");
      input.setAttribute("aria-invalid", "true");
      input.setCustomValidity(problems.join(" "));
    } else {
      if (error) error.remove();
      input.removeAttribute("aria-invalid");
      input.setCustomValidity("");
    }
  }

  function setFile(slot, file) {
    const input = slot.querySelector("[data-file]");
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    describe(slot, file);
  }

  function wire(root) {
    root.querySelectorAll("[data-image-slot]").forEach((slot) => {
      if (slot.dataset.wired) return;
      slot.dataset.wired = "1";
      const zone = slot.querySelector("[data-dropzone]");
      const input = slot.querySelector("[data-file]");
      input.addEventListener("change", () => input.files[0] && describe(slot, input.files[0]));
      zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("is-dragging"); });
      zone.addEventListener("dragleave", () => zone.classList.remove("is-dragging"));
      zone.addEventListener("drop", (e) => {
        e.preventDefault();
        zone.classList.remove("is-dragging");
        const file = e.dataTransfer.files[0];
        if (file) setFile(slot, file);
      });
    });
    root.querySelectorAll("input[name=generate_num]").forEach((radio) => {
      radio.addEventListener("change", () => {
        document.querySelectorAll("[data-cost-for]").forEach((span) => {
          span.hidden = span.dataset.costFor !== radio.value;
        });
      });
    });
  }

  // Paste an image anywhere on the page: it goes to the first empty photo field
  // (or the one that has focus).
  document.addEventListener("paste", (e) => {
    const file = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith("image/"));
    if (!file) return;
    const focused = document.activeElement?.closest?.("[data-image-slot]");
    const empty = [...document.querySelectorAll("[data-image-slot]")].find(
      (s) => !s.querySelector("[data-file]").files.length
    );
    const slot = focused || empty;
    if (slot) {
      e.preventDefault();
      setFile(slot, file);
    }
  });

  document.addEventListener("DOMContentLoaded", () => wire(document));
  document.addEventListener("htmx:load", (e) => wire(e.detail.elt));

  // After htmx swaps in a form with errors, move focus to the first problem so
  // keyboard and screen-reader users land where it is.
  // (After an outerHTML swap the event's target is the replaced element: look the new
  // one up by its id.)
  document.addEventListener("htmx:afterSettle", (event) => {
    const old = event.detail.target;
    const root = (old && old.id && document.getElementById(old.id)) || document;
    const invalid = root.querySelector("[aria-invalid='true']") || root.querySelector(".error-summary");
    if (invalid) invalid.focus();
  });
})();
