//! JSON through the browser's own codec: `JSON.parse`/`JSON.stringify` with serde-wasm-bindgen
//! between JavaScript values and Rust types.
//!
//! Why not serde_json, which the server uses: in the bundle it is its own parser, number
//! formatting and a second copy of every wire type's serde code beside the copy serde-wasm-bindgen
//! already brings for IndexedDB. The browser's parser is native code that costs no bytes, so the
//! client reads and writes JSON with the one copy. The wire format stays the protocol crate's
//! (same serde derives); `tests/json.rs` checks both codecs agree.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// Why a JSON text could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all.
    #[error("not JSON: {0}")]
    Syntax(String),
    /// JSON, but not the shape the type expects (or a value JSON cannot hold).
    #[error("{0}")]
    Shape(String),
}

/// Serialises maps as plain objects and `None` as `null`, as JSON has them.
const WRITER: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();

/// Reads a value from JSON text.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    from_value(parse(text)?)
}

/// Parses JSON text into a JavaScript value.
pub fn parse(text: &str) -> Result<JsValue, JsonError> {
    js_sys::JSON::parse(text).map_err(|e| JsonError::Syntax(describe(&e)))
}

/// Reads a value from a parsed JSON value.
pub fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, JsonError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsonError::Shape(e.to_string()))
}

/// Writes a value as JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, JsonError> {
    let value = to_value(value)?;
    let text = js_sys::JSON::stringify(&value).map_err(|e| JsonError::Shape(describe(&e)))?;
    // `stringify` gives `undefined` only for values JSON has no text for.
    text.as_string()
        .ok_or_else(|| JsonError::Shape("no JSON text for this value".into()))
}

/// Converts a value to the JavaScript value its JSON text would parse to.
fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsonError> {
    value
        .serialize(&WRITER)
        .map_err(|e| JsonError::Shape(e.to_string()))
}

fn describe(error: &JsValue) -> String {
    String::from(js_sys::Error::from(error.clone()).message())
}
