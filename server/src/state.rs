//! State shared by every request handler.

use crate::config::Config;
use crate::db::Db;
use crate::hub::Hub;
use crate::limits::Guards;
use crate::media::Media;
use crate::shell::AppShell;
use std::sync::Arc;

/// Cheap to clone; handed to every handler by axum.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Database.
    pub db: Db,
    /// Live connections.
    pub hub: Arc<Hub>,
    /// The web app's index.html with its Content-Security-Policy.
    pub shell: Arc<AppShell>,
    /// Rate limits, the password-hashing line and connections per address.
    pub guards: Arc<Guards>,
    /// Attachments: uploads in progress and stored files.
    pub media: Arc<Media>,
}
