//! Uploaded logo bytes of any kind: refused or turned into a 256² PNG, never a panic, and never
//! more memory than the decoder's limit allows.
#![no_main]

use kontor_server::business::logo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(png) = logo::process(data) {
        assert!(png.starts_with(b"\x89PNG"));
    }
});
