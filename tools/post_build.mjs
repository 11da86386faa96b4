// Trunk post-build hook: first the service worker's precache list, then the compressed copies
// (which must include the finished sw.js). Trunk runs separate hooks of one stage concurrently,
// so the order lives here.
await import('./precache.mjs');
await import('./compress.mjs');
