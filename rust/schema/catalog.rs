//! Every action of one version with its compiled request and response schemas.

use std::sync::OnceLock;

use super::compile::{compile_document, Builder, CompileError};
use super::embedded;
use super::node::{Node, NodeId};
use super::validate::{Validator, Violation};
use crate::json::Value;
use crate::version::Version;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

#[derive(Debug)]
pub struct Action {
    pub name: &'static str,
    /// Index of `name` in [`Catalog::atoms`].
    pub atom: u32,
    pub request: Option<NodeId>,
    pub response: Option<NodeId>,
}

impl Action {
    pub fn schema(&self, direction: Direction) -> Option<NodeId> {
        match direction {
            Direction::Request => self.request,
            Direction::Response => self.response,
        }
    }
}

pub struct Catalog {
    pub version: Version,
    nodes: Vec<Node>,
    atoms: Vec<Box<str>>,
    /// Sorted by name.
    actions: Vec<Action>,
}

static CATALOGS: [OnceLock<Result<Catalog, CompileError>>; 3] =
    [OnceLock::new(), OnceLock::new(), OnceLock::new()];

/// The compiled catalog of `version`, compiled on first use.
pub fn catalog(version: Version) -> Result<&'static Catalog, &'static CompileError> {
    CATALOGS[version.index()]
        .get_or_init(|| Catalog::compile(version))
        .as_ref()
}

fn files(version: Version) -> &'static [(&'static str, bool, &'static str, &'static str)] {
    match version {
        Version::V16 => embedded::V16,
        Version::V201 => embedded::V201,
        Version::V21 => embedded::V21,
    }
}

