//! The schema files, embedded by `build.rs`: `(action, is_response, file name, text)`.
#![allow(clippy::unreadable_literal)]

include!(concat!(env!("OUT_DIR"), "/schemas.rs"));
