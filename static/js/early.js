// Loaded without defer, before the page is drawn: with this class the stylesheet lays
// out the JavaScript version (folded menu and filters, our file button) from the first
// paint, so nothing jumps when studio.js arrives. "notify" says the browser has
// notifications, so "Notify me" (live.js) takes its place from the first paint too.
"use strict";
document.documentElement.classList.add("js");
if ("Notification" in window) document.documentElement.classList.add("notify");
