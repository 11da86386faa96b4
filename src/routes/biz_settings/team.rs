//! The team: members, roles and invite links.

use crate::clipboard;
use crate::components::errors;
use crate::components::top_bar::alert;
use crate::state;
use crate::state::AppCtx;
use crate::sync::business;
use crate::time;
use crate::urls;
use kontor_protocol::UserId;
use kontor_protocol::business::{Invite, Role, TeamMember};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn TeamSection(
    handle: String,
    team: Vec<TeamMember>,
    me: UserId,
    my_role: Role,
) -> impl IntoView {
    let ctx = AppCtx::get();
    let team = RwSignal::new(team);
    let invite_role = RwSignal::new(Role::Agent);
    let invite = RwSignal::new(None::<Invite>);
    let copied = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let handle = StoredValue::new(handle);

    let refresh = move || {
        let Ok(token) = state::token(ctx) else {
            return;
        };
        let handle = handle.get_value();
        spawn_local(async move {
            match business::team(&token, &handle).await {
                Ok(list) => team.set(list),
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };

    let remove = move |member: TeamMember| {
        let token = match state::token(ctx) {
            Ok(t) => t,
            Err(e) => {
                error.set(Some(errors::sentence(&e)));
                return;
            }
        };
        let handle = handle.get_value();
        error.set(None);
        spawn_local(async move {
            match business::remove_member(&token, &handle, member.user.id).await {
                Ok(()) => team.update(|list| list.retain(|m| m.user.id != member.user.id)),
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };

    let create_invite = move |_| {
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
        let handle = handle.get_value();
        let role = invite_role.get_untracked();
        busy.set(true);
        error.set(None);
        copied.set(None);
        spawn_local(async move {
            let result = business::invite(&token, &handle, role).await;
            busy.set(false);
            match result {
                Ok(i) => invite.set(Some(i)),
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };

    let members = move || {
        team.get()
            .into_iter()
            .map(|m| {
                let is_me = m.user.id == me;
                let removable = m.role != Role::Owner
                    && !is_me
                    && (m.role == Role::Agent || my_role == Role::Owner);
                let aria = format!("Remove {}", m.user.display_name);
                let name = m.user.display_name.clone();
                let member_handle = format!("@{}", m.user.handle);
                let role = m.role.label();
                view! {
                    <li class="biz-item">
                        <span class="biz-item-main biz-member">
                            <span class="biz-member-name">
                                {name}
                                {is_me.then(|| view! { <span class="hint">" (you)"</span> })}
                            </span>
                            <span class="biz-member-handle">{member_handle}</span>
                            <span class="biz-role">{role}</span>
                        </span>
                        {removable.then(|| view! {
                            <button class="btn secondary small" type="button" aria-label=aria
                                on:click=move |_| remove(m.clone())>
                                "Remove"
                            </button>
                        })}
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <section class="biz-section" aria-labelledby="biz-team-heading">
            <h2 id="biz-team-heading">"Team"</h2>
            <ul class="biz-items" aria-label="Team members">{members}</ul>
            <div class="biz-row">
                <button class="btn ghost small" type="button" on:click=move |_| refresh()>"Refresh team"</button>
            </div>
            <div class="biz-invite">
                <div class="field">
                    <label for="biz-invite-role">"Role for invite"</label>
                    <select id="biz-invite-role"
                        on:change=move |ev| invite_role.set(
                            if event_target_value(&ev) == "admin" { Role::Admin } else { Role::Agent }
                        )>
                        <option value="agent" selected=move || invite_role.get() == Role::Agent>"Agent"</option>
                        <option value="admin" selected=move || invite_role.get() == Role::Admin>"Admin"</option>
                    </select>
                    <p class="hint">"Agents answer customers; admins also manage settings and agents."</p>
                </div>
                <div class="biz-row">
                    <button class="btn" type="button" on:click=create_invite disabled=move || busy.get()>
                        "Invite agent"
                    </button>
                </div>
            </div>
            {move || error.get().map(alert)}
            {move || invite.get().map(|i| {
                let link = format!("{}{}", urls::origin(), i.path);
                let to_copy = link.clone();
                let expires = time::date_time(i.expires_at.0);
                view! {
                    <div class="field biz-invite-link">
                        <label for="biz-invite-link">"Invite link"</label>
                        <div class="biz-inline">
                            <input id="biz-invite-link" readonly prop:value=link
                                on:focus=super::select_all/>
                            <button class="btn secondary small" type="button"
                                on:click=move |_| {
                                    clipboard::copy_text(&to_copy);
                                    copied.set(Some("Invite link copied.".into()));
                                }>
                                "Copy link"
                            </button>
                        </div>
                        <p class="hint">
                            "Send it to one person: it works once, makes them " {i.role.label().to_lowercase()}
                            ", and expires " {expires} "."
                        </p>
                    </div>
                }
            })}
            {super::status_line(copied)}
        </section>
    }
}
