//! Integration tests against the real server binary: one test binary, one module per area.

mod accounts;
mod app_shell;
mod business_inbox;
mod business_team;
mod durability;
mod faults;
mod harness;
mod limits;
mod media;
mod messaging;
mod safety;
mod transport;
