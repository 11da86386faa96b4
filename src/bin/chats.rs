//! Entry point of the messenger's wasm bundle (`chats.html`).

fn main() {
    kontor_web::start_messenger();
}
