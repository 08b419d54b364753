//! The parsed JSON value.

use std::borrow::Cow;

/// `Str::atom` when the string is not one of the catalog's interned names.
pub const NO_ATOM: u32 = u32::MAX;

/// A JSON string. `atom` is set by the validator when the text equals a property name or
/// enum value of the schema catalog, so the binding layer can reuse one interned object.
#[derive(Clone, Debug, PartialEq)]
pub struct Str<'a> {
    pub text: Cow<'a, str>,
    pub atom: u32,
}

impl<'a> Str<'a> {
    pub fn borrowed(text: &'a str) -> Self {
        Str {
            text: Cow::Borrowed(text),
            atom: NO_ATOM,
        }
    }

    pub fn owned(text: String) -> Self {
        Str {
            text: Cow::Owned(text),
            atom: NO_ATOM,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member<'a> {
    pub key: Str<'a>,
    pub value: Value<'a>,
}

/// A JSON value. Objects keep their members in order (duplicates kept; the last wins when
/// handed to Python, every one is validated).
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// An integer literal that fits `i64` (or a float normalised by an `integer` schema).
    Int(i64),
    Float(f64),
    Str(Str<'a>),
    Array(Vec<Value<'a>>),
    Object(Vec<Member<'a>>),
}

impl<'a> Value<'a> {
    /// The JSON type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    pub fn str(text: &'a str) -> Self {
        Value::Str(Str::borrowed(text))
    }

    /// The member named `key` (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|m| m.key.text == key)
                .map(|m| &m.value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
}
