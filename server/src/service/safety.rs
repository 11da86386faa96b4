//! Blocking and reporting.
//!
//! A block is kept per pair of parties. In a two-party conversation a message whose recipient
//! blocked its sender is stored for the sender and acknowledged as usual, but withheld from the
//! recipient for good: never published to them, skipped by their catch-up and history, so their
//! unread counts and sequence numbers only ever see what they were shown. The sender is told
//! nothing. The blocker is refused when writing to the one they blocked, until they unblock.

use super::{ServiceError, ServiceResult};
use crate::db::{Audience, Data, EvidenceLine, NewReportRow, Report, Tx, Viewer, now_ms};
use kontor_protocol::safety::{
    BlockedAccount, MAX_REPORT_NOTE_CHARS, NewReport, REPORT_EVIDENCE_MESSAGES,
};
use kontor_protocol::{Handle, ReportId, Seq, User, UserId};

/// What blocks between a sender and the other member of a two-party conversation mean for
/// what the sender writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Between {
    /// No block: delivered as usual.
    Open,
    /// The other member blocked the sender: stored, acknowledged, withheld from them.
    WithheldFrom(UserId),
    /// The sender blocked the other member: refused until they unblock.
    SenderBlocked(UserId),
}

/// The block state between `party` (who writes) and the other member of a two-party
/// conversation; `Open` for any other shape.
pub fn between(audience: &Audience, party: UserId) -> Between {
    let [a, b] = audience.members[..] else {
        return Between::Open;
    };
    let blocks = audience.blocks;
    // (whether the writer blocked the other, whether the other blocked the writer, the other)
    let (sender_blocked, other_blocked, other) = match (a == party, b == party) {
        (true, false) => (blocks.first_blocked_second, blocks.second_blocked_first, b),
        (false, true) => (blocks.second_blocked_first, blocks.first_blocked_second, a),
        _ => return Between::Open,
    };
    if sender_blocked {
        Between::SenderBlocked(other)
    } else if other_blocked {
        Between::WithheldFrom(other)
    } else {
        Between::Open
    }
}

/// The refusal a blocker gets when writing to the one they blocked.
pub const YOU_BLOCKED: &str = "You blocked this account. Unblock it to send messages.";

/// Who `user` blocked, newest first.
pub fn blocks_of(data: &dyn Data, user: UserId) -> ServiceResult<Vec<BlockedAccount>> {
    Ok(data.blocks_of(user)?)
}

/// Blocks the party with `handle`; at most `max` blocks per account. Answers who it is.
pub fn block(tx: &mut Tx<'_>, me: UserId, handle: &Handle, max: u32) -> ServiceResult<User> {
    let other = tx
        .user_by_handle(handle)?
        .ok_or(ServiceError::UnknownHandle)?;
    block_party(tx, me, other.id, max)?;
    Ok(other)
}

fn block_party(tx: &mut Tx<'_>, me: UserId, other: UserId, max: u32) -> ServiceResult<()> {
    if other == me {
        return Err(ServiceError::Invalid("You cannot block yourself."));
    }
    if tx.blocks_between(me, other)?.first_blocked_second {
        return Ok(());
    }
    if tx.block_count(me)? >= max {
        return Err(ServiceError::Refused(format!(
            "You have blocked {max} accounts, the most this server allows. Unblock one first."
        )));
    }
    tx.set_block(me, other, Some(now_ms()))?;
    // Cached audiences carry the blocks between their members.
    tx.forget_audiences();
    Ok(())
}

/// Unblocks the party with `handle` (nothing to do when it was not blocked).
pub fn unblock(tx: &mut Tx<'_>, me: UserId, handle: &Handle) -> ServiceResult<()> {
    let other = tx
        .user_by_handle(handle)?
        .ok_or(ServiceError::UnknownHandle)?;
    if tx.set_block(me, other.id, None)? {
        tx.forget_audiences();
    }
    Ok(())
}

/// Files a report on a conversation `me` is a member of, keeping the newest messages they
/// could see for the operator; blocks the other party too when asked. `max_blocks` as for
/// [`block`].
pub fn report(
    tx: &mut Tx<'_>,
    me: UserId,
    request: NewReport,
    max_blocks: u32,
) -> ServiceResult<ReportId> {
    let note = report_note(&request.note)?;
    let audience = tx.audience(request.conversation_id)?;
    if !audience.members.contains(&me) {
        return Err(ServiceError::NotFound);
    }
    let Some(reported) = audience.members.iter().copied().find(|m| *m != me) else {
        return Err(ServiceError::NotFound);
    };
    let messages = tx.history(
        request.conversation_id,
        Seq::END,
        REPORT_EVIDENCE_MESSAGES as u32,
        Viewer::Member,
        me,
    )?;
    let mut handles = Vec::with_capacity(2);
    for party in [me, reported] {
        let user = tx.party(party)?.ok_or(ServiceError::NotFound)?;
        handles.push((party, user.handle.to_string()));
    }
    let evidence = messages
        .into_iter()
        .map(|m| EvidenceLine {
            from: handles
                .iter()
                .find(|(id, _)| *id == m.sender)
                .map_or_else(String::new, |(_, h)| h.clone()),
            at: m.sent_at.0,
            text: match &m.attachment {
                Some(a) if m.body.is_empty() => format!("[{}]", a.name),
                Some(a) => format!("{} [{}]", m.body, a.name),
                None => m.body,
            },
        })
        .collect();
    if request.block {
        block_party(tx, me, reported, max_blocks)?;
    }
    let id = ReportId::new();
    tx.insert_report(&NewReportRow {
        id,
        reporter: me,
        reported,
        conversation: request.conversation_id,
        reason: request.reason,
        note,
        evidence,
        at: now_ms(),
    })?;
    Ok(id)
}

/// A report's note as stored: trimmed, at most [`MAX_REPORT_NOTE_CHARS`] characters.
pub fn report_note(note: &str) -> ServiceResult<String> {
    let note = note.trim();
    if note.chars().count() > MAX_REPORT_NOTE_CHARS {
        return Err(ServiceError::TooLarge(format!(
            "A report's note can be at most {MAX_REPORT_NOTE_CHARS} characters."
        )));
    }
    Ok(note.to_owned())
}

/// Reports for the operator, oldest first; only open ones unless `all`.
pub fn reports(data: &dyn Data, all: bool) -> ServiceResult<Vec<Report>> {
    Ok(data.reports(all)?)
}

/// The operator closes a report (dealt with). `NotFound` when no open report has this id.
pub fn close_report(tx: &mut Tx<'_>, id: ReportId) -> ServiceResult<()> {
    if tx.close_report(id, now_ms())? {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}
