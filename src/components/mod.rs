//! Building blocks of the pages.

pub mod account_menu;
pub mod attachment;
pub mod avatar;
pub mod biz_nav;
pub mod brand;
pub mod chat_list;
pub mod composer;
pub mod connection_status;
pub mod icons;
pub mod message_list;
pub mod new_chat;
pub mod verified;
