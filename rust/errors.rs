//! Version-neutral error kinds and the one table that spells them as OCPP-J error codes.
//!
//! Choices documented here (see also the CALLERROR table of the reference, §9):
//! - a missing required property is `Protocol` ("payload incomplete"), not an occurrence
//!   violation: `minItems`/`maxItems` alone are `Occurrence`;
//! - OCPP 1.6 has no `MessageTypeNotSupported` (an unknown `MessageTypeId` is ignored there);
//!   the kind is spelled `GenericError` on 1.6 in case a caller asks;
//! - an unreadable message id / a non-RPC frame (`RpcFramework`) is `FormationViolation` on
//!   1.6, which has no `RpcFrameworkError`.

use std::fmt;

use crate::version::Version;

/// Why a frame or payload was refused, independent of the OCPP version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Not JSON, not an array, wrong element count, a property the schema forbids.
    Format,
    /// `MessageTypeId` or `messageId` unreadable: not an RPC frame.
    RpcFramework,
    /// A `MessageTypeId` other than 2, 3, 4.
    MessageTypeNotSupported,
    /// A CALL for an action that has no schema in this version.
    NotImplemented,
    /// A required property is missing.
    Protocol,
    /// `minItems` / `maxItems`.
    Occurrence,
    /// Wrong JSON type.
    Type,
    /// Right type, wrong value: enum, maxLength, minimum, maximum, multipleOf, format.
    Property,
    /// The frame exceeds the codec's `max_frame_bytes`.
    TooLarge,
    Internal,
    Generic,
    NotSupported,
    Security,
}

/// kind, its neutral name, the OCPP 1.6 spelling, the OCPP 2.0.1 / 2.1 spelling.
const TABLE: [(ErrorKind, &str, &str, &str); 13] = [
    (
        ErrorKind::Format,
        "format",
        "FormationViolation",
        "FormatViolation",
    ),
    (
        ErrorKind::RpcFramework,
        "rpc_framework",
        "FormationViolation",
        "RpcFrameworkError",
    ),
    (
        ErrorKind::MessageTypeNotSupported,
        "message_type_not_supported",
        "GenericError",
        "MessageTypeNotSupported",
    ),
    (
        ErrorKind::NotImplemented,
        "not_implemented",
        "NotImplemented",
        "NotImplemented",
    ),
    (
        ErrorKind::Protocol,
        "protocol",
        "ProtocolError",
        "ProtocolError",
    ),
    (
        ErrorKind::Occurrence,
        "occurrence",
        "OccurenceConstraintViolation",
        "OccurrenceConstraintViolation",
    ),
    (
        ErrorKind::Type,
        "type",
        "TypeConstraintViolation",
        "TypeConstraintViolation",
    ),
    (
        ErrorKind::Property,
        "property",
        "PropertyConstraintViolation",
        "PropertyConstraintViolation",
    ),
    (
        ErrorKind::TooLarge,
        "too_large",
        "FormationViolation",
        "FormatViolation",
    ),
    (
        ErrorKind::Internal,
        "internal",
        "InternalError",
        "InternalError",
    ),
    (
        ErrorKind::Generic,
        "generic",
        "GenericError",
        "GenericError",
    ),
    (
        ErrorKind::NotSupported,
        "not_supported",
        "NotSupported",
        "NotSupported",
    ),
    (
        ErrorKind::Security,
        "security",
        "SecurityError",
        "SecurityError",
    ),
];

impl ErrorKind {
    pub const ALL: [ErrorKind; 13] = {
        let mut all = [ErrorKind::Format; 13];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    const fn row(self) -> &'static (ErrorKind, &'static str, &'static str, &'static str) {
        // TABLE lists the kinds in declaration order; `tests::table_is_in_order` proves it.
        &TABLE[self as usize]
    }

    /// The neutral name used by Python (`OcppError.kind`), e.g. `"format"`.
    pub const fn name(self) -> &'static str {
        self.row().1
    }

    /// The OCPP-J error code for a CALLERROR in `version`.
    pub const fn code(self, version: Version) -> &'static str {
        match version {
            Version::V16 => self.row().2,
            Version::V201 | Version::V21 => self.row().3,
        }
    }

    pub fn from_name(name: &str) -> Option<ErrorKind> {
        TABLE.iter().find(|row| row.1 == name).map(|row| row.0)
    }
}

/// Whether `code` is an OCPP-J error code defined by `version` (used to check `encode_error`).
pub fn is_known_code(version: Version, code: &str) -> bool {
    TABLE.iter().any(|row| row.0.code(version) == code)
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_order() {
        for (i, row) in TABLE.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{}", row.1);
        }
    }

    #[test]
    fn spellings_per_version() {
        assert_eq!(ErrorKind::Format.code(Version::V16), "FormationViolation");
        assert_eq!(ErrorKind::Format.code(Version::V201), "FormatViolation");
        assert_eq!(
            ErrorKind::Occurrence.code(Version::V16),
            "OccurenceConstraintViolation"
        );
        assert_eq!(
            ErrorKind::Occurrence.code(Version::V21),
            "OccurrenceConstraintViolation"
        );
        assert_eq!(
            ErrorKind::RpcFramework.code(Version::V201),
            "RpcFrameworkError"
        );
        assert_eq!(ErrorKind::TooLarge.code(Version::V16), "FormationViolation");
    }

    #[test]
    fn names_round_trip() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(ErrorKind::from_name("nope"), None);
        assert!(is_known_code(Version::V16, "OccurenceConstraintViolation"));
        assert!(!is_known_code(Version::V16, "FormatViolation"));
        assert!(is_known_code(Version::V201, "FormatViolation"));
    }
}
