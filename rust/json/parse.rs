//! A recursive-descent JSON parser over UTF-8 text (RFC 8259), with a nesting limit.

use std::cell::Cell;
use std::fmt;

use super::value::{Member, Str, Value};

mod strings;

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
    keys: Vec<Str<'a>>,
    values: Vec<Value<'a>>,
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
            keys: Vec::new(),
            values: Vec::new(),
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

    /// Parses one value (internal).
    fn value_(&mut self) -> R<Value<'a>> {
        self.push_value()?;
        Ok(self.values.pop().expect("push_value pushed one value"))
    }

    /// Parses one value onto the `values` stack. Values are written once, straight into the
    /// stack, rather than returned through the recursion (returned enums were copied while
    /// their bytes were still in flight, which stalled the store buffer).
    fn push_value(&mut self) -> R<()> {
        let v = match self.peek() {
            Some(b'"') => Value::Str(self.string()?),
            Some(b'{') => return self.object(),
            Some(b'[') => return self.array(),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return self.err(ParseReason::UnexpectedChar),
            None => return self.err(ParseReason::UnexpectedEnd),
        };
        self.values.push(v);
        Ok(())
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

    fn array(&mut self) -> R<()> {
        self.enter()?;
        let start = self.values.len();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.push_value()?;
                if !self.array_next_()? {
                    break;
                }
            }
        }
        self.depth -= 1;
        let items: Vec<Value<'a>> = self.values.drain(start..).collect();
        self.values.push(Value::Array(items));
        Ok(())
    }

    fn object(&mut self) -> R<()> {
        self.enter()?;
        let (keys, values) = (self.keys.len(), self.values.len());
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    return self.err_here_or_end();
                }
                let key = self.string()?;
                self.keys.push(key);
                self.expect_(b':')?;
                self.push_value()?;
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
        let members: Vec<Member<'a>> = self
            .keys
            .drain(keys..)
            .zip(self.values.drain(values..))
            .map(|(key, value)| Member { key, value })
            .collect();
        self.values.push(Value::Object(members));
        Ok(())
    }

    fn err_here_or_end<T>(&self) -> R<T> {
        if self.pos >= self.src.len() {
            self.err(ParseReason::UnexpectedEnd)
        } else {
            self.err(ParseReason::UnexpectedChar)
        }
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
#[path = "parse_tests.rs"]
mod tests;
