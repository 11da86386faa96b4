// The pages built apart from the public pages (kontor_protocol::pages): each page's file in
// dist/, the prefix of its script and wasm, and the folder `cargo xtask build` builds it into.
export const OTHER_PAGES = [
  { page: 'chats.html', prefix: 'kontor-chats-', dist: process.env.KONTOR_CHATS_DIST ?? 'target/chats-dist' },
  { page: 'business.html', prefix: 'kontor-business-', dist: process.env.KONTOR_BUSINESS_DIST ?? 'target/business-dist' },
];
