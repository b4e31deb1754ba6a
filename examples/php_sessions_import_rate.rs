//! Migration rate of `wpgate php-sessions import` into a local Redis.
//!
//! Writes N PHP file sessions (`php` serializer, a realistic ~300-byte logged-in session each,
//! `1;DIR` layout), imports them into `redis://127.0.0.1:6379/0` under a unique prefix, runs
//! `verify`, prints both rates and deletes everything it created.
//!
//! ```text
//! cargo run --release --example php_sessions_import_rate -- [N]      # default 100000
//! ```

use std::time::Instant;

use anyhow::Result;
use wpgate::php_sessions::import::{ImportArgs, import, verify};

const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    for &c in ALPHABET {
        std::fs::create_dir(dir.path().join(char::from(c).to_string()))?;
    }
    let started = Instant::now();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for i in 0..n {
        let mut id = String::with_capacity(26);
        for _ in 0..26 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            id.push(char::from(ALPHABET.get((state % 32) as usize).copied().unwrap_or(b'0')));
        }
        let data = format!(
            r#"user_id|i:{i};username|s:8:"user{:04}";roles|a:1:{{i:0;s:10:"subscriber";}}csrf|s:32:"{:032x}";cart|a:2:{{s:5:"items";a:1:{{i:0;a:3:{{s:3:"sku";s:6:"SKU-01";s:3:"qty";i:2;s:5:"price";d:19.99;}}}}s:5:"total";d:39.98;}}login_at|i:1700000000;"#,
            i % 10_000,
            state as u128 * 0x9e37_79b9
        );
        let first = id.get(..1).unwrap_or("0");
        std::fs::write(dir.path().join(first).join(format!("sess_{id}")), data)?;
    }
    println!("wrote {n} session files in {:.2?}", started.elapsed());

    let prefix = format!("wpgate-bench:{:016x}:", rand::random::<u64>());
    let args = ImportArgs {
        from: None,
        to: "redis://127.0.0.1:6379/0".into(),
        save_path: Some(format!("1;0600;{}", dir.path().display())),
        prefix: prefix.clone(),
        gc_maxlifetime: 1440,
        serialize_handler: "php".into(),
        batch: 1000,
        dry_run: false,
        now: None,
    };
    let summary = import(args.clone()).await?;
    print!("import: {summary}");
    println!("import rate: {:.0} sessions/s", summary.rate());
    let started = Instant::now();
    let v = verify(args).await?;
    let secs = started.elapsed().as_secs_f64();
    println!("verify: {v} ({:.0} sessions/s)", v.compared as f64 / secs);

    let client = redis::Client::open("redis://127.0.0.1:6379/0")?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await?;
    for chunk in keys.chunks(10_000) {
        let _: i64 = redis::cmd("UNLINK").arg(chunk).query_async(&mut conn).await?;
    }
    Ok(())
}
