//! The "Account" menu: who is logged in, business links, notifications, and "Log out".

use super::popup::dismissable;
use crate::state::AppCtx;
use leptos::html;
use leptos::prelude::*;

/// Button "Account" opening a small menu; `more` adds the page's own items before "Log out".
#[component]
pub fn AccountMenu(#[prop(optional)] more: Option<ViewFn>) -> impl IntoView {
    let ctx = AppCtx::get();
    let open = RwSignal::new(false);
    let (menu, button) = (NodeRef::<html::Div>::new(), NodeRef::<html::Button>::new());
    dismissable(
        menu,
        button,
        move || open.get_untracked(),
        move || open.set(false),
    );
    let log_out = move |_| {
        open.set(false);
        ctx.log_out();
    };
    let can_ask = RwSignal::new(
        crate::pwa::notification_permission() == web_sys::NotificationPermission::Default,
    );
    let granted = RwSignal::new(false);
    Effect::new(move || {
        if granted.get() {
            can_ask.set(false);
        }
    });
    // Storage use, read when the menu opens.
    let storage = LocalResource::new(move || {
        let opened = open.get();
        async move {
            if !opened {
                return None;
            }
            let (usage, quota) = crate::pwa::storage_estimate().await?;
            let kept = crate::pwa::storage_persisted().await;
            Some(format!(
                "Storage: {} used of {}{}",
                crate::pwa::human_bytes(usage),
                crate::pwa::human_bytes(quota),
                if kept { ", kept by the browser" } else { "" }
            ))
        }
    });
    let who = move || {
        ctx.auth
            .get()
            .map(|a| (a.user.display_name, format!("@{}", a.user.handle)))
            .unwrap_or_default()
    };
    view! {
        <button class="btn ghost" type="button" aria-haspopup="menu" node_ref=button
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>
            <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">
                <circle cx="10" cy="7" r="3.5" fill="none" stroke="currentColor" stroke-width="1.8"/>
                <path d="M3.5 17c1.2-3 3.6-4.5 6.5-4.5s5.3 1.5 6.5 4.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>
            </svg>
            <span class="visually-hidden">"Account"</span>
        </button>
        <Show when=move || open.get()>
            <div class="menu" role="menu" node_ref=menu>
                <div class="who"><strong>{move || who().0}</strong>{move || who().1}</div>
                {move || storage.get().flatten().map(|s| view! { <p class="storage">{s}</p> })}
                <Show when=move || can_ask.get()>
                    <button type="button" role="menuitem"
                        on:click=move |_| { crate::pwa::request_notifications(granted); can_ask.set(false); }>
                        "Turn on notifications"
                    </button>
                </Show>
                <a role="menuitem" href="/biz" on:click=move |_| open.set(false)>"Business inbox"</a>
                <a role="menuitem" href="/biz/new" on:click=move |_| open.set(false)>"Create business"</a>
                {more.clone().map(|more| view! { <div role="none" on:click=move |_| open.set(false)>{more.run()}</div> })}
                <button type="button" role="menuitem" on:click=log_out>"Log out"</button>
            </div>
        </Show>
    }
}
