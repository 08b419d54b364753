//! OCPP-J RPC framing: `[2, id, action, payload]`, `[3, id, payload]`,
//! `[4, id, code, description, details]`. Parsed element by element in one pass over the
//! text, so a broken payload still yields the message id to answer with. Knows nothing about
//! schemas or connections.

mod decode;
mod encode;
mod error;

pub use decode::{decode, peek_prefix};
pub use encode::{encode_call, encode_error, encode_result, MAX_DESCRIPTION_CHARS};
pub use error::{cut_chars, Detail, FrameError};

use crate::json::{Str, Value};

/// Longest message id accepted (OCPP-J: a string of at most 36 characters).
pub const MAX_ID_LEN: usize = 36;

pub const CALL: u8 = 2;
pub const CALL_RESULT: u8 = 3;
pub const CALL_ERROR: u8 = 4;

#[derive(Debug, PartialEq)]
pub enum Frame<'a> {
    Call {
        id: Str<'a>,
        action: Str<'a>,
        payload: Value<'a>,
    },
    CallResult {
        id: Str<'a>,
        payload: Value<'a>,
    },
    CallError {
        id: Str<'a>,
        code: Str<'a>,
        description: Str<'a>,
        details: Value<'a>,
    },
}

impl Frame<'_> {
    pub fn message_id(&self) -> &str {
        match self {
            Frame::Call { id, .. } | Frame::CallResult { id, .. } | Frame::CallError { id, .. } => {
                id.as_str()
            }
        }
    }
}

#[cfg(test)]
mod proptests;
