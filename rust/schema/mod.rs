//! The schema compiler: each embedded OCA JSON schema becomes a validator tree, once per
//! version and process (on first use of the version).

mod array;
mod catalog;
mod compile;
mod embedded;
mod format;
mod node;
mod number;
mod object;
mod string;
mod validate;

pub use catalog::{catalog, Action, Catalog, Direction};
pub use compile::CompileError;
pub use format::{is_date_time, is_uri};
pub use node::NodeId;
pub use validate::Violation;
