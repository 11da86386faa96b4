//! Pages, one module per route. A page never imports another page: what pages share lives in
//! [`crate::components`], [`crate::state`], [`crate::urls`] or [`crate::sync`].

pub mod biz_settings;
pub mod biz_stats;
pub mod business_new;
pub mod business_profile;
pub mod businesses;
pub mod chats;
pub mod conversation;
pub mod inbox;
pub mod join;
pub mod login;
pub mod welcome;
