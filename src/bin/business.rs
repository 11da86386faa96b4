//! Entry point of the business dashboard's wasm bundle (`business.html`).

fn main() {
    kontor_web::start_business();
}
