//! Any bytes: `unserialize` returns Ok or Err, never panics; what it accepts serializes and
//! reads back as the same value (the reader's result is PHP's fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wpgate_core::php_serialize::{ClassTable, Unserializer, serialize, unserialize};

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = unserialize(data) {
        let bytes = serialize(&v).expect("an accepted value can be written");
        let again = unserialize(&bytes).expect("written bytes read back");
        assert_eq!(again, v);
    }
    let classes = ClassTable::builtin();
    let _ = Unserializer::new().classes(&classes).max_depth(64).unserialize(data);
});
