// Trunk post-build hook. The web app is three trunk builds, one per page: the business dashboard
// (`business.html`) and the messenger (`chats.html`), each built first into its own folder with
// KONTOR_BUNDLE set, then the public pages (`index.html`, built into dist/). Every build minifies
// its page's script and joins its stylesheets (page_assets.mjs). After the last build this hook
// also adds the other two pages' files to dist/, then writes the service worker's precache list,
// then the compressed copies (which must include the finished sw.js). Trunk runs separate hooks
// of one stage concurrently, so the order lives here.
await import('./page_assets.mjs');
if (!process.env.KONTOR_BUNDLE) {
  await import('./bundle_files.mjs');
  await import('./precache.mjs');
  await import('./compress.mjs');
}
