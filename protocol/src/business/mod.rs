//! Businesses: public profiles, teams, the shared inbox and its statistics.
//!
//! A business is a party in conversations like a person (it owns a handle in the same namespace),
//! but its side of every conversation is worked by a team of agents. Profiles and settings travel
//! over HTTP (`/api/businesses/…`); the inbox is live over the WebSocket (see [`crate::frames`]).
//!
//! The shared inbox's and the statistics' types are in `business/inbox.rs`, re-exported here.

use crate::{BusinessId, Handle, LabelId, QuickReplyId, Timestamp, User};
use serde::{Deserialize, Serialize};

mod inbox;
pub use inbox::*;

/// Longest business description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 512;
/// Longest address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 256;
/// Longest business name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Most websites on a profile.
pub const MAX_WEBSITES: usize = 2;
/// Longest website address or email, in characters.
pub const MAX_URL_CHARS: usize = 200;
/// Largest logo upload, in bytes.
pub const MAX_LOGO_BYTES: usize = 2 * 1024 * 1024;
/// Most labels per business.
pub const MAX_LABELS: usize = 50;
/// Longest label name, in characters.
pub const MAX_LABEL_CHARS: usize = 32;
/// Longest greeting or away message, in characters.
pub const MAX_AUTO_REPLY_CHARS: usize = 1024;
/// Longest quick-reply shortcut, in characters (letters, digits, `-` and `_`).
pub const MAX_SHORTCUT_CHARS: usize = 24;
/// Most quick replies per business.
pub const MAX_QUICK_REPLIES: usize = 200;
/// Largest inbox page.
pub const INBOX_PAGE: u32 = 50;
/// Silence after which a customer's message is greeted again, in milliseconds (14 days).
pub const GREETING_AFTER_SILENCE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// What kind of business this is; a fixed list so customers can rely on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Shops, online and on the street.
    Retail,
    /// Banks and payment providers.
    Bank,
    /// Airlines.
    Airline,
    /// Travel agencies, hotels, rail.
    Travel,
    /// Restaurants and cafés.
    Restaurant,
    /// Health care.
    Health,
    /// Schools and courses.
    Education,
    /// Services of any other trade.
    Services,
    /// Public administration.
    Government,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category, in the order a form lists them.
    pub const ALL: [Category; 10] = [
        Category::Retail,
        Category::Bank,
        Category::Airline,
        Category::Travel,
        Category::Restaurant,
        Category::Health,
        Category::Education,
        Category::Services,
        Category::Government,
        Category::Other,
    ];

    /// The wire name (`"retail"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Retail => "retail",
            Category::Bank => "bank",
            Category::Airline => "airline",
            Category::Travel => "travel",
            Category::Restaurant => "restaurant",
            Category::Health => "health",
            Category::Education => "education",
            Category::Services => "services",
            Category::Government => "government",
            Category::Other => "other",
        }
    }

    /// The wire name parsed back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Category::Retail => "Retail",
            Category::Bank => "Bank",
            Category::Airline => "Airline",
            Category::Travel => "Travel",
            Category::Restaurant => "Restaurant",
            Category::Health => "Health",
            Category::Education => "Education",
            Category::Services => "Services",
            Category::Government => "Government",
            Category::Other => "Other",
        }
    }
}

/// One opening interval on one weekday, in minutes after local midnight (`close` may be 1440).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInterval {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Opening minute, 0–1439.
    pub open: u16,
    /// Closing minute, after `open`, at most [`MINUTES_PER_DAY`] (midnight at the day's end).
    pub close: u16,
}

/// Minutes in a day: an opening interval that closes at midnight ends at this minute.
pub const MINUTES_PER_DAY: u16 = 24 * 60;

impl OpenInterval {
    /// Whether it names a weekday and opens before it closes, within one day.
    pub fn is_valid(&self) -> bool {
        self.weekday <= 6 && self.open < self.close && self.close <= MINUTES_PER_DAY
    }
}

/// When the business answers, in its own time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// IANA time zone name, for example `Europe/Stockholm`.
    pub time_zone: String,
    /// Open intervals; a weekday without any is closed. Empty with `always_open` = around the clock.
    pub intervals: Vec<OpenInterval>,
    /// Open around the clock (no away messages).
    #[serde(default)]
    pub always_open: bool,
}

impl Default for OpeningHours {
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
            intervals: Vec::new(),
            always_open: true,
        }
    }
}

