//! Limits that keep one client from taking the server from everyone else: request rates per
//! address, account and connection (token buckets from `governor`), the bounded queue for
//! password hashing, and live connections per address. The settings are in
//! [`crate::config::Limits`]; a refusal is [`crate::service::ServiceError::RateLimited`] or
//! [`crate::service::ServiceError::Busy`], which say when to try again.

mod client_ip;
mod connections;

pub use client_ip::client_ip;
pub use connections::{AddressSlot, Addresses};

use crate::config::Limits;
use crate::workers::Workers;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use kontor_protocol::{Handle, UserId};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Password hashes computed at once (argon2id takes 19 MiB each).
const PASSWORD_THREADS: usize = 2;

/// Addresses remembered per account as ones its owner logged in from.
const KNOWN_ADDRESSES: usize = 4;

/// How often buckets that are full again are forgotten, so memory stays flat after a flood.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// What a limit refused, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Which limit.
    pub what: LimitKind,
    /// When the same request can succeed.
    pub retry_after: Duration,
}

/// The limits that refuse with [`Limited`]; each words its own refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// Login attempts from one address.
    LoginsFromAddress,
    /// Login attempts on one account from addresses its owner has not used.
    LoginsOnAccount,
    /// Registrations from one address.
    Registrations,
    /// Messages of one account.
    Messages,
    /// Frames on one connection.
    Frames,
    /// Live connections of one account.
    ConnectionsOfAccount,
    /// Live connections from one address.
    ConnectionsFromAddress,
    /// Reports filed by one account.
    Reports,
}

impl LimitKind {
    /// The sentence for people, without the "try again" part.
    pub fn sentence(self) -> &'static str {
        match self {
            LimitKind::LoginsFromAddress => "Too many login attempts from your network.",
            LimitKind::LoginsOnAccount => "Too many wrong passwords for this account.",
            LimitKind::Registrations => "Too many new accounts from your network.",
            LimitKind::Messages => "You are sending messages too fast.",
            LimitKind::Frames => "Your app is sending too much too fast.",
            LimitKind::ConnectionsOfAccount => "This account has too many open connections.",
            LimitKind::ConnectionsFromAddress => "Too many open connections from your network.",
            LimitKind::Reports => "You have sent many reports in a short time.",
        }
    }
}

/// The running limits; one per server, shared by every request.
pub struct Guards {
    settings: Limits,
    logins_by_address: DefaultKeyedRateLimiter<IpAddr>,
    logins_by_account: DefaultKeyedRateLimiter<Handle>,
    /// Addresses each account's owner logged in from lately: they pass the account's bucket.
    known: Mutex<HashMap<Handle, Vec<IpAddr>>>,
    registrations: DefaultKeyedRateLimiter<IpAddr>,
    messages: DefaultKeyedRateLimiter<UserId>,
    /// Per account, when the next message refused for rate may come back (see
    /// [`Guards::message`]).
    message_slots: Mutex<HashMap<UserId, Instant>>,
    /// Time between two messages of one account once its burst is spent.
    message_interval: Duration,
    reports: DefaultKeyedRateLimiter<UserId>,
    /// Password hashing: a few at once, a bounded line of waiters.
    pub passwords: Workers,
    /// Live connections per address.
    pub addresses: Arc<Addresses>,
}

impl Guards {
    /// Limits with the given settings.
    pub fn new(settings: &Limits) -> Self {
        Self {
            logins_by_address: RateLimiter::keyed(Quota::per_minute(
                settings.logins_per_ip_per_minute,
            )),
            logins_by_account: RateLimiter::keyed(Quota::per_hour(
                settings.logins_per_account_per_hour,
            )),
            known: Mutex::new(HashMap::new()),
            registrations: RateLimiter::keyed(Quota::per_hour(
                settings.registrations_per_ip_per_hour,
            )),
            messages: RateLimiter::keyed(Quota::per_minute(settings.messages_per_user_per_minute)),
            message_slots: Mutex::new(HashMap::new()),
            message_interval: Duration::from_secs(60) / settings.messages_per_user_per_minute.get(),
            reports: RateLimiter::keyed(Quota::per_hour(settings.reports_per_user_per_hour)),
            passwords: Workers::new(
                "kontor-passwords",
                PASSWORD_THREADS,
                settings.password_queue,
            ),
            addresses: Arc::new(Addresses::new(settings.connections_per_ip)),
            settings: settings.clone(),
        }
    }

    /// The settings these limits were made from.
    pub fn settings(&self) -> &Limits {
        &self.settings
    }

    /// A login attempt on `handle` from `ip`: counted against the address, and against the
    /// account unless the owner has logged in from this address before.
    pub fn login_attempt(&self, ip: IpAddr, handle: &Handle) -> Result<(), Limited> {
        check(&self.logins_by_address, &ip, LimitKind::LoginsFromAddress)?;
        let known = self
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(handle)
            .is_some_and(|ips| ips.contains(&ip));
        match check(&self.logins_by_account, handle, LimitKind::LoginsOnAccount) {
            Err(_) if known => Ok(()),
            other => other,
        }
    }

