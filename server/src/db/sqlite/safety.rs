//! Blocks and reports.

use super::Sql;
use super::rows::{PARTY_COLUMNS, SECOND_PARTY_COLUMNS, corrupt, party_from};
use crate::db::{Blocks, DbResult, EvidenceLine, NewReportRow, Report, Safety};
use kontor_protocol::safety::{BlockedAccount, ReportReason};
use kontor_protocol::{ConversationId, ReportId, Timestamp, UserId};
use rusqlite::params;

impl Safety for Sql<'_> {
    fn set_block(&self, blocker: UserId, blocked: UserId, at: Option<i64>) -> DbResult<bool> {
        let changed = match at {
            Some(at) => self
                .0
                .prepare_cached(
                    "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![blocker.0, blocked.0, at])?,
            None => self
                .0
                .prepare_cached("DELETE FROM blocks WHERE blocker_id = ?1 AND blocked_id = ?2")?
                .execute(params![blocker.0, blocked.0])?,
        };
        Ok(changed > 0)
    }

    fn blocks_of(&self, user: UserId) -> DbResult<Vec<BlockedAccount>> {
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT {PARTY_COLUMNS}, k.created_at FROM blocks k
             JOIN users u ON u.id = k.blocked_id LEFT JOIN businesses b ON b.id = u.id
             WHERE k.blocker_id = ?1 ORDER BY k.created_at DESC, u.handle"
        ))?;
        let rows = stmt
            .query_map([user.0], |r| {
                Ok(BlockedAccount {
                    user: party_from(r, 0)?,
                    blocked_at: Timestamp(r.get(6)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn block_count(&self, user: UserId) -> DbResult<u32> {
        Ok(self
            .0
            .prepare_cached("SELECT COUNT(*) FROM blocks WHERE blocker_id = ?1")?
            .query_row([user.0], |r| r.get(0))?)
    }

    fn blocks_between(&self, first: UserId, second: UserId) -> DbResult<Blocks> {
        let mut stmt = self.0.prepare_cached(
            "SELECT blocker_id FROM blocks
             WHERE (blocker_id = ?1 AND blocked_id = ?2) OR (blocker_id = ?2 AND blocked_id = ?1)",
        )?;
        let mut blocks = Blocks::default();
        for blocker in stmt.query_map(params![first.0, second.0], |r| r.get::<_, uuid::Uuid>(0))? {
            if blocker? == first.0 {
                blocks.first_blocked_second = true;
            } else {
                blocks.second_blocked_first = true;
            }
        }
        Ok(blocks)
    }

    fn insert_report(&self, report: &NewReportRow) -> DbResult<()> {
        let evidence = serde_json::to_string(&report.evidence)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        self.0
            .prepare_cached(
                "INSERT INTO reports (id, reporter_id, reported_id, conversation_id, reason, note,
                                      evidence, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                report.id.0,
                report.reporter.0,
                report.reported.0,
                report.conversation.0,
                report.reason.as_str(),
                report.note,
                evidence,
                report.at,
            ])?;
        Ok(())
    }

    fn reports(&self, all: bool) -> DbResult<Vec<Report>> {
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT r.id, r.created_at, r.conversation_id, r.reason, r.note, r.evidence,
                    r.closed_at, v.suspended_at IS NOT NULL,
                    (SELECT COUNT(*) FROM reports x WHERE x.reported_id = r.reported_id),
                    {PARTY_COLUMNS}, {SECOND_PARTY_COLUMNS}
             FROM reports r
             JOIN users u ON u.id = r.reporter_id LEFT JOIN businesses b ON b.id = u.id
             JOIN users v ON v.id = r.reported_id LEFT JOIN businesses w ON w.id = v.id
             WHERE ?1 OR r.closed_at IS NULL
             ORDER BY r.created_at, r.id"
        ))?;
        let rows = stmt
            .query_map([all], |r| {
                let reason: String = r.get(3)?;
                let evidence: String = r.get(5)?;
                Ok(Report {
                    id: ReportId(r.get(0)?),
                    created_at: r.get(1)?,
                    conversation: ConversationId(r.get(2)?),
                    reason: ReportReason::parse(&reason).ok_or_else(|| corrupt("report reason"))?,
                    note: r.get(4)?,
                    evidence: serde_json::from_str::<Vec<EvidenceLine>>(&evidence)
                        .map_err(|_| corrupt("report evidence"))?,
                    closed_at: r.get(6)?,
                    reported_suspended: r.get(7)?,
                    reports_against: r.get(8)?,
                    reporter: party_from(r, 9)?,
                    reported: party_from(r, 15)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn close_report(&self, id: ReportId, at: i64) -> DbResult<bool> {
        Ok(self
            .0
            .prepare_cached(
                "UPDATE reports SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL",
            )?
            .execute(params![id.0, at])?
            > 0)
    }
}