/// The editable public part of a business profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFields {
    /// Name shown to customers.
    pub name: String,
    /// Kind of business.
    pub category: Category,
    /// Up to 512 characters.
    #[serde(default)]
    pub description: String,
    /// Up to 256 characters.
    #[serde(default)]
    pub address: String,
    /// Contact email (may be empty).
    #[serde(default)]
    pub email: String,
    /// Up to two `http(s)` addresses.
    #[serde(default)]
    pub websites: Vec<String>,
    /// Opening hours.
    #[serde(default)]
    pub hours: OpeningHours,
}

/// `POST /api/businesses`: create a business owned by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBusiness {
    /// Handle in the shared namespace.
    pub handle: String,
    /// Profile.
    #[serde(flatten)]
    pub profile: ProfileFields,
}

/// A business as anyone may see it (`GET /api/businesses/{handle}`, readable logged out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessProfile {
    /// Stable id (also its party id in conversations).
    pub id: BusinessId,
    /// Unique handle.
    pub handle: Handle,
    /// Public fields.
    #[serde(flatten)]
    pub profile: ProfileFields,
    /// Granted by the server operator only.
    pub verified: bool,
    /// Path of the logo image, when one was uploaded (changes with the image).
    pub logo: Option<String>,
    /// Whether it is open at the time of the answer.
    pub open_now: bool,
}

/// How a business appears wherever it is a party (chat lists, headers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessBadge {
    /// Granted by the server operator only.
    pub verified: bool,
    /// Path of the logo image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
}

/// A team member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers customers.
    Agent,
    /// Also manages settings, quick replies, labels and agents.
    Admin,
    /// Created the business; also manages admins.
    Owner,
}

impl Role {
    /// May change the profile, settings, quick replies, labels and the team.
    pub fn manages(self) -> bool {
        matches!(self, Role::Admin | Role::Owner)
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Role::Agent => "Agent",
            Role::Admin => "Admin",
            Role::Owner => "Owner",
        }
    }
}

/// A business the caller belongs to (`GET /api/me/businesses`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// Which business.
    pub business: BusinessProfile,
    /// The caller's role in it.
    pub role: Role,
}

/// A member of a business's team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    /// The person.
    pub user: User,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: Timestamp,
}

/// A greeting or away message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoReply {
    /// Whether it is sent.
    pub enabled: bool,
    /// Its text.
    pub text: String,
}

/// Settings only the team sees (`GET`/`PUT /api/businesses/{handle}/settings`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessSettings {
    /// Sent on a customer's first message, and again after 14 days of silence.
    pub greeting: AutoReply,
    /// Sent outside opening hours, at most once per conversation per day.
    pub away: AutoReply,
    /// Customers see the first name of the agent who wrote each reply.
    pub show_agent_names: bool,
}

/// `POST /api/businesses/{handle}/invites` answer: a single-use link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The secret part of the link.
    pub token: String,
    /// Path to open, `/join/{token}`.
    pub path: String,
    /// Role the invitee gets.
    pub role: Role,
    /// After this the link no longer works.
    pub expires_at: Timestamp,
}

/// `POST /api/businesses/{handle}/invites` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateInvite {
    /// Agent or admin (owners are not invited).
    pub role: Role,
}

/// `GET /api/invites/{token}`: what the link offers, before joining.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    /// The business.
    pub business: BusinessProfile,
    /// Role offered.
    pub role: Role,
}

/// `PUT /api/businesses/{handle}/members/{user_id}` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRole {
    /// The new role (agent or admin).
    pub role: Role,
}

/// A label for conversations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// Stable id.
    pub id: LabelId,
    /// Up to 32 characters, unique per business.
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
}

/// `POST /api/businesses/{handle}/labels` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLabel {
    /// Name.
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
}

/// A canned answer agents insert by typing `/` and its shortcut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    /// Stable id.
    pub id: QuickReplyId,
    /// Letters, digits, `-`, `_`; unique per business.
    pub shortcut: String,
    /// The text inserted.
    pub text: String,
}

/// `POST /api/businesses/{handle}/quick-replies` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewQuickReply {
    /// Shortcut without the `/`.
    pub shortcut: String,
    /// Text.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_statuses_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        for s in InboxStatus::ALL {
            assert_eq!(InboxStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn profile_flattens_its_fields() {
        let create = CreateBusiness {
            handle: "nordbank".into(),
            profile: ProfileFields {
                name: "Nordbank".into(),
                category: Category::Bank,
                description: String::new(),
                address: String::new(),
                email: String::new(),
                websites: vec![],
                hours: OpeningHours::default(),
            },
        };
        let json = serde_json::to_value(&create).unwrap();
        assert_eq!(json["category"], "bank");
        assert_eq!(json["name"], "Nordbank");
        let back: CreateBusiness = serde_json::from_value(json).unwrap();
        assert_eq!(back, create);
    }
}
