//! The incremental frame parser: bytes in any split → complete messages and control frames.

use std::fmt;

use super::{
    apply_mask, valid_close_code, CLOSE_INVALID_DATA, CLOSE_PROTOCOL_ERROR, CLOSE_TOO_BIG,
    MAX_CONTROL_PAYLOAD, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT,
};

/// What a client sent, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The peer's close frame: its code (None when the frame had no payload) and reason.
    Close(Option<u16>, String),
}

/// A violation that ends the connection: the close code to send and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    pub code: u16,
    pub reason: String,
}

impl ProtocolError {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        ProtocolError {
            code,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.code)
    }
}

impl std::error::Error for ProtocolError {}

/// A parsed frame header.
struct Header {
    fin: bool,
    opcode: u8,
    key: [u8; 4],
    len: usize,
    /// Header length in bytes (2–14).
    size: usize,
}

/// Parser state for one connection. Holds only the bytes of an incomplete frame and the
/// fragments of an incomplete message; idle, it owns no heap memory.
#[derive(Debug)]
pub struct Parser {
    max_message: usize,
    require_mask: bool,
    /// Received bytes not yet consumed (an incomplete frame).
    pending: Vec<u8>,
    /// The opcode of the fragmented message being assembled, if any.
    fragmented: Option<u8>,
    message: Vec<u8>,
    /// Set after a close frame or a protocol error: later bytes are ignored.
    done: bool,
}

impl Parser {
    /// A server-side parser (client frames must be masked); messages over `max_message`
    /// bytes are refused with 1009.
    pub fn new(max_message: usize) -> Self {
        Parser {
            max_message,
            require_mask: true,
            pending: Vec::new(),
            fragmented: None,
            message: Vec::new(),
            done: false,
        }
    }

    /// A client-side parser: server frames must not be masked.
    pub fn client(max_message: usize) -> Self {
        Parser {
            require_mask: false,
            ..Parser::new(max_message)
        }
    }

    /// True once a close frame or a protocol error was seen.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Bytes held for an incomplete frame or message.
    pub fn buffered(&self) -> usize {
        self.pending.len() + self.message.len()
    }

