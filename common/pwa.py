"""The portal as an installable web app: its manifest (with the share target that takes
photos from a phone's gallery), a service worker and the page it shows offline.

The service worker keeps only the offline page and its stylesheet: never a page of ours
or an image, which are private to the person who is logged in (and to whoever uses the
phone next)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The worker's cache name: a new one drops what an older worker kept.
CACHE = "a1studio-offline-v1"


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest, in the reader's language; /share/ takes shared photos."""
    body = {
        "id": "/",
        "name": _("A1 Studio"),
        "short_name": _("A1 Studio"),
        "description": _("Make images with A1's apps, alone or as a team."),
        "start_url": "/apps/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#3b3fd8",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "share_target": {
            "action": "/share/",
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {"files": [{"name": "photos", "accept": ["image/*"]}]},
        },
    }
    response = JsonResponse(body, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


WORKER = """'use strict';
// A1 Studio's service worker: the offline page, nothing else. Pages and images are
// private; they always come from the network and are never stored here.
const CACHE = %(cache)s;
const OFFLINE = '/offline/';
const KEPT = [OFFLINE, %(css)s];
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEPT)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name !== CACHE).map((name) => caches.delete(name))
  )).then(() => self.clients.claim()));
});
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.mode !== 'navigate') return;
  event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
});
"""


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    body = WORKER % {"cache": json.dumps(CACHE), "css": json.dumps(static("css/studio.css"))}
    response = HttpResponse(body, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the installed app shows without a network: no one's data, so anyone may see it."""
    return render(request, "offline.html")
