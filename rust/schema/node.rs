//! The compiled validator tree: an arena of nodes addressed by `NodeId`; `$ref`s are
//! resolved at compile time to the id of the definition's node.

pub type NodeId = u32;

#[derive(Debug)]
pub enum Node {
    /// A slot reserved for a definition while the document compiles (never validated).
    Pending,
    /// No `type`: anything goes (2.x `DataTransfer.data`).
    Any,
    Object(ObjectNode),
    Array(ArrayNode),
    String(StringNode),
    Integer(NumberNode),
    Number(NumberNode),
    Boolean,
}

#[derive(Debug)]
pub struct Prop {
    pub name: Box<str>,
    /// Index of `name` in the catalog's atom table.
    pub atom: u32,
    pub node: NodeId,
}

/// `properties`, `required`, `additionalProperties`. At most 64 properties (checked at
/// compile time) so "seen" and "required" are bit masks.
#[derive(Debug)]
pub struct ObjectNode {
    pub props: Box<[Prop]>,
    pub required_mask: u64,
    pub additional: bool,
}

/// `items` (one schema for every element), `minItems`, `maxItems`. `additionalItems` only
/// matters with a tuple `items`, which no OCA schema uses; it is accepted and ignored.
#[derive(Debug)]
pub struct ArrayNode {
    pub items: Option<NodeId>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    DateTime,
    Uri,
}

/// An allowed value of a string `enum`, with its atom.
pub type EnumValue = (Box<str>, u32);

/// `maxLength` (in code points), `enum`, `format`.
#[derive(Debug)]
pub struct StringNode {
    pub max_len: Option<usize>,
    /// Allowed values with their atoms.
    pub enumeration: Option<Box<[EnumValue]>>,
    pub format: Option<Format>,
}

/// `minimum`, `maximum`, `multipleOf` (inclusive bounds; draft-04 `exclusive*` unused).
#[derive(Debug, Default)]
pub struct NumberNode {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub multiple_of: Option<f64>,
}

impl ObjectNode {
    /// Index of the property named `key`, searching from `*hint` (payloads usually follow
    /// schema order, so this is one comparison in the common case).
    #[inline]
    pub fn find(&self, key: &str, hint: &mut usize) -> Option<usize> {
        let n = self.props.len();
        for step in 0..n {
            let i = (*hint + step) % n;
            if same(&self.props[i].name, key) {
                *hint = i + 1;
                return Some(i);
            }
        }
        None
    }
}

/// String equality without a `memcmp` call: names here are short, and most candidates differ
/// in length or in their first eight bytes.
#[inline]
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in ca.by_ref().zip(cb.by_ref()) {
        let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("chunks of 8"));
        if word(x) != word(y) {
            return false;
        }
    }
    ca.remainder()
        .iter()
        .zip(cb.remainder())
        .all(|(x, y)| x == y)
}
