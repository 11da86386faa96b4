//! The connection state, announced politely to screen readers.

use crate::sync::ConnStatus;
use leptos::prelude::*;

/// "Online", "Connecting…" or "Offline".
#[component]
pub fn ConnectionStatus(status: RwSignal<ConnStatus>) -> impl IntoView {
    let class = move || match status.get() {
        ConnStatus::Online => "status online",
        ConnStatus::Connecting => "status connecting",
        ConnStatus::Offline => "status offline",
    };
    view! { <span role="status" class=class>{move || status.get().label()}</span> }
}
