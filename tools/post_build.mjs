// Trunk post-build hook. The web app is two trunk builds: the business dashboard
// (`business.html`, built first into its own folder with KONTOR_BUNDLE=business, where this hook
// does nothing) and the messenger (`index.html`, built into dist/). After the messenger's build
// this hook adds the dashboard's files to it, then writes the service worker's precache list,
// then the compressed copies (which must include the finished sw.js). Trunk runs separate hooks
// of one stage concurrently, so the order lives here.
if (process.env.KONTOR_BUNDLE !== 'business') {
  await import('./business_files.mjs');
  await import('./precache.mjs');
  await import('./compress.mjs');
}
