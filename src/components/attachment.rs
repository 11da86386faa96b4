//! What a message carries: a photo (thumbnail with its aspect ratio reserved before it loads, a
//! lightbox on click), a document (its name, size and a download link), a voice note (a player),
//! and, while a file still uploads, a progress bar with "Cancel".

use crate::components::errors;
use crate::state::AppCtx;
use crate::store::PendingUpload;
use crate::sync::{Engine, media};
use kontor_protocol::MessageId;
use kontor_protocol::media::{Attachment, AttachmentKind, Variant};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// The shape (width, height) of a photo's box while its size is unknown: a common camera's.
const UNKNOWN_ASPECT: (u32, u32) = (4, 3);

/// A small line drawing of what the file is (drawn, not an emoji: not every system has the font).
#[component]
fn FileIcon(kind: AttachmentKind) -> impl IntoView {
    let path = match kind {
        AttachmentKind::Document => "M6 2.5h7l5 5v12.5H6zM13 2.5V7.5h5M8.5 12h7M8.5 15.5h7",
        AttachmentKind::Photo => "M3.5 5.5h17v13h-17zM3.5 15.5l5-5 4 4 2.5-2.5 5.5 5M15.5 9.5h.01",
        AttachmentKind::Voice => "M9.5 3.5h5v10h-5zM6 11a6 6 0 0 0 12 0M12 17v3.5",
    };
    view! {
        <svg class="file-icon" width="26" height="26" viewBox="0 0 24 24" aria-hidden="true">
            <path d=path fill="none" stroke="currentColor" stroke-width="1.6"
                stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

/// Loads a rendition as an object URL (from the media cache when seen before).
fn rendition(attachment: &Attachment, variant: Variant) -> LocalResource<Option<String>> {
    let ctx = AppCtx::get();
    let id = attachment.id;
    LocalResource::new(move || {
        let auth = ctx.auth.get();
        async move {
            let auth = auth?;
            media::object_url(auth.user.id, &auth.token, id, variant)
                .await
                .ok()
        }
    })
}

fn start_download(attachment: Attachment, error: RwSignal<Option<String>>) {
    let ctx = AppCtx::get();
    let Some(auth) = ctx.auth.get_untracked() else {
        return;
    };
    spawn_local(async move {
        let url =
            match media::object_url(auth.user.id, &auth.token, attachment.id, Variant::Original)
                .await
            {
                Ok(url) => url,
                Err(e) => return error.set(Some(errors::file_sentence(&e))),
            };
        if save_as(&url, &attachment.name).is_none() {
            error.set(Some(BROWSER_REFUSED.into()));
        }
    });
}

/// Said when the browser would not save a file that did arrive.
const BROWSER_REFUSED: &str = "the browser refused";

/// Saves the file behind an object URL under `name`, as a click on a download link does.
fn save_as(url: &str, name: &str) -> Option<()> {
    let link: web_sys::HtmlAnchorElement = document().create_element("a").ok()?.unchecked_into();
    link.set_href(url);
    link.set_download(name);
    link.click();
    Some(())
}

/// A size people read: "820 KB", "3.4 MB".
fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// A stored attachment. `caption` names a photo for screen readers (else its file name).
#[component]
pub fn AttachmentView(attachment: Attachment, caption: String) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let name = attachment.name.clone();
    let download_label = format!("Download {name}");
    let download = {
        let attachment = attachment.clone();
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            start_download(attachment.clone(), error);
        }
    };
    let body = match attachment.kind {
        AttachmentKind::Photo => {
            let thumb = rendition(&attachment, Variant::Thumb);
            let (w, h) = (
                attachment.width.unwrap_or(UNKNOWN_ASPECT.0).max(1),
                attachment.height.unwrap_or(UNKNOWN_ASPECT.1).max(1),
            );
            // The box has the photo's shape before the thumbnail arrives: nothing jumps. Set
            // through the CSSOM (a `(property, value)` style): the CSP refuses style attributes.
            let aspect = format!("{w} / {h}");
            let alt = if caption.trim().is_empty() {
                name.clone()
            } else {
                caption.clone()
            };
            let open = RwSignal::new(false);
            let attachment_for_box = attachment.clone();
            view! {
                <button class="photo" type="button" style=("aspect-ratio", aspect.clone())
                    aria-label=format!("Open photo {name}")
                    on:click=move |_| open.set(true)>
                    {move || thumb.get().flatten().map(|src| view! {
                        <img src=src alt=alt.clone() width=w height=h/>
                    })}
                </button>
                <Show when=move || open.get()>
                    <Lightbox attachment=attachment_for_box.clone() on_close=Callback::new(move |_| open.set(false))/>
                </Show>
            }
            .into_any()
        }
        AttachmentKind::Voice => {
            let audio = rendition(&attachment, Variant::Original);
            let seconds = attachment.duration_ms.map(|ms| ms / 1000);
            view! {
                <div class="voice">
                    {move || audio.get().flatten().map(|src| view! {
                        <audio controls=true preload="metadata" src=src
                            aria-label="Voice note"></audio>
                    })}
                    {seconds.map(|s| view! { <span class="duration">{format!("{}:{:02}", s / 60, s % 60)}</span> })}
                    <a class="download" href="#" on:click=download.clone()>{download_label.clone()}</a>
                </div>
            }
            .into_any()
        }
        AttachmentKind::Document => view! {
            <div class="document">
                <FileIcon kind=AttachmentKind::Document/>
                <span class="file-name">{name.clone()}</span>
                <span class="file-size">{human_size(attachment.size)}</span>
                <a class="download" href="#" on:click=download.clone()>{download_label.clone()}</a>
            </div>
        }
        .into_any(),
    };
    view! {
        {body}
        {move || error.get().map(|e| view! { <p class="attachment-error" role="alert">{e}</p> })}
    }
}