    /// The owner of `handle` logged in from `ip`: remember it as theirs.
    pub fn login_succeeded(&self, ip: IpAddr, handle: &Handle) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let ips = known.entry(handle.clone()).or_default();
        ips.retain(|known| *known != ip);
        if ips.len() == KNOWN_ADDRESSES {
            ips.remove(0);
        }
        ips.push(ip);
    }

    /// A registration from `ip`.
    pub fn registration(&self, ip: IpAddr) -> Result<(), Limited> {
        check(&self.registrations, &ip, LimitKind::Registrations)
    }

    /// A message (or note) sent by `user`, over all their connections. Refusals in a row are
    /// told successive waits one message-interval apart (the first when the next message
    /// fits, the second one interval later, …), so a client that sends each refused message
    /// again after its own wait gets every one through at the first retry, in the order they
    /// were refused.
    pub fn message(&self, user: UserId) -> Result<(), Limited> {
        let Err(mut limited) = check(&self.messages, &user, LimitKind::Messages) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut slots = self.message_slots.lock().unwrap_or_else(|e| e.into_inner());
        let next = slots.entry(user).or_insert(now);
        let at = (*next).max(now + limited.retry_after);
        *next = at + self.message_interval;
        limited.retry_after = at - now;
        Err(limited)
    }

    /// A report filed by `user`.
    pub fn report(&self, user: UserId) -> Result<(), Limited> {
        check(&self.reports, &user, LimitKind::Reports)
    }

    /// The frame bucket of one new connection.
    pub fn frames(&self) -> FrameBucket {
        FrameBucket(RateLimiter::direct(Quota::per_minute(
            self.settings.frames_per_connection_per_minute,
        )))
    }

    /// Forgets, every minute, buckets that are full again (and so hold nothing to remember).
    pub fn spawn_forgetting(self: &Arc<Self>) {
        let guards = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FORGET_EVERY);
            loop {
                tick.tick().await;
                let Some(guards) = guards.upgrade() else {
                    break;
                };
                guards.logins_by_address.retain_recent();
                guards.logins_by_account.retain_recent();
                guards.registrations.retain_recent();
                guards.messages.retain_recent();
                guards.reports.retain_recent();
                let now = Instant::now();
                guards
                    .message_slots
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .retain(|_, next| *next > now);
                guards.logins_by_address.shrink_to_fit();
                guards.logins_by_account.shrink_to_fit();
                guards.registrations.shrink_to_fit();
                guards.messages.shrink_to_fit();
                guards.reports.shrink_to_fit();
            }
        });
    }
}

/// One connection's frame rate.
pub struct FrameBucket(DefaultDirectRateLimiter);

impl FrameBucket {
    /// One more frame from this connection.
    pub fn frame(&self) -> Result<(), Limited> {
        self.0.check().map_err(|not_until| Limited {
            what: LimitKind::Frames,
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    what: LimitKind,
) -> Result<(), Limited> {
    limiter.check_key(key).map_err(|not_until| Limited {
        what,
        retry_after: not_until.wait_time_from(DefaultClock::default().now()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn limits() -> Limits {
        Limits {
            logins_per_ip_per_minute: NonZeroU32::new(100).unwrap(),
            logins_per_account_per_hour: NonZeroU32::new(3).unwrap(),
            ..Limits::default()
        }
    }

    #[test]
    fn others_cannot_lock_the_owner_out_of_a_known_address() {
        let guards = Guards::new(&limits());
        let handle = Handle::parse("owner").unwrap();
        let (home, attacker): (IpAddr, IpAddr) = (
            "192.0.2.1".parse().unwrap(),
            "198.51.100.7".parse().unwrap(),
        );
        guards.login_attempt(home, &handle).unwrap();
        guards.login_succeeded(home, &handle);
        for _ in 0..2 {
            guards.login_attempt(attacker, &handle).unwrap();
        }
        let refused = guards.login_attempt(attacker, &handle).unwrap_err();
        assert_eq!(refused.what, LimitKind::LoginsOnAccount);
        assert!(refused.retry_after > Duration::from_secs(60));
        // The owner, from home, still gets in; a third address does not.
        guards.login_attempt(home, &handle).unwrap();
        let other: IpAddr = "203.0.113.9".parse().unwrap();
        assert!(guards.login_attempt(other, &handle).is_err());
    }

    #[test]
    fn an_address_runs_out_of_login_attempts_for_every_account() {
        let guards = Guards::new(&Limits {
            logins_per_ip_per_minute: NonZeroU32::new(2).unwrap(),
            ..Limits::default()
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for name in ["one", "two"] {
            guards
                .login_attempt(ip, &Handle::parse(name).unwrap())
                .unwrap();
        }
        let refused = guards
            .login_attempt(ip, &Handle::parse("three").unwrap())
            .unwrap_err();
        assert_eq!(refused.what, LimitKind::LoginsFromAddress);
        assert!(refused.retry_after <= Duration::from_secs(30));
    }

    #[test]
    fn messages_refused_in_a_row_are_told_waits_one_interval_apart() {
        let guards = Guards::new(&Limits {
            messages_per_user_per_minute: NonZeroU32::new(60).unwrap(),
            ..Limits::default()
        });
        let user = UserId::new();
        for _ in 0..60 {
            guards.message(user).unwrap();
        }
        let waits: Vec<Duration> = (0..3)
            .map(|_| guards.message(user).unwrap_err().retry_after)
            .collect();
        assert!(waits[0] <= Duration::from_secs(1), "{waits:?}");
        for pair in waits.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap >= Duration::from_millis(990) && gap <= Duration::from_millis(1010),
                "{waits:?}"
            );
        }
        // Another account is not behind them.
        guards.message(UserId::new()).unwrap();
    }
}
