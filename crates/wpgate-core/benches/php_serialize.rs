//! Throughput of `unserialize` / `serialize` on a realistic session and on the vector corpus.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wpgate_core::php_serialize::{serialize, unserialize};
use wpgate_core::php_session::{Handler, Session};

/// A WooCommerce-like logged-in session: ids, nonces, a cart, flash messages, an object.
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

/// Every `serialized` value of `compat-tests/vectors/php/serialize.json`.
fn vector_corpus() -> Vec<Vec<u8>> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../compat-tests/vectors/php/serialize.json");
    let Ok(text) = std::fs::read(path) else {
        return Vec::new();
    };
    let json: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
    use base64::Engine as _;
    json.get("cases")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("serialized")?.get("b64")?.as_str())
        .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .collect()
}

fn benches(c: &mut Criterion) {
    let session = realistic_session();
    let decoded = Session::decode(Handler::Php, &session).expect("the sample session decodes");
    let as_array = decoded.clone().into_value().expect("renumbers");
    let whole = serialize(&as_array).expect("serializes");

    let mut g = c.benchmark_group("session");
    g.throughput(Throughput::Bytes(session.len() as u64));
    g.bench_function("decode php", |b| {
        b.iter(|| Session::decode(Handler::Php, black_box(&session)))
    });
    g.bench_function("encode php", |b| b.iter(|| black_box(&decoded).encode(Handler::Php)));
    g.throughput(Throughput::Bytes(whole.len() as u64));
    g.bench_function("unserialize php_serialize", |b| b.iter(|| unserialize(black_box(&whole))));
    g.bench_function("serialize php_serialize", |b| b.iter(|| serialize(black_box(&as_array))));
    g.finish();

    let corpus = vector_corpus();
    let values: Vec<_> = corpus.iter().filter_map(|b| unserialize(b).ok()).collect();
    let total: usize = corpus.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("vector corpus");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("unserialize", |b| {
        b.iter(|| {
            for bytes in &corpus {
                let _ = black_box(unserialize(bytes));
            }
        })
    });
    g.bench_function("serialize", |b| {
        b.iter(|| {
            for v in &values {
                let _ = black_box(serialize(v));
            }
        })
    });
    g.finish();
}

criterion_group!(php_serialize_benches, benches);
criterion_main!(php_serialize_benches);
