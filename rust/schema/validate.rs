//! Walks a payload against a compiled node. Stops at the first violation unless asked for
//! all. The path of a violation is built only when one happens, as the walk unwinds.

use std::fmt::Write as _;

use super::node::{Node, NodeId};
use super::{array, number, object, string};
use crate::errors::ErrorKind;
use crate::json::Value;

/// Payload keys longer than this are cut in violation paths (they come from the frame).
const MAX_KEY_IN_PATH: usize = 64;

/// One reason a payload does not conform: where (JSON pointer, `""` for the root) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub kind: ErrorKind,
    pub path: String,
    pub message: String,
}

pub(crate) struct Validator<'c> {
    nodes: &'c [Node],
    pub out: Vec<Violation>,
    all: bool,
}

impl<'c> Validator<'c> {
    pub fn new(nodes: &'c [Node], all: bool) -> Self {
        Validator {
            nodes,
            out: Vec::new(),
            all,
        }
    }

    /// Whether the walk should stop (first violation found and not collecting all).
    #[inline]
    pub fn stop(&self) -> bool {
        !self.all && !self.out.is_empty()
    }

    #[cold]
    #[inline(never)]
    pub fn report(&mut self, kind: ErrorKind, message: String) {
        self.out.push(Violation {
            kind,
            path: String::new(),
            message,
        });
    }

    #[cold]
    #[inline(never)]
    pub fn type_error(&mut self, expected: &str, got: &Value<'_>) {
        self.report(
            ErrorKind::Type,
            format!("expected {expected}, got {}", got.type_name()),
        );
    }

    /// Validates `v` against node `id` (may normalise `v`: integral floats under an integer
    /// schema become integers; matched names get their atom).
    pub fn node(&mut self, id: NodeId, v: &mut Value<'_>) {
        let nodes = self.nodes;
        match &nodes[id as usize] {
            Node::Object(o) => match v {
                Value::Object(members) => object::validate(self, o, members),
                _ => self.type_error("object", v),
            },
            Node::Array(a) => match v {
                Value::Array(items) => array::validate(self, a, items),
                _ => self.type_error("array", v),
            },
            Node::String(s) => match v {
                Value::Str(text) => string::validate(self, s, text),
                _ => self.type_error("string", v),
            },
            Node::Integer(n) => number::validate_integer(self, n, v),
            Node::Number(n) => number::validate_number(self, n, v),
            Node::Boolean => {
                if !matches!(v, Value::Bool(_)) {
                    self.type_error("boolean", v);
                }
            }
            Node::Any => {}
            Node::Pending => self.report(ErrorKind::Internal, "unresolved schema node".to_owned()),
        }
    }

    /// Prefixes `/key` to the paths of the violations found since `from`.
    #[cold]
    #[inline(never)]
    pub fn prefix_key(&mut self, from: usize, key: &str) {
        let mut seg = String::with_capacity(key.len().min(MAX_KEY_IN_PATH) + 2);
        seg.push('/');
        let mut cut = key.len().min(MAX_KEY_IN_PATH);
        while !key.is_char_boundary(cut) {
            cut -= 1;
        }
        for c in key[..cut].chars() {
            match c {
                '~' => seg.push_str("~0"),
                '/' => seg.push_str("~1"),
                _ => seg.push(c),
            }
        }
        if cut < key.len() {
            seg.push('…');
        }
        for v in &mut self.out[from..] {
            v.path.insert_str(0, &seg);
        }
    }

    /// Prefixes `/index` to the paths of the violations found since `from`.
    #[cold]
    #[inline(never)]
    pub fn prefix_index(&mut self, from: usize, index: usize) {
        let mut seg = String::new();
        let _ = write!(seg, "/{index}");
        for v in &mut self.out[from..] {
            v.path.insert_str(0, &seg);
        }
    }
}
