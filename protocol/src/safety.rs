//! Blocking and reporting: the bodies of `/api/blocks` and `/api/reports`.
//!
//! A person may block any other party (a person or a business). What the blocked party sends
//! to them in a one-to-one chat is stored for the sender, acknowledged as usual and never
//! delivered: the sender is told nothing. The blocker cannot write to them until they unblock.

use crate::{ConversationId, ReportId, Timestamp, User};
use serde::{Deserialize, Serialize};

/// The longest note a report may carry, in characters.
pub const MAX_REPORT_NOTE_CHARS: usize = 1000;

/// How many of the conversation's newest messages a report keeps for the operator.
pub const REPORT_EVIDENCE_MESSAGES: usize = 20;

/// An account the user blocked (`GET /api/blocks`, newest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedAccount {
    /// Who is blocked.
    pub user: User,
    /// Since when.
    pub blocked_at: Timestamp,
}

/// Why a conversation is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    /// Unwanted advertising or bulk messages.
    Spam,
    /// Fraud: asking for money, passwords or card details.
    Scam,
    /// Insults, threats or harassment.
    Abuse,
    /// Posing as someone else, e.g. a well-known company.
    Impersonation,
    /// Anything else; the note says what.
    Other,
}

impl ReportReason {
    /// Every reason, in the order a form offers them.
    pub const ALL: [ReportReason; 5] = [
        ReportReason::Spam,
        ReportReason::Scam,
        ReportReason::Abuse,
        ReportReason::Impersonation,
        ReportReason::Other,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Scam => "scam",
            ReportReason::Abuse => "abuse",
            ReportReason::Impersonation => "impersonation",
            ReportReason::Other => "other",
        }
    }

    /// The reason for its stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// `POST /api/reports`: report a conversation to the operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReport {
    /// The conversation reported (the reporter must be in it).
    pub conversation_id: ConversationId,
    /// Why.
    pub reason: ReportReason,
    /// What the reporter adds, at most [`MAX_REPORT_NOTE_CHARS`] characters.
    #[serde(default)]
    pub note: String,
    /// Also block the other party.
    #[serde(default)]
    pub block: bool,
}

/// The answer to [`NewReport`] (201).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFiled {
    /// The report's id, for the operator.
    pub id: ReportId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_by_name() {
        for reason in ReportReason::ALL {
            assert_eq!(ReportReason::parse(reason.as_str()), Some(reason));
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
        assert_eq!(ReportReason::parse("nonsense"), None);
        let minimal: NewReport = serde_json::from_str(
            r#"{"conversation_id":"0190d6c4-5e7a-7000-8000-000000000001","reason":"spam"}"#,
        )
        .unwrap();
        assert!(minimal.note.is_empty() && !minimal.block);
    }
}
