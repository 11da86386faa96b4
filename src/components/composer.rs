//! The composer: field "Message" and button "Send"; Enter sends, Shift+Enter adds a line.
//! In a business inbox it also offers quick replies (type "/") and private notes.

use crate::components::errors;
use crate::sync::{Engine, NewFile};
use kontor_protocol::ConversationId;
use kontor_protocol::business::QuickReply;
use kontor_protocol::media::{AttachmentKind, MAX_VOICE_MS};
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// The quick replies whose shortcut starts with what follows the "/" being typed.
fn matching(text: &str, replies: &[QuickReply]) -> Vec<QuickReply> {
    let Some(typed) = text.strip_prefix('/') else {
        return Vec::new();
    };
    if typed.contains(char::is_whitespace) {
        return Vec::new();
    }
    let typed = typed.to_lowercase();
    replies
        .iter()
        .filter(|r| r.shortcut.starts_with(&typed))
        .cloned()
        .collect()
}

/// The files in a file list (picked, dropped or pasted).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<NewFile> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(NewFile::from_file)
        .collect()
}

/// Queues files with the text typed so far as the caption; reports problems in `error`.
pub fn send_files(
    engine: Arc<Engine>,
    conversation_id: ConversationId,
    files: Vec<NewFile>,
    caption: RwSignal<String>,
    error: RwSignal<Option<String>>,
) {
    if files.is_empty() {
        return;
    }
    let text = caption.get_untracked();
    caption.set(String::new());
    spawn_local(async move {
        match engine
            .send_files(conversation_id, files, text.clone())
            .await
        {
            Ok(()) => error.set(None),
            Err(e) => {
                caption.set(text);
                error.set(Some(errors::not_sent(&e, "message")));
            }
        }
    });
}

/// A recording in progress.
struct Recording {
    recorder: web_sys::MediaRecorder,
    stream: web_sys::MediaStream,
    started: f64,
}

/// Records a voice note from the microphone; when stopped, it is sent like a file.
fn start_recording(
    engine: Arc<Engine>,
    conversation_id: ConversationId,
    recording: Rc<RefCell<Option<Recording>>>,
    recording_now: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) {
    spawn_local(async move {
        let Some(devices) = web_sys::window().and_then(|w| w.navigator().media_devices().ok())
        else {
            error.set(Some("This browser cannot record audio.".into()));
            return;
        };
        let constraints = web_sys::MediaStreamConstraints::new();
        constraints.set_audio(&true.into());
        let stream = match devices.get_user_media_with_constraints(&constraints) {
            Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await,
            Err(e) => Err(e),
        };
        let Ok(stream) = stream.and_then(|s| s.dyn_into::<web_sys::MediaStream>()) else {
            error.set(Some(
                "Kontor may not use the microphone. Allow it in the browser to record.".into(),
            ));
            return;
        };
        let Ok(recorder) = web_sys::MediaRecorder::new_with_media_stream(&stream) else {
            error.set(Some("This browser cannot record audio.".into()));
            return;
        };
        let chunks: Rc<RefCell<Vec<web_sys::Blob>>> = Rc::default();
        let on_data = {
            let chunks = chunks.clone();
            Closure::<dyn FnMut(web_sys::BlobEvent)>::new(move |ev: web_sys::BlobEvent| {
                if let Some(blob) = ev.data() {
                    chunks.borrow_mut().push(blob);
                }
            })
        };
        recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        on_data.forget();
        let started = js_sys::Date::now();
        let on_stop = {
            let recorder = recorder.clone();
            let engine = engine.clone();
            Closure::<dyn FnMut()>::new(move || {
                let parts = js_sys::Array::new();
                for chunk in chunks.borrow().iter() {
                    parts.push(chunk);
                }
                let options = web_sys::BlobPropertyBag::new();
                options.set_type(&recorder.mime_type());
                let Ok(blob) = web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options)
                else {
                    return;
                };
                let duration = (js_sys::Date::now() - started) as u32;
                let file = NewFile {
                    blob,
                    name: format!("Voice note {}.webm", crate::time::clock(started)),
                    kind: AttachmentKind::Voice,
                    duration_ms: Some(duration.min(MAX_VOICE_MS)),
                };
                let engine = engine.clone();
                spawn_local(async move {
                    if let Err(e) = engine
                        .send_files(conversation_id, vec![file], String::new())
                        .await
                    {
                        error.set(Some(errors::not_sent(&e, "message")));
                    }
                });
            })
        };
        recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
        on_stop.forget();
        if recorder.start().is_err() {
            error.set(Some("Recording could not start.".into()));
            return;
        }
        *recording.borrow_mut() = Some(Recording {
            recorder,
            stream,
            started,
        });
        recording_now.set(true);
        // A voice note ends by itself at the longest allowed length.
        let recording = recording.clone();
        gloo_timers::future::TimeoutFuture::new(MAX_VOICE_MS).await;
        if recording
            .borrow()
            .as_ref()
            .is_some_and(|r| r.started == started)
        {
            stop_recording(&recording, recording_now);
        }
    });
}

