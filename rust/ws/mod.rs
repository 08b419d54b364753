//! RFC 6455 WebSocket framing for the server side of the OCPP endpoint: an incremental
//! parser over the bytes received from a charger ([`Parser`]) and an encoder for the
//! frames the server sends ([`encode`]). No I/O, no handshake: the Python connection layer
//! reads the socket, feeds the parser and writes what the encoder returns.
//!
//! Rules enforced on received frames (each violation ends the connection with the close
//! code the RFC names): every client frame is masked (1002), no RSV bits without a
//! negotiated extension (1002), known opcodes only (1002), control frames unfragmented and
//! at most 125 bytes (1002), continuation frames only inside a fragmented message and no new
//! data frame inside one (1002), text messages are UTF-8 (1007), close frames carry a valid
//! code and a UTF-8 reason (1002 / 1007), messages at most `max_message` bytes (1009).

mod encode;
mod parse;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use encode::{encode, encode_close, mask_frame};
pub use parse::{Event, Parser, ProtocolError};

/// Frame opcodes (RFC 6455 §5.2).
pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// Close codes (RFC 6455 §7.4.1) the framer itself produces.
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub const CLOSE_INVALID_DATA: u16 = 1007;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_TOO_BIG: u16 = 1009;

/// Longest payload of a control frame.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// A close code a peer may send in a close frame (§7.4.1–7.4.2): the registered codes
/// except those reserved for local use (1004–1006, 1015), and the 3000–4999 range.
pub fn valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// XORs `data` with the 4-byte `key`, starting at key position `offset % 4`.
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    let mut rotated = [0u8; 4];
    for (i, slot) in rotated.iter_mut().enumerate() {
        *slot = key[(offset + i) % 4];
    }
    let wide = u64::from_ne_bytes([
        rotated[0], rotated[1], rotated[2], rotated[3], rotated[0], rotated[1], rotated[2],
        rotated[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= rotated[i % 4];
    }
}
