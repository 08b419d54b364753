//! A recursive-descent JSON parser over UTF-8 text (RFC 8259), with a nesting limit.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use super::value::{Member, Str, Value};

/// Deeper nesting is refused (no OCPP payload comes close; it bounds the stack).
const MAX_DEPTH: u32 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseReason {
    UnexpectedEnd,
    UnexpectedChar,
    BadEscape,
    LoneSurrogate,
    ControlChar,
    BadNumber,
    NumberOutOfRange,
    TooDeep,
    TrailingData,
}

/// Where and why the text is not JSON. Never carries the text itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub reason: ParseReason,
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.reason {
            ParseReason::UnexpectedEnd => "unexpected end of input",
            ParseReason::UnexpectedChar => "unexpected character",
            ParseReason::BadEscape => "invalid escape in string",
            ParseReason::LoneSurrogate => "unpaired UTF-16 surrogate escape",
            ParseReason::ControlChar => "control character in string",
            ParseReason::BadNumber => "malformed number",
            ParseReason::NumberOutOfRange => "number out of range",
            ParseReason::TooDeep => "nesting too deep",
            ParseReason::TrailingData => "data after the JSON value",
        };
        write!(f, "invalid JSON: {what} at byte {}", self.offset)
    }
}

/// Parses one complete JSON document (leading/trailing whitespace and a UTF-8 BOM allowed).
pub fn parse(src: &str) -> Result<Value<'_>, ParseError> {
    let mut p = Parser::new(src.strip_prefix('\u{feff}').unwrap_or(src));
    let v = p.value()?;
    p.finish()?;
    Ok(v)
}

/// A cursor over JSON text; the frame decoder drives it element by element.
pub struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: u32,
    /// Members / items of the open containers; each container takes its own off the top
    /// when it closes, in one exact-size allocation.
    members: Vec<Member<'a>>,
    items: Vec<Value<'a>>,
    /// Why the last `Fail` happened. Internal results carry a zero-sized `Fail` so values
    /// move as plain words (a `ParseError` in every `Result` made them move byte-wise).
    failure: Cell<ParseError>,
}

/// Internal failure marker; details are in `Parser::failure`.
#[derive(Clone, Copy, Debug)]
struct Fail;

type R<T> = Result<T, Fail>;

impl<'a> Parser<'a> {
    pub fn new(src: &'a str) -> Self {
        Parser {
            src,
            pos: 0,
            depth: 0,
            members: Vec::new(),
            items: Vec::new(),
            failure: Cell::new(ParseError {
                reason: ParseReason::UnexpectedEnd,
                offset: 0,
            }),
        }
    }

    pub fn offset(&self) -> usize {
        self.pos
    }

    #[cold]
    #[inline(never)]
    fn err<T>(&self, reason: ParseReason) -> R<T> {
        self.failure.set(ParseError {
            reason,
            offset: self.pos,
        });
        Err(Fail)
    }

    fn public<T>(&self, r: R<T>) -> Result<T, ParseError> {
        r.map_err(|Fail| self.failure.get())
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    #[inline]
    pub fn skip_ws(&mut self) {
        let b = self.bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\n' | b'\r' | b'\t') {
            self.pos += 1;
        }
    }

