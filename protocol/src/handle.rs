//! Handles: the public, unique, case-insensitive names people find each other by.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a valid handle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// Fewer than [`Handle::MIN_LEN`] characters.
    #[error("a handle has at least 3 characters")]
    TooShort,
    /// More than [`Handle::MAX_LEN`] characters.
    #[error("a handle has at most 32 characters")]
    TooLong,
    /// A character outside `a-z 0-9 _ .`.
    #[error("a handle may only contain letters a–z, digits, '_' and '.'")]
    InvalidCharacter,
}

/// A validated handle, stored in lower case: `Alice` and `alice` are the same handle.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Handle(String);

impl Handle {
    /// Shortest handle, in characters.
    pub const MIN_LEN: usize = 3;
    /// Longest handle, in characters.
    pub const MAX_LEN: usize = 32;

    /// Validates and normalises (lower-cases, trims) a handle typed by a person.
    pub fn parse(input: &str) -> Result<Self, HandleError> {
        let lowered = input.trim().trim_start_matches('@').to_ascii_lowercase();
        if !lowered
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        {
            return Err(HandleError::InvalidCharacter);
        }
        match lowered.len() {
            n if n < Self::MIN_LEN => Err(HandleError::TooShort),
            n if n > Self::MAX_LEN => Err(HandleError::TooLong),
            _ => Ok(Self(lowered)),
        }
    }

    /// The normalised handle.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Handle {
    // Validate on the way in, so an invalid handle can never exist as a `Handle`.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Handle::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_at_sign() {
        assert_eq!(Handle::parse(" @Alice.B_1 ").unwrap().as_str(), "alice.b_1");
    }

    #[test]
    fn rejects_bad_handles() {
        assert_eq!(Handle::parse("ab"), Err(HandleError::TooShort));
        assert_eq!(Handle::parse(&"a".repeat(33)), Err(HandleError::TooLong));
        assert_eq!(Handle::parse("al ice"), Err(HandleError::InvalidCharacter));
        assert_eq!(Handle::parse("ålice"), Err(HandleError::InvalidCharacter));
        assert_eq!(Handle::parse("a-b-c"), Err(HandleError::InvalidCharacter));
        assert!(Handle::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<Handle>("\"x\"").is_err());
        assert_eq!(
            serde_json::from_str::<Handle>("\"BOB\"").unwrap().as_str(),
            "bob"
        );
    }
}
