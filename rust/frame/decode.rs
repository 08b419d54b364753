//! The frame decoder: reads the RPC array element by element.

use super::error::{Detail, FrameError};
use super::{Frame, CALL, CALL_ERROR, CALL_RESULT, MAX_ID_LEN};
use crate::errors::ErrorKind;
use crate::json::{ParseError, Parser, Str, Value};
use crate::version::Version;

/// How much of an oversized frame is read to recover its type, id and action.
const PREFIX_BYTES: usize = 256;

/// Decodes one frame's RPC structure (payloads are not validated here).
pub fn decode(text: &str, version: Version) -> Result<Frame<'_>, FrameError> {
    let mut r = Reader {
        p: Parser::new(text),
        version,
        count: 0,
        closed: false,
        frame_type: None,
        id: None,
        action: None,
    };
    match r.frame() {
        Ok(frame) => Ok(frame),
        Err(mut e) => {
            e.frame_type = r.frame_type;
            e.action = r.action.map(|a| a.as_str().to_owned());
            Err(e)
        }
    }
}

/// Best effort for an oversized frame: its type, message id and action from the first bytes.
pub fn peek_prefix(text: &str) -> (Option<u8>, Option<String>, Option<String>) {
    let mut cut = text.len().min(PREFIX_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut r = Reader {
        p: Parser::new(&text[..cut]),
        version: Version::V16,
        count: 0,
        closed: false,
        frame_type: None,
        id: None,
        action: None,
    };
    let _ = r.frame();
    (
        r.frame_type,
        r.id.map(|s| s.as_str().to_owned()),
        r.action.map(|s| s.as_str().to_owned()),
    )
}

struct Reader<'a> {
    p: Parser<'a>,
    version: Version,
    count: usize,
    closed: bool,
    frame_type: Option<u8>,
    id: Option<Str<'a>>,
    action: Option<Str<'a>>,
}

