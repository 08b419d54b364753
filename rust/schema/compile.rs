//! Schema document → validator nodes. Every keyword is checked against the supported set for
//! the node's type: an unknown keyword fails the compile loudly (and the test that compiles
//! every embedded schema).

use std::collections::HashMap;
use std::fmt;

use super::node::{Node, NodeId};
use super::{array, number, object, string};
use crate::json::{self, Member, Value};

/// Keys that carry no validation meaning here. `definitions` is read at the root only.
const ANNOTATIONS: [&str; 8] = [
    "description",
    "javaType",
    "comment",
    "title",
    "$id",
    "$schema",
    "default",
    "definitions",
];

/// A schema the compiler refuses; names the file and a JSON pointer into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "schema {} at {}: {}",
            self.file, self.pointer, self.message
        )
    }
}

impl std::error::Error for CompileError {}

/// The arena and the atom table shared by every document of one version.
#[derive(Default)]
pub(crate) struct Builder {
    pub nodes: Vec<Node>,
    pub atoms: Vec<Box<str>>,
    atom_ids: HashMap<Box<str>, u32>,
}

impl Builder {
    pub fn atom(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.atom_ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.atoms.len()).expect("fewer than 2^32 names");
        self.atoms.push(name.into());
        self.atom_ids.insert(name.into(), id);
        id
    }

    fn push(&mut self, node: Node) -> NodeId {
        let id = NodeId::try_from(self.nodes.len()).expect("fewer than 2^32 nodes");
        self.nodes.push(node);
        id
    }
}

/// One document being compiled: its file name and its definitions.
pub(crate) struct Doc<'d> {
    pub file: &'d str,
    defs: HashMap<&'d str, NodeId>,
}

impl Doc<'_> {
    #[cold]
    #[inline(never)]
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> CompileError {
        CompileError {
            file: self.file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }
}

/// The value of `key` in a schema object.
pub(crate) fn get<'v, 'a>(members: &'v [Member<'a>], key: &str) -> Option<&'v Value<'a>> {
    members
        .iter()
        .find(|m| m.key.as_str() == key)
        .map(|m| &m.value)
}

/// Compiles one file; returns the root node.
pub(crate) fn compile_document(
    b: &mut Builder,
    file: &str,
    text: &str,
) -> Result<NodeId, CompileError> {
    let mut doc = Doc {
        file,
        defs: HashMap::new(),
    };
    let root = json::parse(text).map_err(|e| doc.error("#", e.to_string()))?;
    let Value::Object(members) = &root else {
        return Err(doc.error("#", "schema is not an object"));
    };
    let defs = match get(members, "definitions") {
        Some(Value::Object(defs)) => defs.as_slice(),
        Some(_) => return Err(doc.error("#/definitions", "definitions is not an object")),
        None => &[],
    };
    for def in defs {
        let id = b.push(Node::Pending);
        doc.defs.insert(def.key.as_str(), id);
    }
    for def in defs {
        let pointer = format!("#/definitions/{}", def.key.as_str());
        let node = build(b, &doc, &def.value, &pointer)?
            .ok_or_else(|| doc.error(&pointer, "a definition that is only a $ref"))?;
        b.nodes[doc.defs[def.key.as_str()] as usize] = node;
    }
    schema(b, &doc, &root, "#")
}

/// Compiles a sub-schema and returns its node id (a `$ref` returns the definition's id).
pub(crate) fn schema(
    b: &mut Builder,
    doc: &Doc<'_>,
    v: &Value<'_>,
    pointer: &str,
) -> Result<NodeId, CompileError> {
    match build(b, doc, v, pointer)? {
        Some(node) => Ok(b.push(node)),
        None => resolve_ref(doc, v, pointer),
    }
}

fn resolve_ref(doc: &Doc<'_>, v: &Value<'_>, pointer: &str) -> Result<NodeId, CompileError> {
    let target = v.get("$ref").and_then(Value::as_str).unwrap_or_default();
    let name = target
        .strip_prefix("#/definitions/")
        .ok_or_else(|| doc.error(pointer, "only #/definitions/ references are supported"))?;
    doc.defs
        .get(name)
        .copied()
        .ok_or_else(|| doc.error(pointer, "$ref to a missing definition"))
}

/// The node for `v`, or `None` when `v` is a `$ref` (resolved by the caller).
fn build(
    b: &mut Builder,
    doc: &Doc<'_>,
    v: &Value<'_>,
    pointer: &str,
) -> Result<Option<Node>, CompileError> {
    let Value::Object(members) = v else {
        return Err(doc.error(pointer, "schema is not an object"));
    };
    if get(members, "$ref").is_some() {
        check_keywords(doc, members, pointer, &["$ref"])?;
        return Ok(None);
    }
    let Some(ty) = get(members, "type") else {
        check_keywords(doc, members, pointer, &[])?;
        return Ok(Some(Node::Any));
    };
    let ty = ty
        .as_str()
        .ok_or_else(|| doc.error(pointer, "type must be a single name"))?;
    let node = match ty {
        "object" => {
            check_keywords(doc, members, pointer, object::KEYWORDS)?;
            Node::Object(object::compile(b, doc, members, pointer)?)
        }
        "array" => {
            check_keywords(doc, members, pointer, array::KEYWORDS)?;
            Node::Array(array::compile(b, doc, members, pointer)?)
        }
        "string" => {
            check_keywords(doc, members, pointer, string::KEYWORDS)?;
            Node::String(string::compile(b, doc, members, pointer)?)
        }
        "integer" | "number" => {
            check_keywords(doc, members, pointer, number::KEYWORDS)?;
            let n = number::compile(doc, members, pointer)?;
            if ty == "integer" {
                Node::Integer(n)
            } else {
                Node::Number(n)
            }
        }
        "boolean" => {
            check_keywords(doc, members, pointer, &[])?;
            Node::Boolean
        }
        other => return Err(doc.error(pointer, format!("unsupported type {other:?}"))),
    };
    Ok(Some(node))
}

/// Every key must be an annotation, `type`, `additionalProperties` (meaningless but present on
/// some non-object OCA nodes, ignored there) or one of the type's keywords.
fn check_keywords(
    doc: &Doc<'_>,
    members: &[Member<'_>],
    pointer: &str,
    allowed: &[&str],
) -> Result<(), CompileError> {
    for m in members {
        let k = m.key.as_str();
        let known = ANNOTATIONS.contains(&k)
            || k == "type"
            || k == "additionalProperties"
            || allowed.contains(&k);
        if !known {
            return Err(doc.error(pointer, format!("unsupported keyword {k:?}")));
        }
    }
    Ok(())
}

/// A non-negative integer keyword value (`maxLength`, `minItems`, ...).
pub(crate) fn count(
    doc: &Doc<'_>,
    v: &Value<'_>,
    pointer: &str,
    key: &str,
) -> Result<usize, CompileError> {
    let n = match v {
        Value::Int(i) => usize::try_from(*i).ok(),
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 => format!("{f:.0}").parse().ok(),
        _ => None,
    };
    n.ok_or_else(|| doc.error(pointer, format!("{key} must be a non-negative integer")))
}
