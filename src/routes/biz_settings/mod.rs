//! `/biz/{handle}/settings`: profile and opening hours, logo, sharing, greeting and away
//! messages, quick replies, labels and the team. Owners and admins edit; agents are told they
//! cannot; people outside the team get the server's refusal.

use crate::components::biz_nav::BizNav;
use crate::components::errors;
use crate::components::top_bar::{TopBar, alert};
use crate::state;
use crate::state::AppCtx;
use crate::sync::{SyncError, SyncResult, business};
use crate::urls::handle_param;
use kontor_protocol::UserId;
use kontor_protocol::business::{
    BusinessProfile, BusinessSettings, Label, QuickReply, Role, TeamMember,
};
use leptos::prelude::*;

mod labels;
mod messages;
mod profile;
mod quick_replies;
mod share;
mod team;

use labels::LabelsSection;
use messages::MessagesSection;
use profile::ProfileSection;
use quick_replies::QuickRepliesSection;
use share::ShareSection;
use team::TeamSection;

/// `/biz/{handle}/settings`
#[component]
pub fn BusinessSettingsPage() -> impl IntoView {
    let handle = handle_param();
    move || view! { <Settings handle=handle.get()/> }
}

/// Everything the page shows, fetched together.
#[derive(Clone)]
struct Loaded {
    profile: BusinessProfile,
    settings: BusinessSettings,
    team: Vec<TeamMember>,
    replies: Vec<QuickReply>,
    labels: Vec<Label>,
    me: UserId,
}

async fn load(ctx: AppCtx, handle: String) -> SyncResult<Loaded> {
    let token = state::token(ctx)?;
    let me = ctx
        .auth
        .try_get_untracked()
        .flatten()
        .map(|a| a.user.id)
        .ok_or(SyncError::LoggedOut)?;
    let (profile, settings, team, replies, labels) = futures::join!(
        business::profile(&handle),
        business::settings(&token, &handle),
        business::team(&token, &handle),
        business::quick_replies(&token, &handle),
        business::labels(&token, &handle),
    );
    Ok(Loaded {
        profile: profile?,
        settings: settings?,
        team: team?,
        replies: replies?,
        labels: labels?,
        me,
    })
}

#[component]
fn Settings(handle: String) -> impl IntoView {
    let ctx = AppCtx::get();
    let data = LocalResource::new({
        let handle = handle.clone();
        move || load(ctx, handle.clone())
    });
    view! {
        <div class="biz-page">
            <TopBar/>
            <Suspense fallback=|| view! {
                <main class="biz-main"><p class="hint biz-loading">"Loading the settings…"</p></main>
            }>
                {move || {
                    let handle = handle.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(loaded) => {
                                view! { <SettingsBody handle=handle loaded=loaded/> }.into_any()
                            }
                            Err(e) => view! {
                                <main class="biz-main biz-narrow">
                                    <section class="biz-card">
                                        <h1>"Business settings"</h1>
                                        {alert(errors::sentence(&e))}
                                        <a class="btn secondary" href="/chats">"Go to your chats"</a>
                                    </section>
                                </main>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}

#[component]
fn SettingsBody(handle: String, loaded: Loaded) -> impl IntoView {
    let my_role = loaded
        .team
        .iter()
        .find(|m| m.user.id == loaded.me)
        .map(|m| m.role)
        .unwrap_or(Role::Agent);
    let profile = RwSignal::new(loaded.profile);
    let nav_handle = handle.clone();
    let sections = if my_role.manages() {
        view! {
            <ProfileSection handle=handle.clone() profile=profile/>
            <ShareSection handle=handle.clone() profile=profile/>
            <MessagesSection handle=handle.clone() settings=loaded.settings/>
            <QuickRepliesSection handle=handle.clone() replies=loaded.replies/>
            <LabelsSection handle=handle.clone() labels=loaded.labels/>
            <TeamSection handle=handle.clone() team=loaded.team me=loaded.me my_role=my_role/>
        }
        .into_any()
    } else {
        view! {
            {alert("Only the business's owner and admins can change settings.".into())}
            <ShareSection handle=handle.clone() profile=profile/>
        }
        .into_any()
    };
    view! {
        {move || {
            let name = profile.with(|p| p.profile.name.clone());
            view! { <BizNav handle=nav_handle.clone() name=name/> }
        }}
        <main class="biz-main biz-settings">
            <h1>"Settings"</h1>
            {sections}
        </main>
    }
}

/// A transient line with role `status` (only present while it has something to say).
fn status_line(text: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        text.get()
            .map(|t| view! { <p class="biz-status" role="status">{t}</p> })
    }
}

/// Selects a read-only field's text when it gets focus, ready to copy.
fn select_all(ev: leptos::ev::FocusEvent) {
    event_target::<web_sys::HtmlInputElement>(&ev).select();
}
