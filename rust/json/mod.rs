//! A small zero-copy JSON model: strings borrow from the frame text unless they hold escapes.
//!
//! One parser serves both the frame decoder (element by element, so an error deep inside a
//! payload still knows the message id) and the schema compiler.

mod parse;
mod value;
mod write;

pub use parse::{parse, ParseError, ParseReason, Parser};
pub use value::{Member, Str, Value, NO_ATOM};
pub use write::{write_str, write_value, WriteError};
