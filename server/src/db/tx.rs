//! A write transaction as the services see it: the storage traits inside the current group
//! commit, event positions, a cache of who may act in a conversation, and effects that run only
//! once the commit is durable.

use super::{Audience, Data, DbResult};
use kontor_protocol::{ConversationId, Pos};
use std::collections::HashMap;
use std::sync::Arc;

/// Something to do after a successful commit (publish events, close connections).
pub type AfterCommit = Box<dyn FnOnce() + Send>;

/// What to do once the batch's fate is known: `true` when it was committed.
pub type Finish = Box<dyn FnOnce(bool) + Send>;

/// A unit of work run inside a group commit: whether to keep its writes, and what to do after.
pub type Work = Box<dyn for<'a> FnOnce(&mut Tx<'a>) -> (bool, Finish) + Send>;

/// Conversations whose audiences are kept in memory before the cache is reset.
const AUDIENCE_CACHE: usize = 100_000;

/// What the writer keeps across transactions: the next event position and cached audiences.
#[derive(Debug, Default)]
pub struct TxState {
    pub(super) next_pos: u64,
    pub(super) audiences: HashMap<ConversationId, Arc<Audience>>,
}

impl TxState {
    /// Positions continue after `committed`.
    pub fn after(committed: Pos) -> Self {
        Self {
            next_pos: committed.0 + 1,
            audiences: HashMap::new(),
        }
    }
}

/// The current transaction.
pub struct Tx<'a> {
    data: &'a dyn Data,
    state: &'a mut TxState,
    effects: Vec<AfterCommit>,
}

impl<'a> Tx<'a> {
    pub(super) fn new(data: &'a dyn Data, state: &'a mut TxState) -> Self {
        Self {
            data,
            state,
            effects: Vec::new(),
        }
    }

    /// The next event position (for rows clients resume from). Positions are handed out in
    /// commit order by the writer; a unit of work that is rolled back gives its positions back.
    pub fn take_pos(&mut self) -> Pos {
        let pos = Pos(self.state.next_pos);
        self.state.next_pos += 1;
        pos
    }

    /// Who may act in a conversation (cached across transactions; empty when it does not exist).
    pub fn audience(&mut self, id: ConversationId) -> DbResult<Arc<Audience>> {
        if let Some(a) = self.state.audiences.get(&id) {
            return Ok(a.clone());
        }
        let audience = Arc::new(self.data.conversation_audience(id)?);
        if !audience.members.is_empty() {
            if self.state.audiences.len() >= AUDIENCE_CACHE {
                self.state.audiences.clear();
            }
            self.state.audiences.insert(id, audience.clone());
        }
        Ok(audience)
    }

    /// Forgets cached audiences, after a team changed.
    pub fn forget_audiences(&mut self) {
        self.state.audiences.clear();
    }

    /// Runs `effect` after the commit succeeded, in commit order (publishing events, closing
    /// connections).
    pub fn after_commit(&mut self, effect: impl FnOnce() + Send + 'static) {
        self.effects.push(Box::new(effect));
    }

    /// The effects registered so far.
    pub fn take_effects(&mut self) -> Vec<AfterCommit> {
        std::mem::take(&mut self.effects)
    }
}

impl<'a> std::ops::Deref for Tx<'a> {
    type Target = dyn Data + 'a;

    fn deref(&self) -> &Self::Target {
        self.data
    }
}
