//! Pages, one module per route.

pub mod biz_settings;
pub mod biz_stats;
pub mod biz_util;
pub mod business_new;
pub mod business_profile;
pub mod businesses;
pub mod chats;
pub mod conversation;
pub mod inbox;
pub mod join;
pub mod login;
pub mod welcome;
