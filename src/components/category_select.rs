//! The "Category" field of a business profile.

use kontor_protocol::business::Category;
use leptos::prelude::*;

/// A `<select>` "Category" over [`Category::ALL`].
#[component]
pub fn CategorySelect(id: &'static str, category: RwSignal<Category>) -> impl IntoView {
    view! {
        <select id=id
            on:change=move |ev| {
                if let Some(c) = Category::parse(&event_target_value(&ev)) {
                    category.set(c);
                }
            }>
            {Category::ALL
                .into_iter()
                .map(|c| view! {
                    <option value=c.as_str() selected=move || category.get() == c>{c.label()}</option>
                })
                .collect_view()}
        </select>
    }
}
