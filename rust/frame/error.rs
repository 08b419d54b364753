//! A refused frame, carrying what is needed to answer it.

use std::fmt;

use crate::errors::ErrorKind;
use crate::version::Version;

/// Where in the frame: nothing, a byte offset (not JSON), or a JSON pointer into the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    None,
    Offset(usize),
    Path(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameError {
    pub kind: ErrorKind,
    /// The id to echo in the CALLERROR; `None` when no reply must be sent.
    pub message_id: Option<String>,
    /// At most 255 characters; never contains frame text other than payload keys in paths.
    pub description: String,
    pub detail: Detail,
    pub action: Option<String>,
    pub frame_type: Option<u8>,
}

impl FrameError {
    /// Applies the reply-id rules of `version` to what was read of the frame:
    /// 1.6 ignores an unknown `MessageTypeId` (no reply) and cannot echo a non-string id;
    /// 2.x answers `"-1"` whenever the id is unreadable or invalid.
    #[cold]
    #[inline(never)]
    pub fn new(
        version: Version,
        kind: ErrorKind,
        id: Option<&str>,
        description: String,
        detail: Detail,
    ) -> Self {
        let message_id = match kind {
            ErrorKind::MessageTypeNotSupported if !version.is_2x() => None,
            ErrorKind::RpcFramework if version.is_2x() => Some("-1".to_owned()),
            _ => match id {
                Some(id) => Some(id.to_owned()),
                None => version.is_2x().then(|| "-1".to_owned()),
            },
        };
        let description = if description
            .chars()
            .nth(super::MAX_DESCRIPTION_CHARS)
            .is_some()
        {
            cut_chars(&description, super::MAX_DESCRIPTION_CHARS).to_owned()
        } else {
            description
        };
        FrameError {
            kind,
            message_id,
            description,
            detail,
            action: None,
            frame_type: None,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.description)?;
        if let Detail::Path(p) = &self.detail {
            write!(f, " (at {p:?})")?;
        }
        Ok(())
    }
}

impl std::error::Error for FrameError {}

/// The first `max` characters of `s`.
pub fn cut_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