fn stop_recording(recording: &Rc<RefCell<Option<Recording>>>, recording_now: RwSignal<bool>) {
    if let Some(r) = recording.borrow_mut().take() {
        let _ = r.recorder.stop();
        for track in r.stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                track.stop();
            }
        }
    }
    recording_now.set(false);
}

/// Writes to the outbox through the engine; works offline.
#[component]
pub fn Composer(
    engine: Arc<Engine>,
    conversation_id: ConversationId,
    /// The business's quick replies (inbox only): typing "/" lists them.
    #[prop(optional)]
    quick_replies: Option<Signal<Vec<QuickReply>>>,
    /// When on, what is written becomes a private note for the team (inbox only).
    #[prop(optional)]
    note_mode: Option<RwSignal<bool>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field = NodeRef::<html::Textarea>::new();
    let noting = move || note_mode.is_some_and(|n| n.get());
    let suggestions = Memo::new(move |_| {
        let replies = quick_replies.map(|q| q.get()).unwrap_or_default();
        text.with(|t| matching(t, &replies))
    });
    let highlighted = RwSignal::new(0usize);
    let dismissed = RwSignal::new(false);
    let open = move || !dismissed.get() && !suggestions.with(Vec::is_empty);
    let choose = move |reply: QuickReply| {
        text.set(reply.text.clone());
        if let Some(el) = field.get_untracked() {
            el.set_value(&reply.text);
            let _ = el.focus();
        }
        highlighted.set(0);
    };
    Effect::new(move || {
        if let Some(el) = field.get() {
            let _ = el.focus();
        }
    });

    let send = {
        let engine = engine.clone();
        move || {
            let body = text.get_untracked();
            if body.trim().is_empty() {
                return;
            }
            text.set(String::new());
            if let Some(el) = field.get_untracked() {
                el.set_value("");
            }
            let engine = engine.clone();
            if note_mode.is_some_and(|n| n.get_untracked()) {
                match engine.add_note(conversation_id, body.clone()) {
                    Ok(()) => error.set(None),
                    Err(e) => {
                        text.set(body);
                        error.set(Some(errors::not_sent(&e, "note")));
                    }
                }
                return;
            }
            spawn_local(async move {
                match engine.send_message(conversation_id, body.clone()).await {
                    Ok(()) => error.set(None),
                    Err(e) => {
                        // Give the text back so nothing typed is lost.
                        text.set(body);
                        error.set(Some(errors::not_sent(&e, "message")));
                    }
                }
            });
        }
    };
    let on_submit = {
        let send = send.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            send();
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if open() {
            let n = suggestions.with(Vec::len);
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + 1) % n);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + n - 1) % n);
                    return;
                }
                "Enter" | "Tab" if !ev.shift_key() => {
                    ev.prevent_default();
                    let pick = suggestions.with(|s| s.get(highlighted.get_untracked()).cloned());
                    if let Some(reply) = pick {
                        choose(reply);
                    }
                    return;
                }
                "Escape" => {
                    dismissed.set(true);
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_paste = {
        let engine = engine.clone();
        move |ev: leptos::ev::ClipboardEvent| {
            let files = files_of(ev.clipboard_data().and_then(|d| d.files()));
            if !files.is_empty() {
                ev.prevent_default();
                send_files(engine.clone(), conversation_id, files, text, error);
            }
        }
    };
    let file_input = NodeRef::<html::Input>::new();
    let on_pick = {
        let engine = engine.clone();
        move |_| {
            let Some(input) = file_input.get_untracked() else {
                return;
            };
            let files = files_of(input.files());
            input.set_value("");
            send_files(engine.clone(), conversation_id, files, text, error);
        }
    };
    let recording: Rc<RefCell<Option<Recording>>> = Rc::default();
    let recording_now = RwSignal::new(false);
    let on_record = {
        let engine = engine.clone();
        move |_| {
            if recording_now.get_untracked() {
                stop_recording(&recording, recording_now);
            } else {
                start_recording(
                    engine.clone(),
                    conversation_id,
                    recording.clone(),
                    recording_now,
                    error,
                );
            }
        }
    };
    let on_input = move |ev| {
        text.set(event_target_value(&ev));
        dismissed.set(false);
        highlighted.set(0);
        if !noting() {
            engine.typing(conversation_id);
        }
    };

    view! {
        {move || error.get().map(|e| view! { <div class="composer-error" role="alert">{e}</div> })}
        <Show when=open>
            <ul class="quick-replies" role="listbox" aria-label="Quick replies">
                {move || suggestions.get().into_iter().enumerate().map(|(i, reply)| {
                    let selected = move || highlighted.get() == i;
                    let pick = reply.clone();
                    view! {
                        <li role="option" aria-selected=move || selected().to_string()
                            class:selected=selected
                            on:mousedown=move |ev| {
                                // Keep the focus in the field.
                                ev.prevent_default();
                                choose(pick.clone());
                            }>
                            <strong>{format!("/{}", reply.shortcut)}</strong>
                            <span>{reply.text.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
        <form class="composer" class:note=noting on:submit=on_submit>
            <input type="file" multiple=true class="visually-hidden" id="attach-file"
                aria-label="Attach file" node_ref=file_input on:change=on_pick tabindex="-1"/>
            <button class="btn ghost icon" type="button" aria-label="Attach" title="Attach a photo or file"
                on:click=move |_| if let Some(input) = file_input.get_untracked() { input.click() }>
                <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">
                    <path d="M13.5 6.5l-5.8 5.8a1.6 1.6 0 0 0 2.3 2.3l6-6a3.2 3.2 0 0 0-4.5-4.5l-6.2 6.2a4.8 4.8 0 0 0 6.8 6.8l5-5"
                        fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/>
                </svg>
            </button>
            <textarea node_ref=field rows="1" aria-label="Message" on:paste=on_paste
                placeholder=move || if noting() {
                    "Write a private note (only your team sees it)"
                } else {
                    "Write a message"
                }
                aria-autocomplete=quick_replies.map(|_| "list")
                prop:value=move || text.get()
                on:input=on_input on:keydown=on_keydown></textarea>
            <button class="btn ghost icon" type="button" on:click=on_record
                aria-label=move || if recording_now.get() { "Stop and send voice note" } else { "Record voice note" }
                aria-pressed=move || recording_now.get().to_string()
                class:recording=move || recording_now.get()>
                <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">
                    <rect x="7" y="2.5" width="6" height="10" rx="3" fill="none" stroke="currentColor" stroke-width="1.6"/>
                    <path d="M4.5 9.5a5.5 5.5 0 0 0 11 0M10 15v2.5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/>
                </svg>
            </button>
            <button class="btn" type="submit">
                {move || if noting() { "Add note" } else { "Send" }}
            </button>
        </form>
    }
}
