//! `/login` and `/register`.

use crate::components::brand::Brand;
use crate::components::errors;
use crate::session::Auth;
use crate::state::AppCtx;
use crate::sync::account;
use crate::urls::{self, next_path};
use kontor_protocol::Handle;
use kontor_protocol::api::{LoginRequest, RegisterRequest};
use kontor_protocol::limits::MIN_PASSWORD_CHARS;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Which form.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Login,
    Register,
}

/// `/login`
#[component]
pub fn Login() -> impl IntoView {
    view! { <AccountForm mode=Mode::Login/> }
}

/// `/register`
#[component]
pub fn Register() -> impl IntoView {
    view! { <AccountForm mode=Mode::Register/> }
}

#[component]
fn AccountForm(mode: Mode) -> impl IntoView {
    let ctx = AppCtx::get();
    let navigate = use_navigate();
    let next = next_path(use_query_map().read_untracked().get("next"));
    let target = next.clone().unwrap_or_else(|| "/chats".to_string());
    // Where the form leads is another bundle (the messenger, mostly): it downloads while the
    // visitor types, and opens from the cache.
    crate::pwa::cache_ahead(kontor_protocol::pages::Page::of(
        target.split('?').next().unwrap_or_default(),
    ));
    let handle = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit_target = target.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        let target = submit_target.clone();
        spawn_local(async move {
            let result = match mode {
                Mode::Login => {
                    account::login(&LoginRequest {
                        handle: handle.get_untracked(),
                        password: password.get_untracked(),
                    })
                    .await
                }
                Mode::Register => {
                    account::register(&RegisterRequest {
                        handle: handle.get_untracked(),
                        display_name: display_name.get_untracked(),
                        password: password.get_untracked(),
                    })
                    .await
                }
            };
            busy.set(false);
            match result {
                Ok(session) => {
                    ctx.logged_in(Auth {
                        token: session.token,
                        user: session.user,
                    });
                    // The login page leaves the history: Back from the chats does not return to it.
                    navigate(&target, urls::replace());
                }
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };

    let (title, action, other_text, other_link, other_label) = match mode {
        Mode::Login => (
            "Log in",
            "Log in",
            "New to Kontor?",
            "/register",
            "Create account",
        ),
        Mode::Register => (
            "Create your account",
            "Create account",
            "Already have an account?",
            "/login",
            "Log in",
        ),
    };

    // The link to the other form keeps `next`, so registering also comes back.
    let other_link = match &next {
        Some(n) => format!("{other_link}?next={}", js_sys::encode_uri_component(n)),
        None => other_link.to_string(),
    };
    let redirect_to = target.clone();
    view! {
        <Show when=move || ctx.auth.with(Option::is_some)>
            <Redirect path=redirect_to.clone() options=urls::replace()/>
        </Show>
        <main class="auth-page">
            <div class="auth-card">
                <Brand/>
                <h1>{title}</h1>
                <form on:submit=submit novalidate>
                    <div class="field">
                        <label for="handle">"Handle"</label>
                        <input id="handle" name="username" autocomplete="username" required
                            autocapitalize="none" spellcheck="false"
                            prop:value=move || handle.get()
                            on:input=move |ev| handle.set(event_target_value(&ev))/>
                        {(mode == Mode::Register).then(|| view! {
                            <p class="hint">{format!("{}–{} characters: letters, digits, “_” and “.”. Others find you by it.", Handle::MIN_LEN, Handle::MAX_LEN)}</p>
                        })}
                    </div>
                    {(mode == Mode::Register).then(|| view! {
                        <div class="field">
                            <label for="display-name">"Display name"</label>
                            <input id="display-name" name="name" autocomplete="name" required
                                prop:value=move || display_name.get()
                                on:input=move |ev| display_name.set(event_target_value(&ev))/>
                        </div>
                    })}
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" type="password" required
                            autocomplete=if mode == Mode::Login { "current-password" } else { "new-password" }
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))/>
                        {(mode == Mode::Register).then(|| view! {
                            <p class="hint">{format!("At least {MIN_PASSWORD_CHARS} characters.")}</p>
                        })}
                    </div>
                    {move || error.get().map(|e| view! { <div class="alert" role="alert">{e}</div> })}
                    <button class="btn" type="submit" disabled=move || busy.get()>{action}</button>
                </form>
                <p class="switch-link">{other_text} " " <a href=other_link>{other_label}</a></p>
            </div>
        </main>
    }
}
