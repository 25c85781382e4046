{% autoescape off %}/* KUBE Portal field app: the service worker (mentors/fieldapp.py renders it with the static URLs).

   - Static files of the pages: precached at install (Workbox precaching, by content revision).
   - The mentor's pages and working data: network first (a short wait on a dead link), the kept
     copy otherwise; the whole list is fetched again whenever a page asks ("warm") while online.
   - The outbox: sent from here on Background Sync, also with no page open (outbox-core.js). */
"use strict";
importScripts(...{{ scripts }});

const CONFIG = {{ config }};
const PAGES = "kube-pages";
const DATA = "kube-data";
// On a link this slow the kept copy is shown; the fresh one still lands in the cache.
const NETWORK_WAIT_S = 4;

workbox.core.setCacheNameDetails({ prefix: "kube" });
self.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute(CONFIG.precache);

// Django's pages vary on Cookie and Accept-Language; a kept copy was fetched by the worker itself
// (without the navigation's headers) and is the mentor's own, so the Vary header is not compared.
const MATCH = { ignoreVary: true };
const okOnly = new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] });
const pages = new workbox.strategies.NetworkFirst({
  cacheName: PAGES,
  networkTimeoutSeconds: NETWORK_WAIT_S,
  plugins: [okOnly],
  matchOptions: MATCH,
});

function isPage(request, url) {
  return request.mode === "navigate" && url.origin === self.location.origin && !url.pathname.startsWith("/admin/");
}

workbox.routing.registerRoute(({ request, url }) => isPage(request, url), async (options) => {
  try {
    const response = await pages.handle(options);
    if (response) return response;
  } catch (error) {
    // Neither the network nor a kept copy: below.
  }
  const cache = await caches.open(PAGES);
  const path = options.url.pathname;
  // The app's start ("/") opens the mentor's home; any other page never kept: the offline page.
  return (path === "/" && (await cache.match(CONFIG.homeUrl, MATCH))) || (await cache.match(CONFIG.offlineUrl, MATCH)) || Response.error();
});

workbox.routing.registerRoute(
  ({ request, url }) => request.method === "GET" && url.origin === self.location.origin && url.pathname.startsWith("/api/v1/"),
  new workbox.strategies.NetworkFirst({
    cacheName: DATA,
    networkTimeoutSeconds: NETWORK_WAIT_S,
    plugins: [okOnly],
    matchOptions: MATCH,
  })
);

workbox.routing.registerRoute(
  ({ request, url }) => request.method === "GET" && url.origin === self.location.origin && url.pathname.startsWith("/static/"),
  new workbox.strategies.CacheFirst({
    cacheName: "kube-static",
    plugins: [okOnly, new workbox.expiration.ExpirationPlugin({ maxEntries: 80, maxAgeSeconds: 30 * 24 * 3600 })],
  })
);

/* Fetch the mentor's pages and data again, one at a time (a slow link carries one well, not 40). */
async function warm() {
  const response = await fetch(CONFIG.pagesUrl, { credentials: "same-origin", redirect: "manual" });
  if (response.status !== 200) return;
  const { pages: urls } = await response.json();
  const pageCache = await caches.open(PAGES);
  const dataCache = await caches.open(DATA);
  const wanted = new Set(urls.map((url) => new URL(url, self.location.origin).href));
  for (const url of urls) {
    try {
      const page = await fetch(url, { credentials: "same-origin", redirect: "manual" });
      if (page.status === 200) await (url.startsWith("/api/") ? dataCache : pageCache).put(url, page);
    } catch (error) {
      return; // offline again: the next page load tries once more
    }
  }
  // Forms of a KUBE no longer assigned leave the phone.
  for (const request of await pageCache.keys()) {
    if (!wanted.has(request.url) && /\/(catat|laporan\/tambah|asesmen)\//.test(request.url)) await pageCache.delete(request);
  }
}

async function forgetPages() {
  await caches.delete(PAGES);
  await caches.delete(DATA);
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "warm") event.waitUntil(warm());
  if (type === "forget-pages") event.waitUntil(forgetPages());
});

self.addEventListener("sync", (event) => {
  if (event.tag !== KubeOutbox.SYNC_TAG) return;
  // Items still unsent: reject, so the browser wakes the worker again later.
  event.waitUntil(KubeOutbox.flush({ now: true }).then((unsent) => {
    if (unsent) throw new Error(`${unsent} items still in the outbox`);
  }));
});
{% endautoescape %}
