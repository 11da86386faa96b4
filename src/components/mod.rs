//! Building blocks of the pages. A component never imports a page (`crate::routes`): what
//! pages share lives here, in [`crate::state`] or in [`crate::urls`].

pub mod account_menu;
pub mod attachment;
pub mod avatar;
pub mod biz_nav;
pub mod brand;
pub mod category_select;
pub mod chat_list;
pub mod composer;
pub mod connection_status;
pub mod conversation;
pub mod errors;
pub mod guard;
pub mod icons;
pub mod message_list;
pub mod new_chat;
pub mod popup;
pub mod safety;
pub mod top_bar;
pub mod verified;