    /// The next non-whitespace byte, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes().get(self.pos).copied()
    }

    /// Consumes `byte` after optional whitespace.
    #[inline]
    fn expect_(&mut self, byte: u8) -> R<()> {
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => self.err(ParseReason::UnexpectedChar),
            None => self.err(ParseReason::UnexpectedEnd),
        }
    }

    /// After an array element: `Ok(true)` on `,`, `Ok(false)` on `]` (both consumed).
    #[inline]
    fn array_next_(&mut self) -> R<bool> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(_) => self.err(ParseReason::UnexpectedChar),
            None => self.err(ParseReason::UnexpectedEnd),
        }
    }

    /// Only whitespace may follow.
    fn finish_(&mut self) -> R<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.err(ParseReason::TrailingData),
        }
    }

    /// Consumes `byte` after optional whitespace.
    pub fn expect(&mut self, byte: u8) -> Result<(), ParseError> {
        let r = self.expect_(byte);
        self.public(r)
    }

    /// After an array element: `Ok(true)` on `,`, `Ok(false)` on `]` (both consumed).
    pub fn array_next(&mut self) -> Result<bool, ParseError> {
        let r = self.array_next_();
        self.public(r)
    }

    /// Only whitespace may follow.
    pub fn finish(&mut self) -> Result<(), ParseError> {
        let r = self.finish_();
        self.public(r)
    }

    /// Parses one value.
    pub fn value(&mut self) -> Result<Value<'a>, ParseError> {
        let r = self.value_();
        self.public(r)
    }

    /// A container element: strings and numbers inline, containers by recursion.
    #[inline(always)]
    fn element(&mut self) -> R<Value<'a>> {
        match self.peek() {
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.value_(),
        }
    }

    /// Parses one value (internal).
    fn value_(&mut self) -> R<Value<'a>> {
        match self.peek() {
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.err(ParseReason::UnexpectedChar),
            None => self.err(ParseReason::UnexpectedEnd),
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> R<Value<'a>> {
        if self.src.as_bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.err(ParseReason::UnexpectedChar)
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(ParseReason::TooDeep);
        }
        self.pos += 1;
        Ok(())
    }

    fn array(&mut self) -> R<Value<'a>> {
        self.enter()?;
        let start = self.items.len();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                let v = self.element()?;
                self.items.push(v);
                if !self.array_next_()? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Array(self.items.drain(start..).collect()))
    }

    fn object(&mut self) -> R<Value<'a>> {
        self.enter()?;
        let start = self.members.len();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    return self.err_here_or_end();
                }
                let key = self.string()?;
                self.expect_(b':')?;
                let value = self.element()?;
                self.members.push(Member { key, value });
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.err_here_or_end(),
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Object(self.members.drain(start..).collect()))
    }

    fn err_here_or_end<T>(&self) -> R<T> {
        if self.pos >= self.src.len() {
            self.err(ParseReason::UnexpectedEnd)
        } else {
            self.err(ParseReason::UnexpectedChar)
        }
    }

    /// Parses a string at the opening quote; borrows when it has no escapes.
    #[inline(always)]
    fn string(&mut self) -> R<Str<'a>> {
        let b = self.bytes();
        self.pos += 1;
        let start = self.pos;
        self.skip_plain();
        while self.pos < b.len() {
            match b[self.pos] {
                b'"' => {
                    let text = &self.src[start..self.pos];
                    self.pos += 1;
                    return Ok(Str::borrowed(text));
                }
                b'\\' => return self.string_escaped(start),
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
                        atom: super::NO_ATOM,
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

    fn digits(&mut self) -> usize {
        let b = self.bytes();
        let start = self.pos;
        while self.pos < b.len() && b[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> R<Value<'a>> {
        let b = self.bytes();
        let start = self.pos;
        if b[self.pos] == b'-' {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = self.digits();
        if n == 0 || (n > 1 && b[int_start] == b'0') {
            return self.err(ParseReason::BadNumber);
        }
        let mut integral = true;
        if b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            integral = false;
            if self.digits() == 0 {
                return self.err(ParseReason::BadNumber);
            }
        }
        if matches!(b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            integral = false;
            if matches!(b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err(ParseReason::BadNumber);
            }
        }
        let text = &self.src[start..self.pos];
        if integral && n <= 18 {
            return text
                .parse::<i64>()
                .map(Value::Int)
                .or_else(|_| self.err(ParseReason::BadNumber));
        }
        if integral {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => self.err(ParseReason::NumberOutOfRange),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> ParseReason {
        parse(text).expect_err("must fail").reason
    }

    #[test]
    fn values() {
        let v =
            parse("\u{feff} {\"a\": [1, -2.5, \"x\\u00e9\\ud83d\\ude00\", true, false, null]} ")
                .expect("valid");
        let a = v.get("a").expect("a");
        let Value::Array(items) = a else {
            panic!("array")
        };
        assert_eq!(items[0], Value::Int(1));
        assert_eq!(items[1], Value::Float(-2.5));
        assert_eq!(items[2].as_str(), Some("xé😀"));
        assert_eq!(items[5], Value::Null);
        assert_eq!(
            parse("12345678901234567890").expect("big"),
            Value::Float(1.234_567_890_123_456_8e19)
        );
        assert_eq!(
            parse("-9223372036854775808").expect("min"),
            Value::Int(i64::MIN)
        );
    }

    #[test]
    fn borrowed_unless_escaped() {
        let v = parse(r#"["plain", "esc\n"]"#).expect("valid");
        let Value::Array(items) = v else {
            panic!("array")
        };
        let Value::Str(plain) = &items[0] else {
            panic!("str")
        };
        assert!(matches!(plain.text, Cow::Borrowed(_)));
        let Value::Str(esc) = &items[1] else {
            panic!("str")
        };
        assert!(matches!(esc.text, Cow::Owned(_)));
    }

    #[test]
    fn errors() {
        assert_eq!(reason(""), ParseReason::UnexpectedEnd);
        assert_eq!(reason("[1,]"), ParseReason::UnexpectedChar);
        assert_eq!(reason("[1] x"), ParseReason::TrailingData);
        assert_eq!(reason("01"), ParseReason::BadNumber);
        assert_eq!(reason("-"), ParseReason::BadNumber);
        assert_eq!(reason("1."), ParseReason::BadNumber);
        assert_eq!(reason("1e999"), ParseReason::NumberOutOfRange);
        assert_eq!(reason("\"a\u{1}\""), ParseReason::ControlChar);
        assert_eq!(reason(r#""\x""#), ParseReason::BadEscape);
        assert_eq!(reason(r#""\ud800""#), ParseReason::LoneSurrogate);
        assert_eq!(reason(r#"{"a" 1}"#), ParseReason::UnexpectedChar);
        assert_eq!(reason(r#"{1:2}"#), ParseReason::UnexpectedChar);
        assert_eq!(reason("tru"), ParseReason::UnexpectedChar);
        assert_eq!(reason(&"[".repeat(100)), ParseReason::TooDeep);
    }
}
