//! Checks on what a business owner types, each failure a sentence the form can show.

use super::hours::known_zone;
use kontor_protocol::business::{
    AutoReply, BusinessSettings, MAX_ADDRESS_CHARS, MAX_AUTO_REPLY_CHARS, MAX_DESCRIPTION_CHARS,
    MAX_LABEL_CHARS, MAX_NAME_CHARS, MAX_SHORTCUT_CHARS, MAX_URL_CHARS, MAX_WEBSITES, NewLabel,
    NewQuickReply, OpeningHours, ProfileFields,
};
use kontor_protocol::limits::MAX_BODY_BYTES;

/// A field that is not acceptable, with the sentence to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FieldError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError(message.into()))
}

fn text(value: &str, what: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let value = value.trim();
    if required && value.is_empty() {
        return err(format!("{what} cannot be empty."));
    }
    if value.chars().count() > max {
        return err(format!("{what} has at most {max} characters."));
    }
    // Newlines are fine in descriptions and addresses; other control characters are not.
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return err(format!("{what} contains characters that cannot be shown."));
    }
    Ok(value.to_owned())
}

fn website(url: &str) -> Result<String, FieldError> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.and_then(|r| r.split(['/', '?', '#']).next());
    let valid_host = host.is_some_and(|h| {
        h.contains('.')
            && !h.starts_with('.')
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    });
    if !valid_host || url.chars().count() > MAX_URL_CHARS || url.chars().any(char::is_whitespace) {
        return err(format!(
            "\"{}\" is not a website address: use https://example.com.",
            url.chars().take(60).collect::<String>()
        ));
    }
    Ok(url.to_owned())
}

fn email(value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    let valid = value.chars().count() <= MAX_URL_CHARS
        && !value.chars().any(char::is_whitespace)
        && value
            .split_once('@')
            .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
    if !valid {
        return err("That is not an email address.");
    }
    Ok(value.to_owned())
}

fn hours(hours: &OpeningHours) -> Result<OpeningHours, FieldError> {
    if !known_zone(&hours.time_zone) {
        return err(format!("\"{}\" is not a known time zone.", hours.time_zone));
    }
    if hours.intervals.len() > 7 * 4 {
        return err("At most four opening intervals per day.");
    }
    for i in &hours.intervals {
        if !i.is_valid() {
            return err("Opening hours must open before they close, within one day.");
        }
    }
    let mut out = hours.clone();
    out.intervals.sort_by_key(|i| (i.weekday, i.open));
    Ok(out)
}

/// Checks and tidies a profile (trimmed text, sorted hours).
pub fn profile(fields: &ProfileFields) -> Result<ProfileFields, FieldError> {
    if fields.websites.len() > MAX_WEBSITES {
        return err(format!("At most {MAX_WEBSITES} websites."));
    }
    Ok(ProfileFields {
        name: text(&fields.name, "The business name", MAX_NAME_CHARS, true)?,
        category: fields.category,
        description: text(
            &fields.description,
            "The description",
            MAX_DESCRIPTION_CHARS,
            false,
        )?,
        address: text(&fields.address, "The address", MAX_ADDRESS_CHARS, false)?,
        email: email(&fields.email)?,
        websites: fields
            .websites
            .iter()
            .filter(|w| !w.trim().is_empty())
            .map(|w| website(w))
            .collect::<Result<_, _>>()?,
        hours: hours(&fields.hours)?,
    })
}

fn auto_reply(reply: &AutoReply, what: &str) -> Result<AutoReply, FieldError> {
    let text = text(&reply.text, what, MAX_AUTO_REPLY_CHARS, false)?;
    if reply.enabled && text.is_empty() {
        return err(format!("{what} is switched on but has no text."));
    }
    Ok(AutoReply {
        enabled: reply.enabled,
        text,
    })
}

/// Checks greeting and away messages.
pub fn settings(s: &BusinessSettings) -> Result<BusinessSettings, FieldError> {
    Ok(BusinessSettings {
        greeting: auto_reply(&s.greeting, "The greeting message")?,
        away: auto_reply(&s.away, "The away message")?,
        show_agent_names: s.show_agent_names,
    })
}

/// Checks a new label: a name and a `#rrggbb` colour.
pub fn label(l: &NewLabel) -> Result<NewLabel, FieldError> {
    let name = text(&l.name, "A label name", MAX_LABEL_CHARS, true)?;
    let color = l.color.trim().to_ascii_lowercase();
    let valid = color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        return err("A label colour is written #rrggbb.");
    }
    Ok(NewLabel { name, color })
}

/// Checks a new quick reply: a short shortcut of letters, digits, `-`, `_`, and a text.
pub fn quick_reply(q: &NewQuickReply) -> Result<NewQuickReply, FieldError> {
    let shortcut = q.shortcut.trim().trim_start_matches('/').to_lowercase();
    let valid = !shortcut.is_empty()
        && shortcut.chars().count() <= MAX_SHORTCUT_CHARS
        && shortcut
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return err(format!(
            "A shortcut has 1 to {MAX_SHORTCUT_CHARS} letters, digits, - or _."
        ));
    }
    let text = text(&q.text, "The reply text", MAX_BODY_BYTES / 4, true)?;
    Ok(NewQuickReply { shortcut, text })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kontor_protocol::business::Category;

    fn fields() -> ProfileFields {
        ProfileFields {
            name: "  Nordbank ".into(),
            category: Category::Bank,
            description: "We bank.".into(),
            address: "Storgatan 1\nStockholm".into(),
            email: "help@nordbank.example".into(),
            websites: vec!["https://nordbank.example".into()],
            hours: OpeningHours::default(),
        }
    }

    #[test]
    fn a_good_profile_is_tidied() {
        let p = profile(&fields()).unwrap();
        assert_eq!(p.name, "Nordbank");
    }

    #[test]
    fn bad_fields_are_refused_with_a_reason() {
        let mut f = fields();
        f.description = "x".repeat(513);
        assert!(profile(&f).unwrap_err().0.contains("512"));
        let mut f = fields();
        f.websites = vec!["ftp://nordbank.example".into()];
        assert!(profile(&f).is_err());
        let mut f = fields();
        f.websites = vec!["https://a.example".into(); 3];
        assert!(profile(&f).is_err());
        let mut f = fields();
        f.email = "not an email".into();
        assert!(profile(&f).is_err());
        let mut f = fields();
        f.hours.time_zone = "Nowhere/Land".into();
        assert!(profile(&f).is_err());
        let mut f = fields();
        f.name = " ".into();
        assert!(profile(&f).is_err());
        assert!(
            label(&NewLabel {
                name: "VIP".into(),
                color: "red".into()
            })
            .is_err()
        );
        assert!(
            quick_reply(&NewQuickReply {
                shortcut: "has space".into(),
                text: "x".into()
            })
            .is_err()
        );
    }
}
