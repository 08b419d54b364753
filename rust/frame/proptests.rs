//! Property tests: encode → decode round trips, and the decoder never panics.

use proptest::prelude::*;

use super::{decode, encode_call, encode_error, encode_result, Frame};
use crate::codec::Codec;
use crate::json::{Member, Str, Value};
use crate::version::Version;

fn value() -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float),
        ".{0,12}".prop_map(|s| Value::Str(Str::owned(s))),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            object(inner)
        ]
    })
}

fn object(inner: impl Strategy<Value = Value<'static>>) -> impl Strategy<Value = Value<'static>> {
    prop::collection::vec((".{0,8}", inner), 0..4).prop_map(|members| {
        Value::Object(
            members
                .into_iter()
                .map(|(k, value)| Member {
                    key: Str::owned(k),
                    value,
                })
                .collect(),
        )
    })
}

fn id() -> impl Strategy<Value = String> {
    "[ -~]{1,36}"
}

proptest! {
    #[test]
    fn result_round_trips(id in id(), payload in object(value())) {
        let text = encode_result(&id, &payload).expect("finite values");
        let Ok(Frame::CallResult { id: got, payload: back }) = decode(&text, Version::V201) else {
            panic!("not a CALLRESULT: {text}");
        };
        prop_assert_eq!(got.as_str(), id.as_str());
        prop_assert_eq!(back, payload);
    }

    #[test]
    fn call_and_error_round_trip(id in id(), action in "[A-Za-z]{1,20}", payload in object(value()), code in "[A-Za-z]{1,30}", desc in ".{0,300}") {
        let text = encode_call(&id, &action, &payload).expect("finite values");
        let Ok(Frame::Call { action: a, payload: back, .. }) = decode(&text, Version::V16) else { panic!("not a CALL") };
        prop_assert_eq!(a.as_str(), action.as_str());
        prop_assert_eq!(back, payload.clone());
        let text = encode_error(&id, &code, &desc, &payload).expect("finite values");
        let Ok(Frame::CallError { code: c, description, .. }) = decode(&text, Version::V21) else { panic!("not a CALLERROR") };
        prop_assert_eq!(c.as_str(), code.as_str());
        prop_assert!(description.as_str().chars().count() <= 255);
        prop_assert!(desc.starts_with(description.as_str()));
    }

    #[test]
    fn decoder_never_panics_on_text(text in ".{0,200}") {
        for v in Version::ALL {
            let codec = Codec::new(v, 128).expect("schemas compile");
            if let Err(e) = codec.decode(&text, None) {
                prop_assert!(e.description.chars().count() <= 255);
            }
        }
    }

    #[test]
    fn decoder_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        for v in Version::ALL {
            let _ = Codec::new(v, 100).expect("schemas compile").decode_bytes(&bytes, None);
        }
    }

    #[test]
    fn decoder_never_panics_on_frame_like_text(
        ty in 0i64..7, id in prop_oneof![id().prop_map(|s| format!("{s:?}")), Just("1".to_owned())],
        action in "[A-Za-z]{0,20}", body in "[\\[\\]{}\":,0-9a-z ]{0,60}",
    ) {
        let text = format!("[{ty},{id},\"{action}\",{body}");
        for v in Version::ALL {
            let _ = Codec::new(v, 65536).expect("schemas compile").decode(&text, None);
        }
    }
}
