//! `items`, `minItems`, `maxItems` (`additionalItems` is accepted and ignored: it only
//! constrains tuple-form `items`, which no OCA schema uses).

use super::compile::{count, get, schema, Builder, CompileError, Doc};
use super::node::ArrayNode;
use super::validate::Validator;
use crate::errors::ErrorKind;
use crate::json::{Member, Value};

pub(crate) const KEYWORDS: &[&str] = &["items", "minItems", "maxItems", "additionalItems"];

pub(crate) fn compile(
    b: &mut Builder,
    doc: &Doc<'_>,
    members: &[Member<'_>],
    pointer: &str,
) -> Result<ArrayNode, CompileError> {
    let items = match get(members, "items") {
        Some(v @ Value::Object(_)) => Some(schema(b, doc, v, &format!("{pointer}/items"))?),
        Some(_) => return Err(doc.error(pointer, "only a single items schema is supported")),
        None => None,
    };
    if !matches!(get(members, "additionalItems"), None | Some(Value::Bool(_))) {
        return Err(doc.error(pointer, "additionalItems must be a boolean"));
    }
    let min_items = get(members, "minItems")
        .map(|n| count(doc, n, pointer, "minItems"))
        .transpose()?;
    let max_items = get(members, "maxItems")
        .map(|n| count(doc, n, pointer, "maxItems"))
        .transpose()?;
    Ok(ArrayNode {
        items,
        min_items,
        max_items,
    })
}

pub(crate) fn validate(v: &mut Validator<'_>, a: &ArrayNode, items: &mut [Value<'_>]) {
    let n = items.len();
    if a.min_items.is_some_and(|min| n < min) || a.max_items.is_some_and(|max| n > max) {
        occurrence(v, a, n);
        if v.stop() {
            return;
        }
    }
    let Some(node) = a.items else { return };
    for (i, item) in items.iter_mut().enumerate() {
        let before = v.out.len();
        v.node(node, item);
        if v.out.len() > before {
            v.prefix_index(before, i);
            if v.stop() {
                return;
            }
        }
    }
}

#[cold]
#[inline(never)]
fn occurrence(v: &mut Validator<'_>, a: &ArrayNode, n: usize) {
    let bound = match (a.min_items, a.max_items) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => String::new(),
    };
    v.report(
        ErrorKind::Occurrence,
        format!("array has {n} items, expected {bound}"),
    );
}
