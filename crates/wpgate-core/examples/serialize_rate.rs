//! Decode/encode rates of the PHP formats on the bench corpus, to compare with PHP's own
//! `unserialize()` / `session_decode()` (scripts/bench-php-serialize runs both).
//!
//! ```text
//! cargo run --release -p wpgate-core --example serialize_rate -- DUMP_DIR [SECONDS]
//! ```
//! writes the corpus to DUMP_DIR (`session.bin`: one `php`-format session; `whole.bin`: the same
//! as `serialize($_SESSION)`; `corpus/NNNN.bin`: every serialize.json value) and prints
//! `name ops/s MB/s` lines. `SERIALIZE_RATE_ONLY=<name prefix>` runs only the matching ones.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use wpgate_core::php_serialize::{serialize, unserialize};
use wpgate_core::php_session::{Handler, Session};

fn realistic_session() -> Vec<u8> {
    let mut s = String::new();
    s += r#"user_id|i:1234;username|s:5:"alice";roles|a:2:{i:0;s:13:"administrator";i:1;s:6:"editor";}"#;
    s += r#"login_at|i:1700000000;csrf|s:32:"f3a9c1d2e4b5a6978877665544332211";"#;
    s += r#"cart|a:2:{s:5:"items";a:3:{"#;
    for i in 0..3 {
        let name = format!("Produit été n°{i}");
        s += &format!(
            r#"i:{i};a:4:{{s:3:"sku";s:6:"SKU-0{i}";s:3:"qty";i:{};s:5:"price";d:19.99;s:4:"name";s:{}:"{name}";}}"#,
            i + 1,
            name.len()
        );
    }
    s += r#"}s:5:"total";d:119.94;}"#;
    s += r#"flash|O:8:"stdClass":2:{s:4:"type";s:7:"success";s:7:"message";s:26:"Your order has been saved.";}"#;
    s += r#"_sf2_meta|a:3:{s:1:"u";i:1700000000;s:1:"c";i:1700000000;s:1:"l";i:0;}"#;
    s.into_bytes()
}

fn vector_corpus() -> Vec<Vec<u8>> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../compat-tests/vectors/php/serialize.json");
    let text = std::fs::read(path).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
    json.get("cases")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("serialized")?.get("b64")?.as_str())
        .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .collect()
}

/// Runs `f` (one op = one pass) for about `secs`, returns ops/s.
fn rate(secs: f64, f: &mut dyn FnMut()) -> f64 {
    let deadline = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut ops = 0_u64;
    while start.elapsed() < deadline {
        for _ in 0..64 {
            f();
        }
        ops += 64;
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dump = args.next().map(std::path::PathBuf::from);
    let secs: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let session = realistic_session();
    let decoded = Session::decode(Handler::Php, &session).map_err(std::io::Error::other)?;
    let value = decoded.clone().into_value().map_err(std::io::Error::other)?;
    let whole = serialize(&value).map_err(std::io::Error::other)?;
    let corpus = vector_corpus();
    let corpus_bytes: usize = corpus.iter().map(Vec::len).sum();
    if let Some(dir) = &dump {
        std::fs::create_dir_all(dir.join("corpus"))?;
        std::fs::write(dir.join("session.bin"), &session)?;
        std::fs::write(dir.join("whole.bin"), &whole)?;
        for (i, c) in corpus.iter().enumerate() {
            std::fs::write(dir.join("corpus").join(format!("{i:04}.bin")), c)?;
        }
    }
    // SERIALIZE_RATE_ONLY=<name prefix> runs only the matching measurements (for profiling).
    let only = std::env::var("SERIALIZE_RATE_ONLY").unwrap_or_default();
    let measure = |name: &str, bytes: usize, f: &mut dyn FnMut()| {
        if name.starts_with(&only) {
            let ops = rate(secs, f);
            println!("{name:<32} {ops:>12.0} ops/s {:>8.1} MB/s", ops * bytes as f64 / 1e6);
        }
    };
    measure("session_decode php", session.len(), &mut || {
        drop(black_box(Session::decode(Handler::Php, black_box(&session))));
    });
    measure("session_encode php", session.len(), &mut || {
        drop(black_box(black_box(&decoded).encode(Handler::Php)));
    });
    measure("unserialize session array", whole.len(), &mut || {
        drop(black_box(unserialize(black_box(&whole))));
    });
    measure("serialize session array", whole.len(), &mut || {
        drop(black_box(serialize(black_box(&value))));
    });
    measure(&format!("unserialize corpus ({} values)", corpus.len()), corpus_bytes, &mut || {
        for c in &corpus {
            drop(black_box(unserialize(black_box(c))));
        }
    });
    Ok(())
}
