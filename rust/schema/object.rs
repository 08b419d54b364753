//! `properties`, `required`, `additionalProperties`.

use super::compile::{get, schema, Builder, CompileError, Doc};
use super::node::{ObjectNode, Prop};
use super::validate::Validator;
use crate::errors::ErrorKind;
use crate::json::{Member, Value};

pub(crate) const KEYWORDS: &[&str] = &["properties", "required", "additionalProperties"];

pub(crate) fn compile(
    b: &mut Builder,
    doc: &Doc<'_>,
    members: &[Member<'_>],
    pointer: &str,
) -> Result<ObjectNode, CompileError> {
    let mut props = Vec::new();
    match get(members, "properties") {
        Some(Value::Object(defs)) => {
            for def in defs {
                let name = def.key.as_str();
                let node = schema(b, doc, &def.value, &format!("{pointer}/properties/{name}"))?;
                props.push(Prop {
                    name: name.into(),
                    atom: b.atom(name),
                    node,
                });
            }
        }
        Some(_) => return Err(doc.error(pointer, "properties is not an object")),
        None => {}
    }
    if props.len() > 64 {
        return Err(doc.error(pointer, "more than 64 properties"));
    }
    let required_mask = required(doc, members, &props, pointer)?;
    let additional = match get(members, "additionalProperties") {
        None | Some(Value::Bool(true)) => true,
        Some(Value::Bool(false)) => false,
        Some(_) => return Err(doc.error(pointer, "additionalProperties must be a boolean")),
    };
    Ok(ObjectNode {
        props: props.into_boxed_slice(),
        required_mask,
        additional,
    })
}

fn required(
    doc: &Doc<'_>,
    members: &[Member<'_>],
    props: &[Prop],
    pointer: &str,
) -> Result<u64, CompileError> {
    let mut mask = 0u64;
    let names = match get(members, "required") {
        Some(Value::Array(names)) => names.as_slice(),
        Some(_) => return Err(doc.error(pointer, "required is not an array")),
        None => &[],
    };
    for name in names {
        let name = name
            .as_str()
            .ok_or_else(|| doc.error(pointer, "required lists a non-string"))?;
        let i = props.iter().position(|p| &*p.name == name).ok_or_else(|| {
            doc.error(
                pointer,
                format!("required {name:?} is not a declared property"),
            )
        })?;
        mask |= 1 << i;
    }
    Ok(mask)
}

pub(crate) fn validate(v: &mut Validator<'_>, o: &ObjectNode, members: &mut [Member<'_>]) {
    let mut seen = 0u64;
    let mut hint = 0;
    for m in members.iter_mut() {
        let before = v.out.len();
        if let Some(i) = o.find(m.key.as_str(), &mut hint) {
            let prop = &o.props[i];
            seen |= 1 << i;
            m.key.atom = prop.atom;
            v.node(prop.node, &mut m.value);
        } else if !o.additional {
            v.report(
                ErrorKind::Format,
                "property not allowed by the schema".to_owned(),
            );
        }
        if v.out.len() > before {
            v.prefix_key(before, m.key.as_str());
            if v.stop() {
                return;
            }
        }
    }
    let missing = o.required_mask & !seen;
    if missing != 0 {
        report_missing(v, o, missing);
    }
}

#[cold]
#[inline(never)]
fn report_missing(v: &mut Validator<'_>, o: &ObjectNode, missing: u64) {
    for (i, prop) in o.props.iter().enumerate() {
        if missing & (1 << i) != 0 {
            let before = v.out.len();
            v.report(ErrorKind::Protocol, "required property missing".to_owned());
            v.prefix_key(before, &prop.name);
            if v.stop() {
                return;
            }
        }
    }
}