impl Catalog {
    /// Compiles every embedded schema of `version`.
    pub fn compile(version: Version) -> Result<Catalog, CompileError> {
        let mut b = Builder::default();
        let mut actions: Vec<Action> = Vec::new();
        for &(name, is_response, file, text) in files(version) {
            let root = compile_document(&mut b, file, text)?;
            let i = actions
                .iter()
                .position(|a| a.name == name)
                .unwrap_or_else(|| {
                    actions.push(Action {
                        name,
                        atom: b.atom(name),
                        request: None,
                        response: None,
                    });
                    actions.len() - 1
                });
            let slot = if is_response {
                &mut actions[i].response
            } else {
                &mut actions[i].request
            };
            *slot = Some(root);
        }
        actions.sort_by_key(|a| a.name);
        Ok(Catalog {
            version,
            nodes: b.nodes,
            atoms: b.atoms,
            actions,
        })
    }

    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .binary_search_by(|a| a.name.cmp(name))
            .ok()
            .map(|i| &self.actions[i])
    }

    /// Every action, sorted by name.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Property names, enum values and action names, indexed by atom.
    pub fn atoms(&self) -> &[Box<str>] {
        &self.atoms
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The first violation of `value` against `root`, if any (normalises `value`, see
    /// `number.rs`, and sets atoms on matched names).
    pub fn first_violation(&self, root: NodeId, value: &mut Value<'_>) -> Option<Violation> {
        let mut v = Validator::new(&self.nodes, false);
        v.node(root, value);
        v.out.pop()
    }

    /// Every violation of `value` against `root`.
    pub fn violations(&self, root: NodeId, value: &mut Value<'_>) -> Vec<Violation> {
        let mut v = Validator::new(&self.nodes, true);
        v.node(root, value);
        v.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::ErrorKind;
    use crate::json::parse;

    #[test]
    fn every_embedded_schema_compiles() {
        let mut total = 0;
        for version in Version::ALL {
            let cat = catalog(version).unwrap_or_else(|e| panic!("{e}"));
            total += files(version).len();
            assert!(cat.actions().windows(2).all(|w| w[0].name < w[1].name));
            assert!(cat
                .action("Heartbeat")
                .is_some_and(|a| a.request.is_some() && a.response.is_some()));
        }
        assert_eq!(total, 387);
        assert_eq!(files(Version::V16).len(), 78);
        assert_eq!(
            catalog(Version::V16).map(|c| c.actions().len()).ok(),
            Some(39)
        );
    }

    #[test]
    fn unknown_keywords_fail_loudly() {
        let mut b = Builder::default();
        let err = compile_document(
            &mut b,
            "X.json",
            r#"{"type": "object", "patternProperties": {}}"#,
        )
        .expect_err("must refuse");
        assert!(err.message.contains("patternProperties"), "{err}");
        let err = compile_document(&mut b, "X.json", r##"{"$ref": "#/definitions/Nope"}"##)
            .expect_err("must refuse");
        assert!(err.message.contains("missing definition"), "{err}");
    }

    fn first(version: Version, action: &str, payload: &str) -> Option<(ErrorKind, String)> {
        let cat = catalog(version).expect("compiles");
        let root = cat
            .action(action)
            .and_then(|a| a.request)
            .expect("request schema");
        let mut v = parse(payload).expect("JSON");
        cat.first_violation(root, &mut v).map(|v| (v.kind, v.path))
    }

    #[test]
    fn status_notification_16() {
        let ok = r#"{"connectorId": 1, "errorCode": "NoError", "status": "Available"}"#;
        assert_eq!(first(Version::V16, "StatusNotification", ok), None);
        let cases = [
            (
                r#"{"connectorId": 1, "errorCode": "NoError"}"#,
                ErrorKind::Protocol,
                "/status",
            ),
            (
                r#"{"connectorId": "1", "errorCode": "NoError", "status": "Available"}"#,
                ErrorKind::Type,
                "/connectorId",
            ),
            (
                r#"{"connectorId": 1, "errorCode": "NoError", "status": "Broken"}"#,
                ErrorKind::Property,
                "/status",
            ),
            (
                r#"{"connectorId": 1, "errorCode": "NoError", "status": "Available", "info": "0123456789012345678901234567890123456789012345678901"}"#,
                ErrorKind::Property,
                "/info",
            ),
            (
                r#"{"connectorId": 1.5, "errorCode": "NoError", "status": "Available"}"#,
                ErrorKind::Type,
                "/connectorId",
            ),
            (
                r#"{"connectorId": 1, "errorCode": "NoError", "status": "Available", "x/y": 1}"#,
                ErrorKind::Format,
                "/x~1y",
            ),
            (
                r#"{"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": "2024-02-30T00:00:00Z"}"#,
                ErrorKind::Property,
                "/timestamp",
            ),
        ];
        for (payload, kind, path) in cases {
            assert_eq!(
                first(Version::V16, "StatusNotification", payload),
                Some((kind, path.to_owned())),
                "{payload}"
            );
        }
    }

    #[test]
    fn nested_paths_and_occurrence() {
        let empty = r#"{"connectorId": 1, "meterValue": []}"#;
        assert_eq!(
            first(Version::V16, "MeterValues", empty),
            Some((ErrorKind::Occurrence, "/meterValue".to_owned()))
        );
        let bad = r#"{"connectorId": 1, "meterValue": [{"timestamp": "2024-01-01T00:00:00Z",
            "sampledValue": [{"value": "1"}, {"value": "2", "measurand": "Nope"}]}]}"#;
        assert_eq!(
            first(Version::V16, "MeterValues", bad),
            Some((
                ErrorKind::Property,
                "/meterValue/0/sampledValue/1/measurand".to_owned()
            ))
        );
    }

    #[test]
    fn integral_floats_become_integers() {
        let cat = catalog(Version::V201).expect("compiles");
        let root = cat
            .action("StatusNotification")
            .and_then(|a| a.request)
            .expect("schema");
        let mut v = parse(r#"{"timestamp": "2024-01-01T00:00:00Z", "connectorStatus": "Available", "evseId": 1.0, "connectorId": 2}"#)
            .expect("JSON");
        assert_eq!(cat.first_violation(root, &mut v), None);
        assert_eq!(v.get("evseId"), Some(&Value::Int(1)));
    }

    #[test]
    fn all_violations_are_collected() {
        let cat = catalog(Version::V16).expect("compiles");
        let root = cat
            .action("StatusNotification")
            .and_then(|a| a.request)
            .expect("schema");
        let mut v =
            parse(r#"{"connectorId": "1", "errorCode": "Nope", "extra": 1}"#).expect("JSON");
        let kinds: Vec<_> = cat
            .violations(root, &mut v)
            .into_iter()
            .map(|v| v.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                ErrorKind::Type,
                ErrorKind::Property,
                ErrorKind::Format,
                ErrorKind::Protocol
            ]
        );
    }
}
