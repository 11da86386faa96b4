//! `/biz`: the businesses the user works for (the installed app's "Business inbox" shortcut).
//! With exactly one, it goes straight to that business's inbox.

use crate::components::errors;
use crate::components::top_bar::{TopBar, alert};
use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::state;
use crate::state::AppCtx;
use crate::sync::business;
use kontor_protocol::business::Membership;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// `/biz`
#[component]
pub fn MyBusinesses() -> impl IntoView {
    let ctx = AppCtx::get();
    let navigate = use_navigate();
    let mine = LocalResource::new(move || {
        let token = state::token(ctx);
        async move { business::mine(&token?).await }
    });
    // One business: this page is only a stop on the way to its inbox.
    Effect::new(move || {
        if let Some(Ok(list)) = mine.get()
            && let [only] = list.as_slice()
        {
            navigate(
                &format!("/biz/{}/inbox", only.business.handle),
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    });

    view! {
        <div class="biz-page">
            <TopBar/>
            <main class="biz-main biz-narrow">
                <section class="biz-card">
                    <p class="biz-back"><a href="/chats">"← Back to chats"</a></p>
                    <h1>"Your businesses"</h1>
                    <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match mine.await {
                                Ok(list) => business_list(list).into_any(),
                                Err(e) => alert(errors::sentence(&e)).into_any(),
                            }
                        })}
                    </Suspense>
                    <div class="biz-row">
                        <a class="btn" href="/biz/new">"Create business"</a>
                    </div>
                </section>
            </main>
        </div>
    }
}

/// The businesses as links to their inboxes, or a hint when there are none.
fn business_list(list: Vec<Membership>) -> AnyView {
    if list.is_empty() {
        return view! {
            <p class="hint">
                "You are not on the team of any business yet. Create one, or open "
                "an invite link from a business's owner."
            </p>
        }
        .into_any();
    }
    let items = list
        .into_iter()
        .map(|m| {
            let handle = m.business.handle.to_string();
            let name = m.business.profile.name.clone();
            view! {
                <li>
                    <a class="biz-list-link" href=format!("/biz/{handle}/inbox")>
                        <PartyAvatar name=name.clone() key=handle.clone()
                            logo=m.business.logo.clone()/>
                        <span class="biz-list-text">
                            <span class="biz-list-name">
                                {name}
                                {m.business.verified.then(|| view! { <VerifiedBadge/> })}
                            </span>
                            <span class="biz-list-sub">
                                "@"{handle.clone()} " · " {m.role.label()}
                            </span>
                        </span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="biz-list" aria-label="Your businesses">{items}</ul> }.into_any()
}
