//! Entry point of the wasm bundle.

fn main() {
    kontor_web::start();
}
