//! Names people read: business names, display names and handles may not hide characters, pose
//! as a verified business or as Kontor itself.
//!
//! Look-alikes are found by comparing skeletons: the Unicode confusables skeleton (UTS #39, from
//! `unicode-security`: Greek ο, Cyrillic ԁ, fullwidth and mathematical letters all become the
//! Latin letters they look like), lower-cased, accents dropped, then the project's own folds for
//! what a chat list font makes of digits and letter pairs.

use super::{ServiceError, ServiceResult};
use crate::db::Data;
use kontor_protocol::BusinessId;
use unicode_security::confusable_detection::skeleton;

/// Words nobody may take as a handle or a whole name: they would read as the service speaking.
const RESERVED: &[&str] = &[
    "kontor",
    "admin",
    "administrator",
    "support",
    "help",
    "helpdesk",
    "security",
    "system",
    "moderator",
    "operator",
    "official",
    "verified",
    "root",
    "staff",
];

/// Signs that read as the "Verified business" badge; only the badge may show them.
const CHECK_MARKS: &[char] = &[
    '✓', '✔', '☑', '✅', '🗸', '🗹', '🆗', '✌', '√', '☒', '🔵', '🔷', '💯',
];

/// Characters that render as nothing or turn the text around: bidi controls, zero-width
/// characters, joiners, invisible operators and fillers.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}'
    )
}

/// The shape of `name` as read: equal skeletons look alike.
pub fn name_skeleton(name: &str) -> String {
    let lower: String = name.chars().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(lower.len());
    for c in skeleton(&lower).flat_map(char::to_lowercase) {
        let folded = match c {
            '@' => 'a',
            '3' => 'e',
            'i' | '1' | '!' | '|' => 'l',
            '0' => 'o',
            '$' | '5' => 's',
            '2' => 'z',
            '7' => 't',
            '8' => 'b',
            other => other,
        };
        // Accents are separate marks after the skeleton's decomposition: they go with the
        // spaces and punctuation.
        if folded.is_alphanumeric() && !is_combining(folded) {
            out.push(folded);
        }
    }
    // "rn" reads as "m" and "vv" as "w" in most fonts.
    out.replace("rn", "m").replace("vv", "w")
}

/// Combining marks (accents after decomposition), which count as alphabetic.
fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Whether `a` imitates `b` (or the reverse): same skeleton, or one contains the other's.
pub fn imitates(a: &str, b: &str) -> bool {
    let (a, b) = (name_skeleton(a), name_skeleton(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || (b.len() >= 4 && a.contains(&b)) || (a.len() >= 4 && b.contains(&a))
}

/// What a name may not hold, whoever it names: hidden characters, check marks, or a reserved
/// word as the whole name (or "kontor" anywhere). `what` starts the sentence ("The display
/// name").
pub fn check_chars(name: &str, what: &str) -> ServiceResult<()> {
    if name.chars().any(is_invisible) {
        return Err(ServiceError::Refused(format!(
            "{what} has invisible or direction-changing characters; please type it plainly."
        )));
    }
    if name.chars().any(|c| CHECK_MARKS.contains(&c)) {
        return Err(ServiceError::Refused(format!(
            "{what} may not contain check marks: only the \"Verified business\" badge shows one."
        )));
    }
    let shape = name_skeleton(name);
    if RESERVED.iter().any(|r| shape == name_skeleton(r)) || shape.contains("kontor") {
        return Err(ServiceError::Refused(format!(
            "{what} would read as Kontor itself; please choose another."
        )));
    }
    Ok(())
}

/// Refuses a handle that is a reserved word or reads as one.
pub fn check_handle(handle: &str) -> ServiceResult<()> {
    let shape = name_skeleton(handle);
    if RESERVED.iter().any(|r| shape == name_skeleton(r)) || shape.contains("kontor") {
        return Err(ServiceError::InvalidHandle(
            "That handle is reserved. Please choose another.".into(),
        ));
    }
    Ok(())
}

/// Refuses a name or handle that looks like a verified business's (other than `except`).
pub fn not_posing(
    data: &dyn Data,
    name: &str,
    handle: &str,
    except: Option<BusinessId>,
) -> ServiceResult<()> {
    for (other_handle, other_name) in data.verified_names(except)? {
        if imitates(name, &other_name) || imitates(handle, &other_handle) {
            return Err(ServiceError::Refused(format!(
                "\"{name}\" looks like the verified business \"{other_name}\" \
                 (@{other_handle}); please choose a name of your own."
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_names_share_a_skeleton() {
        assert!(imitates("Nordbank", "N0RDBANK"));
        assert!(imitates("Nordbank", "Nord-Bank Support"));
        assert!(imitates("Modern Air", "Mod\u{0435}rn Air"));
        assert!(imitates("Modern Air", "Rnodern Air"));
        assert!(imitates("MODERN AIR", "rnodern air"));
        assert!(!imitates("Nordbank", "Sydbank"));
        assert!(!imitates("", "Nordbank"));
    }

    #[test]
    fn the_letters_an_operator_was_fooled_by_are_caught() {
        // Greek omicron, fullwidth letters, mathematical bold, Cyrillic komi de.
        assert!(imitates("Nordbank", "N\u{03BF}rdbank"));
        assert!(imitates("Nordbank", "Ｎｏｒｄｂａｎｋ"));
        assert!(imitates("Nordbank", "𝐍𝐨𝐫𝐝𝐛𝐚𝐧𝐤"));
        assert!(imitates("Nordbank", "Nor\u{0501}bank"));
        assert!(imitates("Café Zürich", "Cafe Zurich"));
    }

    #[test]
    fn hidden_characters_check_marks_and_reserved_words_are_refused() {
        for bad in [
            "Nordic\u{200B}Bikes",
            "Bikes \u{202E}skib",
            "Nordic Bikes ✔ Verified",
            "Kontor",
            "K0NTOR Team",
            "Support",
            "ѕupport",
        ] {
            assert!(check_chars(bad, "The name").is_err(), "{bad}");
        }
        for good in [
            "Nordic Bikes",
            "Anna Berg",
            "Zoë",
            "株式会社",
            "Help & Hope Cafe",
        ] {
            assert!(check_chars(good, "The name").is_ok(), "{good}");
        }
        assert!(check_handle("admin").is_err());
        assert!(check_handle("kontor_team").is_err());
        assert!(check_handle("anna").is_ok());
    }
}
