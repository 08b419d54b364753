//! The codec against the S-19 bad-frame table and friends.

use super::*;

fn codec(v: Version) -> Codec {
    Codec::new(v, 65536).expect("schemas compile")
}

/// `(kind, code, message_id)` of a refused frame.
fn refuse(v: Version, text: &str) -> (ErrorKind, &'static str, Option<String>) {
    let e = codec(v).decode(text, None).expect_err(text);
    assert!(e.description.chars().count() <= 255);
    (e.kind, e.kind.code(v), e.message_id)
}

const SN16: &str = r#"{"connectorId": 1, "errorCode": "NoError", "status": "Available"}"#;
const SN201: &str = r#"{"timestamp": "2024-01-01T00:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}"#;

fn call(action: &str, payload: &str) -> String {
    format!(r#"[2, "m1", "{action}", {payload}]"#)
}

#[test]
fn s19_ocpp16() {
    let v = Version::V16;
    let cases: [(String, ErrorKind, &str, Option<&str>); 7] = [
        (
            "{not json".into(),
            ErrorKind::Format,
            "FormationViolation",
            None,
        ),
        (
            r#"[2, 123, "Heartbeat", {}]"#.into(),
            ErrorKind::RpcFramework,
            "FormationViolation",
            None,
        ),
        (
            r#"[5, "x"]"#.into(),
            ErrorKind::MessageTypeNotSupported,
            "GenericError",
            None,
        ),
        (
            call("FooBar", "{}"),
            ErrorKind::NotImplemented,
            "NotImplemented",
            Some("m1"),
        ),
        (
            call(
                "StatusNotification",
                &SN16.replace(r#", "status": "Available""#, ""),
            ),
            ErrorKind::Protocol,
            "ProtocolError",
            Some("m1"),
        ),
        (
            call(
                "StatusNotification",
                &SN16.replace(r#""connectorId": 1"#, r#""connectorId": "1""#),
            ),
            ErrorKind::Type,
            "TypeConstraintViolation",
            Some("m1"),
        ),
        (
            call("StatusNotification", &SN16.replace("Available", "Broken")),
            ErrorKind::Property,
            "PropertyConstraintViolation",
            Some("m1"),
        ),
    ];
    for (text, kind, code, id) in cases {
        assert_eq!(
            refuse(v, &text),
            (kind, code, id.map(str::to_owned)),
            "{text}"
        );
    }
    assert!(codec(v)
        .decode(&call("StatusNotification", SN16), None)
        .is_ok());
}

#[test]
fn s19_ocpp201_and_21() {
    for v in [Version::V201, Version::V21] {
        let cases: [(String, ErrorKind, &str, Option<&str>); 7] = [
            (
                "{not json".into(),
                ErrorKind::Format,
                "FormatViolation",
                Some("-1"),
            ),
            (
                r#"[2, 123, "Heartbeat", {}]"#.into(),
                ErrorKind::RpcFramework,
                "RpcFrameworkError",
                Some("-1"),
            ),
            (
                r#"[5, "x"]"#.into(),
                ErrorKind::MessageTypeNotSupported,
                "MessageTypeNotSupported",
                Some("x"),
            ),
            (
                call("FooBar", "{}"),
                ErrorKind::NotImplemented,
                "NotImplemented",
                Some("m1"),
            ),
            (
                call(
                    "StatusNotification",
                    &SN201.replace(r#""connectorStatus": "Available", "#, ""),
                ),
                ErrorKind::Protocol,
                "ProtocolError",
                Some("m1"),
            ),
            (
                call(
                    "StatusNotification",
                    &SN201.replace(r#""evseId": 1"#, r#""evseId": "1""#),
                ),
                ErrorKind::Type,
                "TypeConstraintViolation",
                Some("m1"),
            ),
            (
                call("StatusNotification", &SN201.replace("Available", "Broken")),
                ErrorKind::Property,
                "PropertyConstraintViolation",
                Some("m1"),
            ),
        ];
        for (text, kind, code, id) in cases {
            assert_eq!(
                refuse(v, &text),
                (kind, code, id.map(str::to_owned)),
                "{v} {text}"
            );
        }
        assert!(codec(v)
            .decode(&call("StatusNotification", SN201), None)
            .is_ok());
    }
}

#[test]
fn structure_errors() {
    let v = Version::V201;
    let cases: [(&str, ErrorKind, Option<&str>); 14] = [
        ("", ErrorKind::Format, Some("-1")),
        ("{}", ErrorKind::Format, Some("-1")),
        ("[]", ErrorKind::Format, Some("-1")),
        ("[2]", ErrorKind::RpcFramework, Some("-1")),
        (r#"["2", "a"]"#, ErrorKind::RpcFramework, Some("-1")),
        (r#"[2, ""]"#, ErrorKind::RpcFramework, Some("-1")),
        (
            r#"[2, "0123456789012345678901234567890123456"]"#,
            ErrorKind::RpcFramework,
            Some("-1"),
        ),
        (r#"[2, "a"]"#, ErrorKind::Format, Some("a")),
        (r#"[2, "a", "Heartbeat"]"#, ErrorKind::Format, Some("a")),
        (
            r#"[2, "a", "Heartbeat", {}, 1]"#,
            ErrorKind::Format,
            Some("a"),
        ),
        (r#"[2, "a", "Heartbeat", []]"#, ErrorKind::Format, Some("a")),
        (
            r#"[2, "a", "Heartbeat", {"x": }]"#,
            ErrorKind::Format,
            Some("a"),
        ),
        (
            r#"[2, "a", "Heartbeat", {}] x"#,
            ErrorKind::Format,
            Some("a"),
        ),
        (
            r#"[4, "a", "GenericError", "", {}, 1]"#,
            ErrorKind::Format,
            Some("a"),
        ),
    ];
    for (text, kind, id) in cases {
        let e = codec(v).decode(text, None).expect_err(text);
        assert_eq!((e.kind, e.message_id.as_deref()), (kind, id), "{text}");
    }
    // 1.6 echoes a readable but over-long string id, never a non-string one.
    let e = codec(Version::V16)
        .decode(
            r#"[2, "0123456789012345678901234567890123456", "Heartbeat", {}]"#,
            None,
        )
        .expect_err("long id");
    assert_eq!(
        (e.kind, e.message_id.as_deref()),
        (
            ErrorKind::RpcFramework,
            Some("0123456789012345678901234567890123456")
        )
    );
}

#[test]
fn frames_decode() {
    let c = codec(Version::V16);
    let text = call("Heartbeat", "{}");
    let Frame::Call {
        id,
        action,
        payload,
    } = c.decode(&text, None).expect("call")
    else {
        panic!("call")
    };
    assert_eq!(
        (id.as_str(), action.as_str(), payload),
        ("m1", "Heartbeat", Value::Object(vec![]))
    );
    let ok = c.decode(
        r#"[3, "m1", {"currentTime": "2024-01-01T00:00:00Z"}]"#,
        Some(c.schema("Heartbeat", Direction::Response).expect("schema")),
    );
    assert!(matches!(ok, Ok(Frame::CallResult { .. })));
    let bad = c.decode(
        r#"[3, "m1", {}]"#,
        Some(c.schema("Heartbeat", Direction::Response).expect("schema")),
    );
    assert_eq!(
        bad.expect_err("missing currentTime").kind,
        ErrorKind::Protocol
    );
    let err = c
        .decode(r#"[4, "m1", "GenericError", "boom", {"a": 1}]"#, None)
        .expect("callerror");
    assert!(matches!(err, Frame::CallError { ref code, .. } if code.as_str() == "GenericError"));
}

#[test]
fn too_large_recovers_the_id() {
    let c = Codec::new(Version::V201, 64).expect("compiles");
    let text = format!(
        r#"[2, "big-1", "DataTransfer", {{"vendorId": "{}"}}]"#,
        "x".repeat(100)
    );
    let e = c.decode(&text, None).expect_err("too large");
    assert_eq!(
        (
            e.kind,
            e.message_id.as_deref(),
            e.action.as_deref(),
            e.frame_type
        ),
        (
            ErrorKind::TooLarge,
            Some("big-1"),
            Some("DataTransfer"),
            Some(2)
        )
    );
    assert_eq!(e.kind.code(Version::V201), "FormatViolation");
    let e = c
        .decode_bytes(text.as_bytes(), None)
        .expect_err("too large");
    assert_eq!(e.message_id.as_deref(), Some("big-1"));
    let e = Codec::new(Version::V16, 8)
        .expect("compiles")
        .decode("[2, 5, \"x\", {}]", None)
        .expect_err("too large");
    assert_eq!((e.kind, e.message_id), (ErrorKind::TooLarge, None));
}

#[test]
fn bytes_must_be_utf8() {
    let e = codec(Version::V16)
        .decode_bytes(b"[2, \"a\xff\", \"Heartbeat\", {}]", None)
        .expect_err("not utf-8");
    assert_eq!((e.kind, e.detail), (ErrorKind::Format, Detail::Offset(6)));
}

#[test]
fn encode_round_trip() {
    let c = codec(Version::V16);
    let mut payload = crate::json::parse(SN16).expect("JSON");
    let text = c
        .encode_call("id-1", "StatusNotification", &mut payload, true)
        .expect("valid");
    assert_eq!(
        text,
        r#"[2,"id-1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available"}]"#
    );
    assert!(matches!(c.decode(&text, None), Ok(Frame::Call { .. })));
    let mut bad = crate::json::parse(r#"{"connectorId": "1"}"#).expect("JSON");
    let Err(EncodeError::Invalid(vs)) = c.encode_call("id-1", "StatusNotification", &mut bad, true)
    else {
        panic!("invalid")
    };
    assert_eq!(vs.len(), 3);
    assert_eq!(
        c.encode_call("", "Heartbeat", &mut Value::Object(vec![]), true),
        Err(EncodeError::BadMessageId)
    );
    let e = c
        .encode_error(
            "id-1",
            "FormationViolation",
            &"é".repeat(300),
            &Value::Object(vec![]),
        )
        .expect("known code");
    assert_eq!(e.chars().filter(|&ch| ch == 'é').count(), 255);
    assert!(matches!(
        c.encode_error("id-1", "FormatViolation", "", &Value::Null),
        Err(EncodeError::UnknownCode(_))
    ));
    assert_eq!(
        c.encode_result("m", &mut Value::Object(vec![]), None)
            .expect("no schema"),
        r#"[3,"m",{}]"#
    );
}
