//! The business dashboard's navigation: the business's name and its Inbox, Settings and
//! Statistics pages.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A `navigation` named "Business" with the links "Inbox", "Settings" and "Statistics"; the
/// current page's link carries `aria-current="page"`.
#[component]
pub fn BizNav(handle: String, name: String) -> impl IntoView {
    let location = use_location();
    let base = format!("/biz/{handle}");
    let links = [
        ("Inbox", format!("{base}/inbox")),
        ("Settings", format!("{base}/settings")),
        ("Statistics", format!("{base}/stats")),
    ];
    let items = links
        .into_iter()
        .map(|(label, href)| {
            let prefix = format!("{href}/");
            let target = href.clone();
            let current = move || {
                location
                    .pathname
                    .with(|p| p.trim_end_matches('/') == target || p.starts_with(&prefix))
                    .then_some("page")
            };
            view! {
                <li><a class="biz-nav-link" href=href aria-current=current>{label}</a></li>
            }
        })
        .collect_view();
    view! {
        <nav class="biz-nav" aria-label="Business">
            <div class="biz-nav-title">
                <span class="biz-nav-name">{name}</span>
                <span class="biz-nav-handle">"@"{handle}</span>
            </div>
            <ul class="biz-nav-links">{items}</ul>
        </nav>
    }
}
