//! Integration tests against the real server binary: one test binary, one module per area.

mod accounts;
mod app_shell;
mod durability;
mod faults;
mod harness;
mod messaging;
