//! The OCPP versions evgw speaks, named by their WebSocket subprotocol.

use std::fmt;

/// One OCPP version; the codec, the schema catalog and the error table are chosen by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    V16,
    V201,
    V21,
}

impl Version {
    pub const ALL: [Version; 3] = [Version::V16, Version::V201, Version::V21];

    /// The WebSocket subprotocol name, e.g. `"ocpp1.6"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Version::V16 => "ocpp1.6",
            Version::V201 => "ocpp2.0.1",
            Version::V21 => "ocpp2.1",
        }
    }

    /// Parses a subprotocol name as given by [`Version::as_str`].
    pub fn parse(name: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == name)
    }

    /// 2.0.1 and 2.1 share the OCPP-J 2.x RPC rules (`RpcFrameworkError`, `messageId` `"-1"`).
    pub const fn is_2x(self) -> bool {
        !matches!(self, Version::V16)
    }

    pub(crate) const fn index(self) -> usize {
        match self {
            Version::V16 => 0,
            Version::V201 => 1,
            Version::V21 => 2,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in Version::ALL {
            assert_eq!(Version::parse(v.as_str()), Some(v));
        }
        assert_eq!(Version::parse("ocpp2.0"), None);
    }
}
