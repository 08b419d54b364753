//! One codec per OCPP version: framing plus schema validation, shared by every connection.

use std::fmt;

use crate::errors::{is_known_code, ErrorKind};
use crate::frame::{self, Detail, Frame, FrameError, MAX_ID_LEN};
use crate::json::{Value, WriteError};
use crate::schema::{catalog, Action, Catalog, CompileError, Direction, NodeId, Violation};
use crate::version::Version;

/// Why an outgoing frame (or a `validate` call) was refused: a caller's mistake.
#[derive(Clone, Debug, PartialEq)]
pub enum EncodeError {
    UnknownAction(String),
    NoSchema {
        action: String,
        direction: Direction,
    },
    Invalid(Vec<Violation>),
    BadMessageId,
    UnknownCode(String),
    NotFinite,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::UnknownAction(a) => write!(f, "unknown action {a:?}"),
            EncodeError::NoSchema { action, direction } => {
                write!(f, "no {direction:?} schema for {action:?}")
            }
            EncodeError::Invalid(violations) => {
                f.write_str("invalid payload:")?;
                for v in violations {
                    write!(f, " [{} at {:?}: {}]", v.kind, v.path, v.message)?;
                }
                Ok(())
            }
            EncodeError::BadMessageId => {
                write!(f, "message id must be 1 to {MAX_ID_LEN} characters")
            }
            EncodeError::UnknownCode(c) => {
                write!(f, "{c:?} is not an OCPP-J error code of this version")
            }
            EncodeError::NotFinite => f.write_str("NaN and infinite floats cannot be sent"),
        }
    }
}

impl std::error::Error for EncodeError {}

impl From<WriteError> for EncodeError {
    fn from(_: WriteError) -> Self {
        EncodeError::NotFinite
    }
}

pub struct Codec {
    pub version: Version,
    pub max_frame_bytes: usize,
    catalog: &'static Catalog,
}

