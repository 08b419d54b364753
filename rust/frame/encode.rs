//! Compact OCPP-J frames.

use crate::json::{write_str, write_value, Value, WriteError};

/// OCPP-J 2.x bounds `ErrorDescription` to 255 characters; applied on every version.
pub const MAX_DESCRIPTION_CHARS: usize = 255;

pub fn encode_call(id: &str, action: &str, payload: &Value<'_>) -> Result<String, WriteError> {
    let mut out = String::with_capacity(256);
    out.push_str("[2,");
    write_str(&mut out, id);
    out.push(',');
    write_str(&mut out, action);
    out.push(',');
    write_value(&mut out, payload)?;
    out.push(']');
    Ok(out)
}

pub fn encode_result(id: &str, payload: &Value<'_>) -> Result<String, WriteError> {
    let mut out = String::with_capacity(128);
    out.push_str("[3,");
    write_str(&mut out, id);
    out.push(',');
    write_value(&mut out, payload)?;
    out.push(']');
    Ok(out)
}

/// `[4, id, code, description, details]`; `description` is cut to 255 characters.
pub fn encode_error(
    id: &str,
    code: &str,
    description: &str,
    details: &Value<'_>,
) -> Result<String, WriteError> {
    let mut out = String::with_capacity(128);
    out.push_str("[4,");
    write_str(&mut out, id);
    out.push(',');
    write_str(&mut out, code);
    out.push(',');
    write_str(
        &mut out,
        super::cut_chars(description, MAX_DESCRIPTION_CHARS),
    );
    out.push(',');
    write_value(&mut out, details)?;
    out.push(']');
    Ok(out)
}
