//! `/join/{token}`: an invite link to a business's team, with the button "Join team".

use crate::components::errors;
use crate::components::top_bar::{TopBar, alert};
use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::state;
use crate::state::AppCtx;
use crate::sync::business;
use crate::urls::login_then;
use kontor_protocol::business::InvitePreview;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};

/// `/join/{token}`
#[component]
pub fn JoinTeam() -> impl IntoView {
    let ctx = AppCtx::get();
    let params = use_params_map();
    let invite = Memo::new(move |_| params.read().get("token").unwrap_or_default());

    view! {
        <div class="biz-page">
            <TopBar/>
            <main class="biz-main biz-narrow">
                <section class="biz-card">
                    {move || {
                        let invite = invite.get();
                        if ctx.auth.with(Option::is_none) {
                            let next = format!("/join/{invite}");
                            view! {
                                <h1>"Join a business team"</h1>
                                <p>"Log in, or create an account, to see which team this link invites you to and join it."</p>
                                <div class="biz-row">
                                    <a class="btn" href=login_then(&next)>"Log in"</a>
                                    <a class="btn secondary" href=format!("/register?next={}", js_sys::encode_uri_component(&next))>
                                        "Create account"
                                    </a>
                                </div>
                            }
                            .into_any()
                        } else {
                            view! { <Preview invite=invite/> }.into_any()
                        }
                    }}
                </section>
            </main>
        </div>
    }
}

#[component]
fn Preview(invite: String) -> impl IntoView {
    let ctx = AppCtx::get();
    let preview = LocalResource::new({
        let invite = invite.clone();
        move || {
            let token = state::token(ctx);
            let invite = invite.clone();
            async move { business::invite_preview(&token?, &invite).await }
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="hint">"Opening the invite…"</p> }>
            {move || {
                let invite = invite.clone();
                Suspend::new(async move {
                    match preview.await {
                        Ok(p) => view! { <Offer invite=invite preview=p/> }.into_any(),
                        Err(e) => view! {
                            <h1>"Join a business team"</h1>
                            {alert(errors::sentence(&e))}
                            <a class="btn secondary" href="/chats">"Go to your chats"</a>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Offer(invite: String, preview: InvitePreview) -> impl IntoView {
    let ctx = AppCtx::get();
    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let business = preview.business;
    let handle = business.handle.to_string();
    let name = business.profile.name.clone();
    let role = preview.role.label();

    let join = move |_| {
        if busy.get_untracked() {
            return;
        }
        let token = match state::token(ctx) {
            Ok(t) => t,
            Err(e) => {
                error.set(Some(errors::sentence(&e)));
                return;
            }
        };
        busy.set(true);
        error.set(None);
        let invite = invite.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = business::accept_invite(&token, &invite).await;
            busy.set(false);
            match result {
                Ok(m) => navigate(
                    &format!("/biz/{}/inbox", m.business.handle),
                    NavigateOptions::default(),
                ),
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };

    view! {
        <header class="biz-hero">
            <PartyAvatar name=name.clone() key=handle.clone() logo=business.logo.clone()/>
            <div class="biz-hero-text">
                <div class="biz-title">
                    <h1>"Join the team of " {name.clone()} " as " {role}</h1>
                    {business.verified.then(|| view! { <VerifiedBadge/> })}
                </div>
                <p class="biz-handle">"@"{handle.clone()}</p>
            </div>
        </header>
        <p class="hint">
            "You will answer customers of " {name} " from its shared inbox. "
            "Customers see the business as the sender"
            {if preview.role.manages() { "; as an admin you also manage its settings and team." } else { "." }}
        </p>
        {move || error.get().map(alert)}
        <div class="biz-row">
            <button class="btn" type="button" on:click=join disabled=move || busy.get()>"Join team"</button>
            <a class="btn secondary" href="/chats">"Not now"</a>
        </div>
    }
}