impl<'a> Reader<'a> {
    fn frame(&mut self) -> Result<Frame<'a>, FrameError> {
        if self.p.peek() != Some(b'[') {
            return Err(self.fail(
                ErrorKind::Format,
                "frame is not a JSON array".to_owned(),
                Detail::None,
            ));
        }
        self.p.expect(b'[').map_err(|e| self.json(e))?;
        let frame_type = self.frame_type()?;
        self.message_id()?;
        let id = self.id.clone().unwrap_or_else(|| Str::borrowed(""));
        match frame_type {
            CALL => {
                let action = self.action()?;
                let payload = self.object("CALL", "payload")?;
                self.end("CALL", 4)?;
                Ok(Frame::Call {
                    id,
                    action,
                    payload,
                })
            }
            CALL_RESULT => {
                let payload = self.object("CALLRESULT", "payload")?;
                self.end("CALLRESULT", 3)?;
                Ok(Frame::CallResult { id, payload })
            }
            CALL_ERROR => {
                let code = self.string("CALLERROR", "error code")?;
                let description = self.string("CALLERROR", "error description")?;
                let details = self.object("CALLERROR", "error details")?;
                self.end("CALLERROR", 5)?;
                Ok(Frame::CallError {
                    id,
                    code,
                    description,
                    details,
                })
            }
            _ => unreachable!("frame_type() returns 2, 3 or 4"),
        }
    }

    #[cold]
    #[inline(never)]
    fn fail(&self, kind: ErrorKind, description: String, detail: Detail) -> FrameError {
        FrameError::new(
            self.version,
            kind,
            self.id.as_ref().map(Str::as_str),
            description,
            detail,
        )
    }

    #[cold]
    #[inline(never)]
    fn json(&self, e: ParseError) -> FrameError {
        self.fail(ErrorKind::Format, e.to_string(), Detail::Offset(e.offset))
    }

    #[cold]
    #[inline(never)]
    fn count_error(&self, frame: &str, n: usize) -> FrameError {
        self.fail(
            ErrorKind::Format,
            format!("a {frame} frame has {n} elements"),
            Detail::None,
        )
    }

    /// The next element, or `None` at the closing bracket.
    fn element(&mut self) -> Result<Option<Value<'a>>, FrameError> {
        if self.closed {
            return Ok(None);
        }
        let more = if self.count == 0 {
            self.p.peek() != Some(b']') || {
                self.p.expect(b']').map_err(|e| self.json(e))?;
                false
            }
        } else {
            self.p.array_next().map_err(|e| self.json(e))?
        };
        if !more {
            self.closed = true;
            return Ok(None);
        }
        let v = self.p.value().map_err(|e| self.json(e))?;
        self.count += 1;
        Ok(Some(v))
    }

    fn frame_type(&mut self) -> Result<u8, FrameError> {
        match self.element()? {
            Some(Value::Int(t @ 2..=4)) => {
                let t = u8::try_from(t).expect("2..=4 fits u8");
                self.frame_type = Some(t);
                Ok(t)
            }
            Some(Value::Int(other)) => Err(self.unsupported_type(other)),
            Some(_) => Err(self.fail(
                ErrorKind::RpcFramework,
                "MessageTypeId is not an integer".to_owned(),
                Detail::None,
            )),
            None => Err(self.fail(
                ErrorKind::Format,
                "frame is an empty array".to_owned(),
                Detail::None,
            )),
        }
    }

    #[cold]
    #[inline(never)]
    fn unsupported_type(&mut self, t: i64) -> FrameError {
        if let Ok(Some(Value::Str(id))) = self.element() {
            if (1..=MAX_ID_LEN).contains(&id.as_str().chars().count()) {
                self.id = Some(id);
            }
        }
        self.fail(
            ErrorKind::MessageTypeNotSupported,
            format!("MessageTypeId {t} is not supported"),
            Detail::None,
        )
    }

    fn message_id(&mut self) -> Result<(), FrameError> {
        match self.element()? {
            Some(Value::Str(id)) => {
                let n = id.as_str().len();
                let ok = n > 0 && (n <= MAX_ID_LEN || id.as_str().chars().count() <= MAX_ID_LEN);
                self.id = Some(id);
                if ok {
                    Ok(())
                } else {
                    Err(self.fail(
                        ErrorKind::RpcFramework,
                        "messageId must be 1 to 36 characters".to_owned(),
                        Detail::None,
                    ))
                }
            }
            Some(_) => Err(self.fail(
                ErrorKind::RpcFramework,
                "messageId is not a string".to_owned(),
                Detail::None,
            )),
            None => Err(self.fail(
                ErrorKind::RpcFramework,
                "frame has no messageId".to_owned(),
                Detail::None,
            )),
        }
    }

    fn action(&mut self) -> Result<Str<'a>, FrameError> {
        let action = self.string("CALL", "action")?;
        if action.as_str().is_empty() {
            return Err(self.fail(
                ErrorKind::Format,
                "action is empty".to_owned(),
                Detail::None,
            ));
        }
        self.action = Some(action.clone());
        Ok(action)
    }

    fn string(&mut self, frame: &str, what: &str) -> Result<Str<'a>, FrameError> {
        match self.element()? {
            Some(Value::Str(s)) => Ok(s),
            Some(_) => Err(self.fail(
                ErrorKind::Format,
                format!("{frame} {what} is not a string"),
                Detail::None,
            )),
            None => Err(self.count_error(frame, self.count)),
        }
    }

    fn object(&mut self, frame: &str, what: &str) -> Result<Value<'a>, FrameError> {
        match self.element()? {
            Some(v @ Value::Object(_)) => Ok(v),
            Some(_) => Err(self.fail(
                ErrorKind::Format,
                format!("{frame} {what} is not an object"),
                Detail::Path(String::new()),
            )),
            None => Err(self.count_error(frame, self.count)),
        }
    }

    /// No element may follow, and nothing after the array.
    fn end(&mut self, frame: &str, n: usize) -> Result<(), FrameError> {
        if self.element()?.is_some() {
            let mut extra = n + 1;
            while let Ok(Some(_)) = self.element() {
                extra += 1;
            }
            return Err(self.count_error(frame, extra));
        }
        self.p.finish().map_err(|e| self.json(e))
    }
}
