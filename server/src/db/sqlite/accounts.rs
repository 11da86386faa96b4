//! People, passwords and sessions.

use super::Sql;
use super::rows::{PARTY_COLUMNS, party_from, user_from};
use crate::db::{Accounts, AuthSession, DbResult, LoginRecord};
use kontor_protocol::{Handle, User, UserId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl Accounts for Sql<'_> {
    fn insert_person(&self, user: &User, password_hash: &str, at: i64) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO users (id, handle, display_name, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                user.id.0,
                user.handle.as_str(),
                user.display_name,
                password_hash,
                at
            ],
        )?;
        Ok(())
    }

    fn insert_session(
        &self,
        id: Uuid,
        user: UserId,
        token_hash: &[u8; 32],
        at: i64,
        expires_at: i64,
    ) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO sessions (token_hash, id, user_id, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&token_hash[..], id, user.0, at, expires_at],
        )?;
        Ok(())
    }

    fn revoke_session(&self, token_hash: &[u8; 32], at: i64) -> DbResult<Option<Uuid>> {
        Ok(self
            .0
            .query_row(
                "UPDATE sessions SET revoked_at = ?2
                 WHERE token_hash = ?1 AND revoked_at IS NULL RETURNING id",
                params![&token_hash[..], at],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn revoke_user_sessions(&self, user: UserId, at: i64) -> DbResult<Vec<Uuid>> {
        let mut stmt = self.0.prepare_cached(
            "UPDATE sessions SET revoked_at = ?2
             WHERE user_id = ?1 AND revoked_at IS NULL RETURNING id",
        )?;
        let ids = stmt
            .query_map(params![user.0, at], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn set_suspended(&self, handle: &Handle, at: Option<i64>) -> DbResult<Option<UserId>> {
        Ok(self
            .0
            .query_row(
                "UPDATE users SET suspended_at = ?2 WHERE handle = ?1 AND kind = 'person'
                 RETURNING id",
                params![handle.as_str(), at],
                |r| Ok(UserId(r.get(0)?)),
            )
            .optional()?)
    }

    fn purge_sessions(&self, now: i64) -> DbResult<usize> {
        Ok(self.0.execute(
            "DELETE FROM sessions WHERE expires_at < ?1 OR revoked_at < ?1",
            [now],
        )?)
    }

    fn auth_session(&self, token_hash: &[u8]) -> DbResult<Option<AuthSession>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT s.id, s.expires_at, s.revoked_at IS NOT NULL, u.id, u.handle,
                     u.display_name
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND u.suspended_at IS NULL",
            )?
            .query_row([token_hash], |r| {
                Ok(AuthSession {
                    session_id: r.get(0)?,
                    expires_at: r.get(1)?,
                    revoked: r.get(2)?,
                    user: user_from(r, 3)?,
                })
            })
            .optional()?)
    }

    fn login_record(&self, handle: &Handle) -> DbResult<Option<LoginRecord>> {
        Ok(self
            .0
            .query_row(
                "SELECT id, handle, display_name, password_hash, suspended_at IS NOT NULL
                 FROM users WHERE handle = ?1 AND kind = 'person'",
                [handle.as_str()],
                |r| {
                    Ok(LoginRecord {
                        user: user_from(r, 0)?,
                        password_hash: r.get(3)?,
                        suspended: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    fn user_by_handle(&self, handle: &Handle) -> DbResult<Option<User>> {
        Ok(self
            .0
            .prepare_cached(&format!(
                "SELECT {PARTY_COLUMNS} FROM users u LEFT JOIN businesses b ON b.id = u.id
                 WHERE u.handle = ?1"
            ))?
            .query_row([handle.as_str()], |r| party_from(r, 0))
            .optional()?)
    }

    fn user_id_by_handle(&self, handle: &str) -> DbResult<Option<UserId>> {
        Ok(self
            .0
            .prepare_cached("SELECT id FROM users WHERE handle = ?1")?
            .query_row([handle], |r| Ok(UserId(r.get(0)?)))
            .optional()?)
    }

    fn party(&self, id: UserId) -> DbResult<Option<User>> {
        Ok(self
            .0
            .prepare_cached(&format!(
                "SELECT {PARTY_COLUMNS} FROM users u LEFT JOIN businesses b ON b.id = u.id
                 WHERE u.id = ?1"
            ))?
            .query_row([id.0], |r| party_from(r, 0))
            .optional()?)
    }
}
