//! Parser tests.

use std::borrow::Cow;

use super::*;

fn reason(text: &str) -> ParseReason {
    parse(text).expect_err("must fail").reason
}

#[test]
fn values() {
    let v = parse("\u{feff} {\"a\": [1, -2.5, \"x\\u00e9\\ud83d\\ude00\", true, false, null]} ")
        .expect("valid");
    let a = v.get("a").expect("a");
    let Value::Array(items) = a else {
        panic!("array")
    };
    assert_eq!(items[0], Value::Int(1));
    assert_eq!(items[1], Value::Float(-2.5));
    assert_eq!(items[2].as_str(), Some("xé😀"));
    assert_eq!(items[5], Value::Null);
    assert_eq!(
        parse("12345678901234567890").expect("big"),
        Value::Float(1.234_567_890_123_456_8e19)
    );
    assert_eq!(
        parse("-9223372036854775808").expect("min"),
        Value::Int(i64::MIN)
    );
}

#[test]
fn borrowed_unless_escaped() {
    let v = parse(r#"["plain", "esc\n"]"#).expect("valid");
    let Value::Array(items) = v else {
        panic!("array")
    };
    let Value::Str(plain) = &items[0] else {
        panic!("str")
    };
    assert!(matches!(plain.text, Cow::Borrowed(_)));
    let Value::Str(esc) = &items[1] else {
        panic!("str")
    };
    assert!(matches!(esc.text, Cow::Owned(_)));
}

#[test]
fn errors() {
    assert_eq!(reason(""), ParseReason::UnexpectedEnd);
    assert_eq!(reason("[1,]"), ParseReason::UnexpectedChar);
    assert_eq!(reason("[1] x"), ParseReason::TrailingData);
    assert_eq!(reason("01"), ParseReason::BadNumber);
    assert_eq!(reason("-"), ParseReason::BadNumber);
    assert_eq!(reason("1."), ParseReason::BadNumber);
    assert_eq!(reason("1e999"), ParseReason::NumberOutOfRange);
    assert_eq!(reason("\"a\u{1}\""), ParseReason::ControlChar);
    assert_eq!(reason(r#""\x""#), ParseReason::BadEscape);
    assert_eq!(reason(r#""\ud800""#), ParseReason::LoneSurrogate);
    assert_eq!(reason(r#"{"a" 1}"#), ParseReason::UnexpectedChar);
    assert_eq!(reason("{1:2}"), ParseReason::UnexpectedChar);
    assert_eq!(reason("tru"), ParseReason::UnexpectedChar);
    assert_eq!(reason(&"[".repeat(100)), ParseReason::TooDeep);
}
