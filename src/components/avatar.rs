//! A round avatar with initials, coloured by name.

use leptos::prelude::*;

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

fn colour(key: &str) -> usize {
    // A stable pick among the 8 avatar colours (FNV-1a: tiny and good enough for spreading).
    key.bytes().fold(0x811c9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x01000193)
    }) as usize
        % 8
}

/// Decorative avatar (hidden from screen readers: the name is always next to it).
#[component]
pub fn Avatar(name: String, key: String) -> impl IntoView {
    let class = format!("avatar c{}", colour(&key));
    view! { <span class=class aria-hidden="true">{initials(&name)}</span> }
}
