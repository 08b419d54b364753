//! Strings: a word-at-a-time scan for the common unescaped case, escapes out of line.

use std::borrow::Cow;

use super::{ParseReason, Parser, R};
use crate::json::value::Str;

impl<'a> Parser<'a> {
    /// Parses a string at the opening quote; borrows when it has no escapes. Inlined so the
    /// `Str` is built in registers at its destination (returned through memory, its bytes were
    /// re-read while still in the store buffer: a stall per string).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn string(&mut self) -> R<Str<'a>> {
        self.pos += 1;
        let start = self.pos;
        if self.scan_plain()? {
            Ok(Str::borrowed(&self.src[start..self.pos - 1]))
        } else {
            self.string_escaped(start)
        }
    }

    /// Scans the rest of a string: `Ok(true)` after its closing quote when it has no escapes,
    /// `Ok(false)` at the first backslash.
    #[inline]
    fn scan_plain(&mut self) -> R<bool> {
        let b = self.bytes();
        self.skip_plain();
        while self.pos < b.len() {
            match b[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(true);
                }
                b'\\' => return Ok(false),
                0..=0x1f => return self.err(ParseReason::ControlChar),
                _ => self.pos += 1,
            }
        }
        self.err(ParseReason::UnexpectedEnd)
    }

    /// Skips 8 bytes at a time while none is `"`, `\\` or a control character.
    #[inline]
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let b = self.bytes();
        while let Some(chunk) = b.get(self.pos..self.pos + 8) {
            let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            let quote = w ^ (ONES * u64::from(b'"'));
            let slash = w ^ (ONES * u64::from(b'\\'));
            let hits = (quote.wrapping_sub(ONES) & !quote)
                | (slash.wrapping_sub(ONES) & !slash)
                | (w.wrapping_sub(ONES * 0x20) & !w);
            let hits = hits & HIGH;
            if hits != 0 {
                self.pos += (hits.trailing_zeros() / 8) as usize;
                return;
            }
            self.pos += 8;
        }
    }

    #[inline(never)]
    fn string_escaped(&mut self, start: usize) -> R<Str<'a>> {
        let b = self.bytes();
        let mut out = String::with_capacity(self.pos - start + 16);
        let mut run = start;
        while self.pos < b.len() {
            match b[self.pos] {
                b'"' => {
                    out.push_str(&self.src[run..self.pos]);
                    self.pos += 1;
                    return Ok(Str {
                        text: Cow::Owned(out),
                        atom: crate::json::NO_ATOM,
                    });
                }
                b'\\' => {
                    out.push_str(&self.src[run..self.pos]);
                    self.pos += 1;
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                0..=0x1f => return self.err(ParseReason::ControlChar),
                _ => self.pos += 1,
            }
        }
        self.err(ParseReason::UnexpectedEnd)
    }

    /// After the backslash: one escape sequence into `out`.
    fn escape(&mut self, out: &mut String) -> R<()> {
        let Some(&c) = self.bytes().get(self.pos) else {
            return self.err(ParseReason::UnexpectedEnd);
        };
        self.pos += 1;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode_escape()?,
            _ => return self.err(ParseReason::BadEscape),
        };
        out.push(ch);
        Ok(())
    }

    fn unicode_escape(&mut self) -> R<char> {
        let hi = self.hex4()?;
        if !(0xD800..0xE000).contains(&hi) {
            return char::from_u32(hi).map_or_else(|| self.err(ParseReason::BadEscape), Ok);
        }
        if hi >= 0xDC00 || !self.bytes()[self.pos..].starts_with(b"\\u") {
            return self.err(ParseReason::LoneSurrogate);
        }
        self.pos += 2;
        let lo = self.hex4()?;
        if !(0xDC00..0xE000).contains(&lo) {
            return self.err(ParseReason::LoneSurrogate);
        }
        let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        char::from_u32(code).map_or_else(|| self.err(ParseReason::BadEscape), Ok)
    }

    fn hex4(&mut self) -> R<u32> {
        let Some(digits) = self.bytes().get(self.pos..self.pos + 4) else {
            return self.err(ParseReason::UnexpectedEnd);
        };
        let mut n = 0u32;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return self.err(ParseReason::BadEscape),
            };
            n = n * 16 + u32::from(v);
        }
        self.pos += 4;
        Ok(n)
    }
}
