//! Any bytes, every session serializer: decode returns Ok or Err, never panics; a decoded
//! session encodes (as PHP would) and decodes again to the same session.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wpgate_core::php_session::{Handler, Session};

fuzz_target!(|data: &[u8]| {
    for handler in [Handler::Php, Handler::PhpSerialize, Handler::PhpBinary] {
        if let Ok(s) = Session::decode(handler, data) {
            if let Ok(bytes) = s.encode(handler) {
                let back = Session::decode(handler, &bytes).expect("encoded session decodes");
                assert_eq!(back.value(), s.value());
            }
        }
    }
});
