//! Message state icons. Each carries its state as its accessible name.

use leptos::prelude::*;

/// State of one of my messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// In the outbox, not acknowledged.
    Pending,
    /// Stored by the server.
    Sent,
    /// Stored on one of the recipient's devices.
    Delivered,
    /// Seen by the recipient.
    Read,
    /// Refused by the server.
    Failed,
}

impl MessageState {
    /// The accessible name (fixed by the UI contract).
    pub fn label(self) -> &'static str {
        match self {
            MessageState::Pending => "Pending",
            MessageState::Sent => "Sent",
            MessageState::Delivered => "Delivered",
            MessageState::Read => "Read",
            MessageState::Failed => "Failed",
        }
    }
}

/// The icon for a state, as `role="img"` with the state's name.
#[component]
pub fn StateIcon(state: MessageState) -> impl IntoView {
    let class = match state {
        MessageState::Read => "tick read",
        MessageState::Failed => "tick failed",
        _ => "tick",
    };
    let path = match state {
        MessageState::Pending => "M8 2.5a4.5 4.5 0 1 0 0 9 4.5 4.5 0 0 0 0-9zM8 4.5V7l1.8 1.2",
        MessageState::Sent => "M3 6.5l3 3 6-6.5",
        MessageState::Delivered | MessageState::Read => "M1 6.5l3 3 6-6.5M7 9.5l6-6.5",
        MessageState::Failed => "M8 2v5.5M8 10v.5",
    };
    view! {
        <span class=class role="img" aria-label=state.label() title=state.label()>
            <svg viewBox="0 0 16 12" aria-hidden="true">
                <path d=path fill="none" stroke="currentColor" stroke-width="1.6"
                    stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
        </span>
    }
}
