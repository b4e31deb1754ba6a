//! Any text as a wp-config.php: the reader (never executing PHP) returns a configuration or a
//! positioned error, and every accessor of a configuration returns Ok or Err, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wpgate_core::wp_config::{DbHost, WpConfig};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let _ = DbHost::parse(src);
    let Ok(config) = WpConfig::parse_named("wp-config.php", src) else { return };
    let names: Vec<String> = config.constants().map(|d| d.name().to_owned()).collect();
    for name in names.iter().map(String::as_str).chain(["DB_NAME", "AUTH_KEY", "WP_DEBUG"]) {
        let _ = config.constant(name);
        let _ = config.bytes(name);
        let _ = config.string(name);
        let _ = config.bool(name);
    }
    let _ = config.shadowed();
    let _ = config.includes();
    let _ = config.table_prefix_definition();
    let _ = config.salts();
    let _ = config.db_name();
    let _ = config.db_user();
    let _ = config.db_password();
    let _ = config.db_host();
    let _ = config.db_charset();
    let _ = config.db_collate();
    let _ = config.table_prefix();
    let _ = config.cookie_constants();
});
