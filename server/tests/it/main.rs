//! Integration tests against the real server binary: one test binary, one module per area.

mod accounts;
mod durability;
mod faults;
mod harness;
mod messaging;
