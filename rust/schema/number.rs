//! `integer` / `number` with `minimum`, `maximum`, `multipleOf`.
//!
//! `integer` accepts an integral float (`5.0`, `1e2`), as draft-06 does (the 2.x schemas'
//! draft), on every version, and normalises it to an integer so handlers see `5`. `multipleOf`
//! (0.1 in the 1.6 charging-profile schemas) is checked with a relative tolerance of 1e-9,
//! because `21.4 / 0.1` is not exactly 214 in binary floating point.

use super::compile::{get, CompileError, Doc};
use super::node::NumberNode;
use super::validate::Validator;
use crate::errors::ErrorKind;
use crate::json::{Member, Value};

pub(crate) const KEYWORDS: &[&str] = &["minimum", "maximum", "multipleOf"];

/// Integral floats beyond this magnitude are not normalised to `i64`.
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

pub(crate) fn compile(
    doc: &Doc<'_>,
    members: &[Member<'_>],
    pointer: &str,
) -> Result<NumberNode, CompileError> {
    let num = |key: &str| -> Result<Option<f64>, CompileError> {
        match get(members, key) {
            None => Ok(None),
            Some(Value::Int(i)) => Ok(Some(as_f64(*i))),
            Some(Value::Float(f)) => Ok(Some(*f)),
            Some(_) => Err(doc.error(pointer, format!("{key} must be a number"))),
        }
    };
    let node = NumberNode {
        minimum: num("minimum")?,
        maximum: num("maximum")?,
        multiple_of: num("multipleOf")?,
    };
    if node.multiple_of.is_some_and(|m| m <= 0.0) {
        return Err(doc.error(pointer, "multipleOf must be positive"));
    }
    Ok(node)
}

pub(crate) fn validate_integer(v: &mut Validator<'_>, n: &NumberNode, value: &mut Value<'_>) {
    match *value {
        Value::Int(i) => bounds(v, n, as_f64(i)),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < I64_LIMIT => {
            // In range and integral: the conversion is exact.
            #[allow(clippy::cast_possible_truncation)]
            let i = f as i64;
            *value = Value::Int(i);
            bounds(v, n, f);
        }
        _ => v.type_error("integer", value),
    }
}

pub(crate) fn validate_number(v: &mut Validator<'_>, n: &NumberNode, value: &Value<'_>) {
    match *value {
        Value::Int(i) => bounds(v, n, as_f64(i)),
        Value::Float(f) => bounds(v, n, f),
        _ => v.type_error("number", value),
    }
}

#[inline]
fn bounds(v: &mut Validator<'_>, n: &NumberNode, x: f64) {
    if n.minimum.is_some_and(|min| x < min) || n.maximum.is_some_and(|max| x > max) {
        out_of_range(v, n);
    } else if n.multiple_of.is_some_and(|m| !is_multiple(x, m)) {
        v.report(
            ErrorKind::Property,
            format!("not a multiple of {}", n.multiple_of.unwrap_or(1.0)),
        );
    }
}

/// Compared with schema bounds, which are small: rounding above 2^53 cannot change a result.
#[allow(clippy::cast_precision_loss)]
fn as_f64(i: i64) -> f64 {
    i as f64
}

fn is_multiple(x: f64, m: f64) -> bool {
    let q = x / m;
    (q - q.round()).abs() <= 1e-9 * q.abs().max(1.0)
}

#[cold]
#[inline(never)]
fn out_of_range(v: &mut Validator<'_>, n: &NumberNode) {
    let msg = match (n.minimum, n.maximum) {
        (Some(min), Some(max)) => format!("number outside [{min}, {max}]"),
        (Some(min), None) => format!("number below the minimum {min}"),
        (_, Some(max)) => format!("number above the maximum {max}"),
        (None, None) => String::new(),
    };
    v.report(ErrorKind::Property, msg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_with_tolerance() {
        assert!(is_multiple(21.4, 0.1));
        assert!(is_multiple(32.0, 0.1));
        assert!(is_multiple(0.0, 0.1));
        assert!(!is_multiple(4.11, 0.1));
        assert!(is_multiple(1e6 + 0.3, 0.1));
    }
}
