//! Property tests: what the writer produces reads back unchanged, and no input makes the
//! readers panic.

use proptest::prelude::*;
use wpgate_core::php_serialize::{
    Custom, EnumCase, Key, Object, PhpString, Value, from_tagged_json, serialize, to_tagged_json,
    unserialize,
};
use wpgate_core::php_session::{Handler, Session};

fn class_name() -> impl Strategy<Value = PhpString> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}(\\\\[A-Za-z_][A-Za-z0-9_]{0,6})?".prop_map(PhpString::from)
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), (-1e6..1e6_f64),]
}

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        any::<i64>().prop_map(Key::Int),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Key::normalized),
    ]
}

/// Values PHP could have written: no references (those are checked by the vectors and unit
/// tests), distinct keys, distinct enum cases.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        float().prop_map(Value::Float),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(|s| Value::Str(s.into())),
        (class_name(), proptest::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(class, payload)| Value::Custom(Box::new(Custom { class, payload }))),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec((key(), inner.clone()), 0..6).prop_map(|entries| {
                let mut v = Value::Array(Vec::new());
                for (k, item) in entries {
                    v.insert(k, item);
                }
                v
            }),
            (
                class_name(),
                proptest::collection::vec(
                    (proptest::collection::vec(any::<u8>(), 0..8), inner),
                    0..5
                )
            )
                .prop_map(|(class, props)| {
                    let mut o = Object::new(class);
                    for (name, v) in props {
                        o.set(name, v);
                    }
                    Value::from(o)
                }),
        ]
    })
}

proptest! {
    #[test]
    fn unserialize_inverts_serialize(v in value()) {
        let bytes = serialize(&v).unwrap();
        prop_assert_eq!(unserialize(&bytes).unwrap(), v);
    }

    #[test]
    fn tagged_json_is_lossless(v in value()) {
        prop_assert_eq!(from_tagged_json(&to_tagged_json(&v)).unwrap(), v);
    }

    #[test]
    fn an_enum_case_round_trips(case in "[A-Za-z_][A-Za-z0-9_]{0,8}", class in class_name()) {
        let v = Value::Enum(Box::new(EnumCase { class, case: case.into() }));
        prop_assert_eq!(unserialize(&serialize(&v).unwrap()).unwrap(), v);
    }

    #[test]
    fn sessions_round_trip_in_every_format(
        vars in proptest::collection::vec(("[a-z_]{1,10}", value()), 0..5)
    ) {
        let s = Session::from_vars(vars.into_iter().map(|(k, v)| (k.into_bytes(), v)));
        for h in [Handler::Php, Handler::PhpSerialize, Handler::PhpBinary] {
            let bytes = s.encode(h).unwrap();
            let back = Session::decode(h, &bytes).unwrap();
            prop_assert_eq!(back.value(), s.value());
        }
    }

    #[test]
    fn any_bytes_are_ok_or_err(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(v) = unserialize(&bytes) {
            // Whatever is accepted can be written and reads back as itself.
            let again = serialize(&v).unwrap();
            prop_assert_eq!(unserialize(&again).unwrap(), v);
        }
        for h in [Handler::Php, Handler::PhpSerialize, Handler::PhpBinary] {
            let _ = Session::decode(h, &bytes);
        }
    }

    #[test]
    fn mutated_php_output_is_ok_or_err(
        v in value(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = serialize(&v).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(v) = unserialize(&bytes) {
            let again = serialize(&v).unwrap();
            prop_assert_eq!(unserialize(&again).unwrap(), v);
        }
        let mut session = b"a|".to_vec();
        session.extend_from_slice(&bytes);
        let _ = Session::decode(Handler::Php, &session);
    }

    #[test]
    fn reference_heavy_inputs_are_ok_or_err(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("a:2:{".to_owned()), Just("}".to_owned()), Just("i:0;".to_owned()),
                Just("i:1;".to_owned()), Just("s:1:\"x\";".to_owned()),
                Just("O:8:\"stdClass\":1:{".to_owned()), Just("E:6:\"A:Case\";".to_owned()),
                (1_u32..8).prop_map(|n| format!("R:{n};")),
                (1_u32..8).prop_map(|n| format!("r:{n};")),
            ],
            1..24,
        )
    ) {
        let bytes = parts.concat().into_bytes();
        if let Ok(v) = unserialize(&bytes) {
            let again = serialize(&v).unwrap();
            prop_assert_eq!(unserialize(&again).unwrap(), v);
        }
        let _ = Session::decode(Handler::Php, &[b"k|".as_slice(), &bytes].concat());
    }
}
