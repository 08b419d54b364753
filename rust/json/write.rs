//! Compact JSON text (no spaces), UTF-8 left unescaped.

use std::fmt::{self, Write as _};

use super::value::Value;

/// JSON cannot carry NaN or infinities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteError;

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NaN and infinite floats cannot be written as JSON")
    }
}

pub fn write_value(out: &mut String, v: &Value<'_>) -> Result<(), WriteError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => write_float(out, *f)?,
        Value::Str(s) => write_str(out, s.as_str()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, m.key.as_str());
                out.push(':');
                write_value(out, &m.value)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Shortest text that reads back as the same `f64`; always has a `.` or an exponent so it
/// reads back as a float (`5.0`, `1e300`, `0.1`).
fn write_float(out: &mut String, f: f64) -> Result<(), WriteError> {
    if !f.is_finite() {
        return Err(WriteError);
    }
    let _ = write!(out, "{f:?}");
    Ok(())
}

pub fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(esc);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn round(text: &str) -> String {
        let v = parse(text).expect("valid test JSON");
        let mut out = String::new();
        write_value(&mut out, &v).expect("finite");
        out
    }

    #[test]
    fn compact_and_stable() {
        assert_eq!(
            round(r#" [ 2 , "a\"b\\c\n\u0001é" , {"k": [1.5, -0, 5.0, 1e300, true, null]} ] "#),
            "[2,\"a\\\"b\\\\c\\n\\u0001é\",{\"k\":[1.5,0,5.0,1e300,true,null]}]"
        );
    }

    #[test]
    fn non_finite_refused() {
        let mut out = String::new();
        assert_eq!(
            write_value(&mut out, &Value::Float(f64::NAN)),
            Err(WriteError)
        );
    }
}
