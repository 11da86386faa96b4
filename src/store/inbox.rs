//! The `inbox` store: business inbox items this device has seen, so the team inbox shows at once
//! (and offline) while the server answers the current page. The server stays the judge of what
//! a page holds; this is a cache, filtered here with the same rules.

use super::{BY_BUSINESS_ACTIVITY, Db, INBOX, Result};
use indexed_db_futures::KeyRange;
use indexed_db_futures::prelude::*;
use kontor_protocol::business::{INBOX_PAGE, InboxCounts, InboxFilter, InboxItem, InboxView};
use kontor_protocol::{BusinessId, UserId};

/// Whether an item belongs in a view for `me`.
pub fn matches(item: &InboxItem, filter: &InboxFilter, me: UserId) -> bool {
    let view = match filter.view {
        InboxView::Unassigned => item.assignee.is_none(),
        InboxView::Mine => item.assignee.as_ref().is_some_and(|a| a.id == me),
        InboxView::All => true,
    };
    view && filter.status.is_none_or(|s| item.status == s)
        && filter.label.is_none_or(|l| item.labels.contains(&l))
}

impl Db {
    /// Remembers items from a server page or a live update (newer states replace older ones).
    pub async fn save_inbox_items(&self, items: &[InboxItem]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let tx = self.tx_from_server(&[INBOX])?;
        let store = tx.object_store(INBOX)?;
        for item in items {
            super::issued(store.put(item).serde()?);
        }
        tx.commit().await?;
        Ok(())
    }

    /// The first page of a view from what this device has seen, newest activity first, and the
    /// views' sizes among those items.
    pub async fn inbox_page_local(
        &self,
        business: BusinessId,
        filter: &InboxFilter,
        me: UserId,
    ) -> Result<(Vec<InboxItem>, InboxCounts)> {
        let tx = self.tx(&[INBOX], false)?;
        let range: KeyRange<(String, f64)> = KeyRange::Bound(
            (business.to_string(), f64::NEG_INFINITY),
            false,
            (business.to_string(), f64::INFINITY),
            false,
        );
        let all: Vec<InboxItem> = tx
            .object_store(INBOX)?
            .index(BY_BUSINESS_ACTIVITY)?
            .get_all()
            .with_query(range)
            .serde()?
            .await?
            .collect::<std::result::Result<_, _>>()?;
        let mut counts = InboxCounts::default();
        for view in [InboxView::Unassigned, InboxView::Mine, InboxView::All] {
            let f = InboxFilter {
                view,
                ..filter.clone()
            };
            let n = all.iter().filter(|i| matches(i, &f, me)).count() as u32;
            match view {
                InboxView::Unassigned => counts.unassigned = n,
                InboxView::Mine => counts.mine = n,
                InboxView::All => counts.all = n,
            }
        }
        let mut page: Vec<InboxItem> = all
            .into_iter()
            .rev()
            .filter(|i| matches(i, filter, me))
            .take(INBOX_PAGE as usize)
            .collect();
        page.sort_by_key(|i| std::cmp::Reverse(i.last_activity));
        Ok((page, counts))
    }
}