    /// Parses `data`, appending every complete event to `out`. On a protocol error the events
    /// before it are in `out`, and the parser ignores everything after.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<Event>) -> Result<(), ProtocolError> {
        if self.done {
            return Ok(());
        }
        let result = if self.pending.is_empty() {
            match self.parse_frames(data, out) {
                Ok(used) => {
                    if !self.done {
                        self.pending.extend_from_slice(&data[used..]);
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        } else {
            let mut buf = std::mem::take(&mut self.pending);
            buf.extend_from_slice(data);
            match self.parse_frames(&buf, out) {
                Ok(used) => {
                    if !self.done {
                        buf.drain(..used);
                        if buf.capacity() > 4 * buf.len().max(4096) {
                            buf.shrink_to_fit();
                        }
                        self.pending = buf;
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        };
        if result.is_err() {
            self.fail();
        }
        result
    }

    fn fail(&mut self) {
        self.done = true;
        self.pending = Vec::new();
        self.message = Vec::new();
    }

    /// Parses complete frames from `data`; returns how many bytes were consumed.
    fn parse_frames(&mut self, data: &[u8], out: &mut Vec<Event>) -> Result<usize, ProtocolError> {
        let mut at = 0;
        while !self.done {
            let Some(header) = self.header(&data[at..])? else {
                break;
            };
            let end = at + header.size + header.len;
            if data.len() < end {
                break;
            }
            let mut payload = data[at + header.size..end].to_vec();
            if self.require_mask {
                apply_mask(&mut payload, header.key, 0);
            }
            at = end;
            self.on_frame(&header, payload, out)?;
        }
        Ok(at)
    }

    /// The header at the start of `data`, None when incomplete. Limits are checked here, so
    /// an oversized or malformed frame is refused before its payload arrives.
    fn header(&self, data: &[u8]) -> Result<Option<Header>, ProtocolError> {
        if data.len() < 2 {
            return Ok(None);
        }
        let (b0, b1) = (data[0], data[1]);
        let fin = b0 & 0x80 != 0;
        let opcode = b0 & 0x0F;
        if b0 & 0x70 != 0 {
            return Err(ProtocolError::new(
                CLOSE_PROTOCOL_ERROR,
                "reserved bits set",
            ));
        }
        let masked = b1 & 0x80 != 0;
        if masked != self.require_mask {
            let what = if masked {
                "masked server frame"
            } else {
                "unmasked client frame"
            };
            return Err(ProtocolError::new(CLOSE_PROTOCOL_ERROR, what));
        }
        let (len, mut size) = match b1 & 0x7F {
            126 => {
                if data.len() < 4 {
                    return Ok(None);
                }
                (u64::from(u16::from_be_bytes([data[2], data[3]])), 4)
            }
            127 => {
                if data.len() < 10 {
                    return Ok(None);
                }
                let mut word = [0u8; 8];
                word.copy_from_slice(&data[2..10]);
                let len = u64::from_be_bytes(word);
                if len >> 63 != 0 {
                    return Err(ProtocolError::new(
                        CLOSE_PROTOCOL_ERROR,
                        "length with the high bit set",
                    ));
                }
                (len, 10)
            }
            short => (u64::from(short), 2),
        };
        self.check_frame(fin, opcode, len)?;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let mut key = [0u8; 4];
        if masked {
            if data.len() < size + 4 {
                return Ok(None);
            }
            key.copy_from_slice(&data[size..size + 4]);
            size += 4;
        }
        Ok(Some(Header {
            fin,
            opcode,
            key,
            len,
            size,
        }))
    }

    fn check_frame(&self, fin: bool, opcode: u8, len: u64) -> Result<(), ProtocolError> {
        match opcode {
            OP_CLOSE | OP_PING | OP_PONG => {
                if !fin {
                    return Err(ProtocolError::new(
                        CLOSE_PROTOCOL_ERROR,
                        "fragmented control frame",
                    ));
                }
                if len > MAX_CONTROL_PAYLOAD as u64 {
                    return Err(ProtocolError::new(
                        CLOSE_PROTOCOL_ERROR,
                        "control frame over 125 bytes",
                    ));
                }
                Ok(())
            }
            OP_TEXT | OP_BINARY if self.fragmented.is_some() => Err(ProtocolError::new(
                CLOSE_PROTOCOL_ERROR,
                "new data frame inside a fragmented message",
            )),
            OP_CONTINUATION if self.fragmented.is_none() => Err(ProtocolError::new(
                CLOSE_PROTOCOL_ERROR,
                "continuation frame without a message to continue",
            )),
            OP_TEXT | OP_BINARY | OP_CONTINUATION => {
                if (self.message.len() as u64).saturating_add(len) > self.max_message as u64 {
                    return Err(ProtocolError::new(
                        CLOSE_TOO_BIG,
                        format!("message over {} bytes", self.max_message),
                    ));
                }
                Ok(())
            }
            other => Err(ProtocolError::new(
                CLOSE_PROTOCOL_ERROR,
                format!("unknown opcode {other:#x}"),
            )),
        }
    }

    fn on_frame(
        &mut self,
        header: &Header,
        payload: Vec<u8>,
        out: &mut Vec<Event>,
    ) -> Result<(), ProtocolError> {
        match header.opcode {
            OP_PING => out.push(Event::Ping(payload)),
            OP_PONG => out.push(Event::Pong(payload)),
            OP_CLOSE => {
                out.push(close_event(&payload)?);
                self.fail();
            }
            OP_CONTINUATION => {
                self.message.extend_from_slice(&payload);
                if header.fin {
                    let opcode = self.fragmented.take().unwrap_or(OP_BINARY);
                    let message = std::mem::take(&mut self.message);
                    out.push(message_event(opcode, message)?);
                }
            }
            opcode if header.fin => out.push(message_event(opcode, payload)?),
            opcode => {
                self.fragmented = Some(opcode);
                self.message = payload;
            }
        }
        Ok(())
    }
}

fn message_event(opcode: u8, payload: Vec<u8>) -> Result<Event, ProtocolError> {
    if opcode == OP_TEXT {
        String::from_utf8(payload)
            .map(Event::Text)
            .map_err(|_| ProtocolError::new(CLOSE_INVALID_DATA, "text message is not UTF-8"))
    } else {
        Ok(Event::Binary(payload))
    }
}

fn close_event(payload: &[u8]) -> Result<Event, ProtocolError> {
    match payload {
        [] => Ok(Event::Close(None, String::new())),
        [_] => Err(ProtocolError::new(
            CLOSE_PROTOCOL_ERROR,
            "close frame of one byte",
        )),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !valid_close_code(code) {
                return Err(ProtocolError::new(
                    CLOSE_PROTOCOL_ERROR,
                    format!("invalid close code {code}"),
                ));
            }
            let reason = std::str::from_utf8(reason)
                .map_err(|_| ProtocolError::new(CLOSE_INVALID_DATA, "close reason is not UTF-8"))?;
            Ok(Event::Close(Some(code), reason.to_owned()))
        }
    }
}
