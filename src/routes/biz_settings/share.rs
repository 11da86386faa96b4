//! The public link and QR code to share the profile.

use crate::clipboard;
use crate::urls;
use kontor_protocol::business::BusinessProfile;
use leptos::prelude::*;

#[component]
pub(super) fn ShareSection(handle: String, profile: RwSignal<BusinessProfile>) -> impl IntoView {
    let link = format!("{}/@{handle}", urls::origin());
    let copied = RwSignal::new(None::<String>);
    let qr = format!("/api/businesses/{handle}/qr.svg");
    let to_copy = link.clone();
    view! {
        <section class="biz-section" aria-labelledby="biz-share-heading">
            <h2 id="biz-share-heading">"Share"</h2>
            <div class="biz-share">
                <div class="biz-share-text">
                    <div class="field">
                        <label for="biz-short-link">"Short link"</label>
                        <div class="biz-inline">
                            <input id="biz-short-link" readonly prop:value=link
                                on:focus=super::select_all/>
                            <button class="btn secondary small" type="button"
                                on:click=move |_| {
                                    clipboard::copy_text(&to_copy);
                                    copied.set(Some("Short link copied.".into()));
                                }>
                                "Copy short link"
                            </button>
                        </div>
                    </div>
                    {super::status_line(copied)}
                    <p class="hint">
                        "Print the QR code on receipts, shop windows and letters: it opens your profile, "
                        "where customers start a chat."
                    </p>
                    <p class="biz-row">
                        <a href=format!("/b/{handle}")>"View public profile"</a>
                        <a href=qr.clone() download=format!("{handle}-qr.svg")>"Download QR code"</a>
                    </p>
                </div>
                <img class="biz-qr" src=qr width="180" height="180"
                    alt=move || format!("QR code for {}", profile.with(|p| p.profile.name.clone()))/>
            </div>
        </section>
    }
}