impl Codec {
    pub fn new(version: Version, max_frame_bytes: usize) -> Result<Codec, &'static CompileError> {
        Ok(Codec {
            version,
            max_frame_bytes,
            catalog: catalog(version)?,
        })
    }

    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }

    /// The action's schema for `direction`.
    pub fn schema(&self, action: &str, direction: Direction) -> Result<NodeId, EncodeError> {
        let a = self
            .catalog
            .action(action)
            .ok_or_else(|| EncodeError::UnknownAction(action.to_owned()))?;
        a.schema(direction).ok_or_else(|| EncodeError::NoSchema {
            action: action.to_owned(),
            direction,
        })
    }

    /// Decodes bytes; not UTF-8 is a format error.
    pub fn decode_bytes<'a>(
        &self,
        bytes: &'a [u8],
        pending: Option<NodeId>,
    ) -> Result<Frame<'a>, FrameError> {
        if bytes.len() > self.max_frame_bytes {
            let prefix = &bytes[..bytes.len().min(512)];
            let text = match std::str::from_utf8(prefix) {
                Ok(t) => t,
                Err(e) => std::str::from_utf8(&prefix[..e.valid_up_to()]).unwrap_or_default(),
            };
            return Err(self.too_large(text, bytes.len()));
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.decode(text, pending),
            Err(e) => Err(self.not_utf8(e.valid_up_to())),
        }
    }

    /// Decodes one frame and validates a CALL's payload against the action's request schema
    /// and a CALLRESULT's against `pending` (a response schema) when given.
    pub fn decode<'a>(
        &self,
        text: &'a str,
        pending: Option<NodeId>,
    ) -> Result<Frame<'a>, FrameError> {
        if text.len() > self.max_frame_bytes {
            return Err(self.too_large(text, text.len()));
        }
        let mut frame = frame::decode(text, self.version)?;
        match &mut frame {
            Frame::Call {
                id,
                action,
                payload,
            } => {
                let Some(a) = self
                    .catalog
                    .action(action.as_str())
                    .filter(|a| a.request.is_some())
                else {
                    return Err(self.not_implemented(id.as_str(), action.as_str()));
                };
                action.atom = a.atom;
                self.check(a.request, payload, id.as_str(), Some(a), frame::CALL)?;
            }
            Frame::CallResult { id, payload } => {
                self.check(pending, payload, id.as_str(), None, frame::CALL_RESULT)?;
            }
            Frame::CallError { .. } => {}
        }
        Ok(frame)
    }

    #[inline]
    fn check(
        &self,
        root: Option<NodeId>,
        payload: &mut Value<'_>,
        id: &str,
        action: Option<&Action>,
        ty: u8,
    ) -> Result<(), FrameError> {
        let Some(root) = root else { return Ok(()) };
        match self.catalog.first_violation(root, payload) {
            None => Ok(()),
            Some(v) => Err(self.violation(v, id, action, ty)),
        }
    }

    #[cold]
    #[inline(never)]
    fn violation(&self, v: Violation, id: &str, action: Option<&Action>, ty: u8) -> FrameError {
        let description = if v.path.is_empty() {
            v.message
        } else {
            format!("{} at {}", v.message, v.path)
        };
        let mut e = FrameError::new(
            self.version,
            v.kind,
            Some(id),
            description,
            Detail::Path(v.path),
        );
        e.action = action.map(|a| a.name.to_owned());
        e.frame_type = Some(ty);
        e
    }

    #[cold]
    #[inline(never)]
    fn not_implemented(&self, id: &str, action: &str) -> FrameError {
        let mut e = FrameError::new(
            self.version,
            ErrorKind::NotImplemented,
            Some(id),
            format!("action not implemented in {}", self.version),
            Detail::None,
        );
        e.action = Some(frame::cut_chars(action, 64).to_owned());
        e.frame_type = Some(frame::CALL);
        e
    }

    #[cold]
    #[inline(never)]
    fn too_large(&self, prefix: &str, len: usize) -> FrameError {
        let (frame_type, id, action) = frame::peek_prefix(prefix);
        let id = id.filter(|id| (1..=MAX_ID_LEN).contains(&id.chars().count()));
        let description = format!(
            "frame of {len} bytes exceeds the limit of {} bytes",
            self.max_frame_bytes
        );
        let mut e = FrameError::new(
            self.version,
            ErrorKind::TooLarge,
            id.as_deref(),
            description,
            Detail::None,
        );
        e.frame_type = frame_type;
        e.action = action.map(|a| frame::cut_chars(&a, 64).to_owned());
        e
    }

    #[cold]
    #[inline(never)]
    fn not_utf8(&self, offset: usize) -> FrameError {
        FrameError::new(
            self.version,
            ErrorKind::Format,
            None,
            format!("frame is not UTF-8 at byte {offset}"),
            Detail::Offset(offset),
        )
    }

    /// Every violation of `payload` against the action's schema for `direction`.
    pub fn validate(
        &self,
        action: &str,
        direction: Direction,
        payload: &mut Value<'_>,
    ) -> Result<Vec<Violation>, EncodeError> {
        let root = self.schema(action, direction)?;
        Ok(self.catalog.violations(root, payload))
    }

    fn valid(
        &self,
        action: &str,
        direction: Direction,
        payload: &mut Value<'_>,
    ) -> Result<(), EncodeError> {
        let violations = self.validate(action, direction, payload)?;
        if violations.is_empty() {
            Ok(())
        } else {
            Err(EncodeError::Invalid(violations))
        }
    }

    /// `[2, id, action, payload]`. `id` must be 1..=36 characters.
    pub fn encode_call(
        &self,
        id: &str,
        action: &str,
        payload: &mut Value<'_>,
        validate: bool,
    ) -> Result<String, EncodeError> {
        if id.is_empty() || id.chars().count() > MAX_ID_LEN {
            return Err(EncodeError::BadMessageId);
        }
        if validate {
            self.valid(action, Direction::Request, payload)?;
        } else if self.catalog.action(action).is_none() {
            return Err(EncodeError::UnknownAction(action.to_owned()));
        }
        Ok(frame::encode_call(id, action, payload)?)
    }

    /// `[3, id, payload]`, validated against `action`'s response schema when given.
    pub fn encode_result(
        &self,
        id: &str,
        payload: &mut Value<'_>,
        action: Option<&str>,
    ) -> Result<String, EncodeError> {
        if let Some(action) = action {
            self.valid(action, Direction::Response, payload)?;
        }
        Ok(frame::encode_result(id, payload)?)
    }

    /// `[4, id, code, description, details]`; `code` must be one of this version's codes.
    pub fn encode_error(
        &self,
        id: &str,
        code: &str,
        description: &str,
        details: &Value<'_>,
    ) -> Result<String, EncodeError> {
        if !is_known_code(self.version, code) {
            return Err(EncodeError::UnknownCode(code.to_owned()));
        }
        Ok(frame::encode_error(id, code, description, details)?)
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
