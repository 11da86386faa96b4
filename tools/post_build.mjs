// Trunk post-build hook. The web app is three trunk builds, one per page: the business dashboard
// (`business.html`) and the messenger (`chats.html`), each built first into its own folder with
// KONTOR_BUNDLE set, where this hook does nothing, then the public pages (`index.html`, built
// into dist/). After that last build this hook adds the other two pages' files to it, then writes
// the service worker's precache list, then the compressed copies (which must include the
// finished sw.js). Trunk runs separate hooks of one stage concurrently, so the order lives here.
if (!process.env.KONTOR_BUNDLE) {
  await import('./bundle_files.mjs');
  await import('./precache.mjs');
  await import('./compress.mjs');
}
