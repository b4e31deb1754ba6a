//! Any bytes as a `Cookie` header: PHP's `$_COOKIE` parsing (and WordPress's slashing) never
//! panics, stays within its limits, and the first cookie of a name wins.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wpgate_core::cookies::RequestCookies;
use wpgate_core::cookies::input::InputLimits;

fuzz_target!(|data: &[u8]| {
    let cookies = RequestCookies::parse(data);
    assert!(cookies.len() <= InputLimits::default().max_input_vars);
    let slashed = cookies.magic_quoted();
    assert_eq!(slashed.len(), cookies.len());
    for (key, value) in cookies.iter() {
        let _ = (format!("{key:?}"), format!("{value:?}"));
    }
    // Names WordPress looks up, and the first name of the header itself.
    let first = data.split(|&b| b == b';').next().unwrap_or_default();
    let name = first.split(|&b| b == b'=').next().unwrap_or_default();
    for name in [name, b"wordpress_logged_in_x", b"wordpress_test_cookie", b"PHPSESSID"] {
        let _ = cookies.get(name);
        let _ = cookies.bytes(name);
        let _ = cookies.str(name);
        let _ = slashed.bytes(name);
        assert_eq!(cookies.contains(name), slashed.contains(name));
    }
    let tight = InputLimits { max_input_vars: 3, max_input_nesting_level: 2 };
    assert!(RequestCookies::parse_with_limits(data, tight).len() <= 3);
    let _ = format!("{cookies:?}");
});
