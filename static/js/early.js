// Loaded without defer, before the page is drawn: with this class the stylesheet lays
// out the JavaScript version (folded menu and filters, our file button) from the first
// paint, so nothing jumps when studio.js arrives.
"use strict";
document.documentElement.classList.add("js");
