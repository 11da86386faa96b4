//! Business rules that do not depend on storage: profile validation, opening hours, logos.

pub mod hours;
pub mod logo;
pub mod validate;
