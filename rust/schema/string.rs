//! `maxLength`, `enum`, `format`.

use super::compile::{count, get, Builder, CompileError, Doc};
use super::format;
use super::node::{same, Format, StringNode};
use super::validate::Validator;
use crate::errors::ErrorKind;
use crate::json::{Member, Str, Value};

pub(crate) const KEYWORDS: &[&str] = &["maxLength", "enum", "format"];

/// Allowed values listed in an enum violation message, at most this many bytes.
const MAX_LISTED: usize = 160;

pub(crate) fn compile(
    b: &mut Builder,
    doc: &Doc<'_>,
    members: &[Member<'_>],
    pointer: &str,
) -> Result<StringNode, CompileError> {
    let max_len = get(members, "maxLength")
        .map(|n| count(doc, n, pointer, "maxLength"))
        .transpose()?;
    let enumeration = match get(members, "enum") {
        Some(Value::Array(values)) => {
            let mut out = Vec::with_capacity(values.len());
            for value in values {
                let s = value
                    .as_str()
                    .ok_or_else(|| doc.error(pointer, "enum of a string lists a non-string"))?;
                out.push((Box::from(s), b.atom(s)));
            }
            Some(out.into_boxed_slice())
        }
        Some(_) => return Err(doc.error(pointer, "enum is not an array")),
        None => None,
    };
    let format = match get(members, "format").map(|f| f.as_str()) {
        None => None,
        Some(Some("date-time")) => Some(Format::DateTime),
        Some(Some("uri")) => Some(Format::Uri),
        Some(_) => return Err(doc.error(pointer, "unsupported format")),
    };
    Ok(StringNode {
        max_len,
        enumeration,
        format,
    })
}

pub(crate) fn validate(v: &mut Validator<'_>, s: &StringNode, text: &mut Str<'_>) {
    if let Some(values) = &s.enumeration {
        match values
            .iter()
            .find(|(allowed, _)| same(allowed, text.as_str()))
        {
            Some((_, atom)) => text.atom = *atom,
            None => not_in_enum(v, values),
        }
        return;
    }
    let t = text.as_str();
    if let Some(max) = s.max_len {
        // Byte length bounds the code-point count from above: count only when it may exceed.
        if t.len() > max && t.chars().count() > max {
            v.report(
                ErrorKind::Property,
                format!("string longer than {max} characters"),
            );
            return;
        }
    }
    match s.format {
        Some(Format::DateTime) if !format::is_date_time(t) => {
            v.report(ErrorKind::Property, "not an RFC 3339 date-time".to_owned());
        }
        Some(Format::Uri) if !format::is_uri(t) => {
            v.report(ErrorKind::Property, "not a URI".to_owned());
        }
        _ => {}
    }
}

#[cold]
#[inline(never)]
fn not_in_enum(v: &mut Validator<'_>, values: &[(Box<str>, u32)]) {
    let mut msg = String::from("value not allowed; expected one of: ");
    for (i, (allowed, _)) in values.iter().enumerate() {
        if msg.len() + allowed.len() > MAX_LISTED {
            msg.push_str(", …");
            break;
        }
        if i > 0 {
            msg.push_str(", ");
        }
        msg.push_str(allowed);
    }
    v.report(ErrorKind::Property, msg);
}