/// The full-size photo over the page; Escape or "Close" closes it.
#[component]
fn Lightbox(attachment: Attachment, on_close: Callback<()>) -> impl IntoView {
    let preview = rendition(&attachment, Variant::Preview);
    let error = RwSignal::new(None::<String>);
    let name = attachment.name.clone();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || keys.remove());
    let download = {
        let attachment = attachment.clone();
        move |_| start_download(attachment.clone(), error)
    };
    view! {
        <div class="lightbox" role="dialog" aria-modal="true" aria-label=format!("Photo {name}")
            on:click=move |_| on_close.run(())>
            <div class="lightbox-bar" on:click=|ev| ev.stop_propagation()>
                <span>{name.clone()}</span>
                <button class="btn small" type="button" on:click=download>{format!("Download {name}")}</button>
                <button class="btn small secondary" type="button" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
            {move || preview.get().flatten().map(|src| view! {
                <img src=src alt=attachment.name.clone() on:click=|ev| ev.stop_propagation()/>
            })}
            {move || error.get().map(|e| view! { <p role="alert">{e}</p> })}
        </div>
    }
}

/// A file of a message that is not sent yet: its upload's progress, and "Cancel".
#[component]
pub fn PendingFile(engine: Arc<Engine>, id: MessageId, upload: PendingUpload) -> impl IntoView {
    let progress = engine.upload_progress;
    let size = upload.size.max(1);
    let received = move || {
        progress
            .with(|p| p.get(&id).map(|(r, _)| *r))
            .unwrap_or(upload.received)
            .min(size)
    };
    let done = upload.attachment.is_some();
    let name = upload.name.clone();
    let cancel = move |_| {
        let engine = engine.clone();
        spawn_local(async move { engine.cancel_upload(id).await });
    };
    view! {
        <div class="document pending-file">
            <FileIcon kind=upload.kind/>
            <span class="file-name">{name.clone()}</span>
            <span class="file-size">{human_size(upload.size)}</span>
            {(!done).then(|| view! {
                <progress role="progressbar" aria-label=format!("Uploading {name}")
                    max=size.to_string() value=move || received().to_string()></progress>
                <button class="btn secondary small" type="button" on:click=cancel
                    aria-label=format!("Cancel upload of {name}")>"Cancel"</button>
            })}
        </div>
    }
}
