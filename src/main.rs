//! Entry point of the public pages' wasm bundle (`index.html`), where a first visit lands.

fn main() {
    kontor_web::start();
}
