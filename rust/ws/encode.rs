//! Server frames: always final (FIN set), never masked (§5.1: a server must not mask).

use super::{apply_mask, OP_CLOSE};

/// The frame header for a payload of `len` bytes.
fn header(out: &mut Vec<u8>, opcode: u8, len: usize, masked: bool) {
    out.push(0x80 | (opcode & 0x0F));
    let mask_bit = if masked { 0x80 } else { 0 };
    if len < 126 {
        // fits in the 7-bit length
        out.push(mask_bit | u8::try_from(len).unwrap_or(0));
    } else if let Ok(short) = u16::try_from(len) {
        out.push(mask_bit | 0x7E);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(mask_bit | 0x7F);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// One unmasked, final frame carrying `payload`.
pub fn encode(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    header(&mut out, opcode, payload.len(), false);
    out.extend_from_slice(payload);
    out
}

/// A close frame: the code, then the reason cut to fit 123 bytes on a character boundary.
pub fn encode_close(code: u16, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = Vec::with_capacity(2 + end);
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..end]);
    encode(OP_CLOSE, &payload)
}

/// A masked frame as a client sends it (tests and the simulator); `fin` false for a
/// fragment.
pub fn mask_frame(opcode: u8, payload: &[u8], key: [u8; 4], fin: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    header(&mut out, opcode, payload.len(), true);
    if !fin {
        out[0] &= 0x7F;
    }
    out.extend_from_slice(&key);
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], key, 0);
    out
}
