//! Every JSON body the API takes, decoded and then validated as the server does: no panic, and
//! what validation accepts it accepts again (validation is a fixed point).
#![no_main]

use kontor_protocol::api::{LoginRequest, RegisterRequest};
use kontor_protocol::business::{
    BusinessSettings, CreateBusiness, CreateInvite, NewLabel, NewQuickReply, ProfileFields,
};
use kontor_protocol::media::NewUpload;
use kontor_protocol::safety::NewReport;
use kontor_protocol::{Handle, UserId};
use kontor_server::business::validate;
use kontor_server::service::{names, safety, uploads};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    match kind % 8 {
        0 => {
            if let Ok(req) = serde_json::from_str::<RegisterRequest>(text) {
                if let Ok(handle) = Handle::parse(&req.handle) {
                    let _ = names::check_handle(handle.as_str());
                }
                let _ = names::check_chars(&req.display_name, "The display name");
                let _ = names::name_skeleton(&req.display_name);
            }
        }
        1 => {
            if let Ok(req) = serde_json::from_str::<LoginRequest>(text) {
                let _ = Handle::parse(&req.handle);
            }
        }
        2 => {
            if let Ok(req) = serde_json::from_str::<CreateBusiness>(text) {
                let _ = Handle::parse(&req.handle);
                fixed_point(&req.profile, validate::profile);
                let _ = names::check_chars(&req.profile.name, "The business name");
            }
        }
        3 => {
            if let Ok(fields) = serde_json::from_str::<ProfileFields>(text) {
                fixed_point(&fields, validate::profile);
            }
        }
        4 => {
            if let Ok(settings) = serde_json::from_str::<BusinessSettings>(text) {
                fixed_point(&settings, validate::settings);
            }
        }
        5 => {
            if let Ok(label) = serde_json::from_str::<NewLabel>(text) {
                fixed_point(&label, validate::label);
            }
        }
        6 => {
            if let Ok(reply) = serde_json::from_str::<NewQuickReply>(text) {
                fixed_point(&reply, validate::quick_reply);
            }
        }
        _ => {
            if let Ok(upload) = serde_json::from_str::<NewUpload>(text) {
                let _ = uploads::announce(upload, UserId(uuid::Uuid::nil()));
            }
            let _ = serde_json::from_str::<CreateInvite>(text);
            if let Ok(report) = serde_json::from_str::<NewReport>(text)
                && let Ok(note) = safety::report_note(&report.note)
            {
                assert_eq!(safety::report_note(&note).ok(), Some(note));
            }
        }
    }
});

/// Validating what validation answered changes nothing.
fn fixed_point<T: PartialEq + std::fmt::Debug, E>(value: &T, check: fn(&T) -> Result<T, E>) {
    if let Ok(tidy) = check(value) {
        let again = check(&tidy).ok();
        assert_eq!(
            again.as_ref(),
            Some(&tidy),
            "validation is not a fixed point"
        );
    }
}
