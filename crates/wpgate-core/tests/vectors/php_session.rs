//! Session encodings (`php`, `php_serialize`, `php_binary`, igbinary detection) from
//! `php/serialize.json` and `php/unserialize_invalid.json`, session ids from
//! `php/session_ids.json`, and the cookie and cache headers of `php/session_http.json`.

use serde_json::Value as Json;
use wpgate_core::php_serialize::{Key, Value, serialize};
use wpgate_core::php_session::{
    CookieParams, EncodeWarning, Handler, SaveHandler, Session, SessionError, SessionId, SidBits,
    SidSettings, StartDecision, cache_limiter_headers, is_igbinary, is_valid_key, start_decision,
};

use crate::php_serialize::{bytes_at, expect_bytes, tree_at};
use crate::support::{Report, at, expect_eq, str_at};

const SERIALIZE: &str = "php/serialize.json";
const INVALID: &str = "php/unserialize_invalid.json";
const IDS: &str = "php/session_ids.json";
const HTTP: &str = "php/session_http.json";

pub fn run(report: &mut Report) {
    if let Some(ser) = report.load(SERIALIZE) {
        report.each(SERIALIZE, &ser, "cases", |case| {
            let key = str_at(case, "session_key")?;
            let value = tree_at(case, "value")?;
            // $_SESSION = [key => value], built the way the php serializers number it.
            let session = Session::from_vars([(key, value)]);
            check_session_encodings(case, &session)
        });
        report.each(SERIALIZE, &ser, "session_cases", |case| {
            let whole = tree_at(at(at(case, "session")?, "php_serialize")?, "value")?;
            expect_bytes(
                "serialize($_SESSION)",
                &serialize(&whole).map_err(|e| e.to_string())?,
                &bytes_at(case, "php_serialize_of_array")?,
            )?;
            check_session_encodings(case, &Session::from_value(whole))
        });
    }
    if let Some(invalid) = report.load(INVALID) {
        report.each(INVALID, &invalid, "session_decode", check_session_decode);
    }
    if let Some(ids) = report.load(IDS) {
        check_ids(report, &ids);
    }
    if let Some(http) = report.load(HTTP) {
        report.each(HTTP, &http, "scenarios", check_http);
    }
}

fn handler_of(name: &str) -> Result<Handler, String> {
    name.parse().map_err(|e: SessionError| e.to_string())
}

/// Encodes `session` with every handler as PHP would and compares with `case.session`.
fn check_session_encodings(case: &Json, session: &Session) -> Result<(), String> {
    let per_handler = at(case, "session")?.as_object().ok_or("session is not an object")?;
    for (name, expected) in per_handler {
        let r = check_one_encoding(name, expected, session);
        r.map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

fn check_one_encoding(name: &str, expected: &Json, session: &Session) -> Result<(), String> {
    if name == "igbinary" {
        let bytes =
            bytes_at(&Json::Object([("x".into(), expected.clone())].into_iter().collect()), "x")?;
        if !is_igbinary(&bytes) {
            return Err("igbinary header not recognised".into());
        }
        return match Session::decode(Handler::Php, &bytes) {
            Err(SessionError::Igbinary) => Ok(()),
            other => Err(format!("decoding igbinary data gave {other:?}")),
        };
    }
    let handler = handler_of(name)?;
    let encoded = session.encode_like_php(handler).map_err(|e| format!("encode: {e}"))?;
    let php_warnings = expected.get("diagnostics").and_then(Json::as_array).map_or(0, |d| d.len());
    let our_warnings = encoded
        .warnings
        .iter()
        .filter(|w| matches!(w, EncodeWarning::NumericKeySkipped(_)))
        .count();
    expect_eq("numeric keys skipped", our_warnings, php_warnings)?;
    if expected.get("encode_failed").and_then(Json::as_bool) == Some(true) {
        // session_encode() returned false: the write stores an empty string.
        return expect_eq("bytes", encoded.bytes, Vec::new());
    }
    let bytes =
        bytes_at(&Json::Object([("x".into(), expected.clone())].into_iter().collect()), "x")?;
    expect_bytes("encoded", &encoded.bytes, &bytes)?;
    let decoded = Session::decode(handler, &bytes).map_err(|e| format!("decode: {e}"))?;
    let want = match handler {
        Handler::PhpSerialize => tree_at(expected, "value")?,
        _ => Value::Array(
            at(expected, "vars")?
                .as_array()
                .ok_or("vars is not an array")?
                .iter()
                .map(|var| {
                    let n = bytes_at(var, "name")?;
                    Ok((Key::Str(n.into()), tree_at(var, "value")?))
                })
                .collect::<Result<_, String>>()?,
        ),
    };
    expect_eq("decoded", decoded.value(), &want)?;
    expect_bytes("re-encoded", &decoded.encode(handler).map_err(|e| e.to_string())?, &bytes)
}

fn check_session_decode(case: &Json) -> Result<(), String> {
    let handler = handler_of(str_at(case, "handler")?)?;
    let input = bytes_at(case, "input")?;
    let ok = at(case, "session_decode_returned")?
        .as_bool()
        .ok_or("session_decode_returned is not a bool")?;
    let after = bytes_at(case, "session_after")?;
    match Session::decode(handler, &input) {
        Ok(s) if ok => {
            let v = s.into_value().map_err(|e| e.to_string())?;
            expect_bytes("serialize($_SESSION)", &serialize(&v).map_err(|e| e.to_string())?, &after)
        }
        Ok(s) => Err(format!("PHP fails to decode this, we decoded {:?}", s.value())),
        // PHP destroys the session: $_SESSION is empty afterwards.
        Err(_) if !ok => expect_bytes("session after failure", b"a:0:{}", &after),
        Err(e) => Err(format!("PHP decodes this, we failed: {e}")),
    }
}

fn settings_of(case: &Json) -> Result<SidSettings, String> {
    let len = at(case, "sid_length")?.as_u64().ok_or("sid_length")? as usize;
    let bits = match at(case, "bits_per_character")?.as_u64() {
        Some(4) => SidBits::Four,
        Some(5) => SidBits::Five,
        Some(6) => SidBits::Six,
        b => return Err(format!("bits_per_character {b:?}")),
    };
    SidSettings::new(len, bits).map_err(|e| e.to_string())
}

/// `^[<charset>]{L}$` for the alphabet of `bits`.
fn id_shape_ok(id: &str, settings: &SidSettings) -> bool {
    let chars = &wpgate_core::php_session::ALPHABET[..1 << settings.bits() as usize];
    id.len() == settings.length() && id.bytes().all(|b| chars.contains(&b))
}

fn expect_regex(case: &Json, id: &str, settings: &SidSettings) -> Result<(), String> {
    let charset = match settings.bits() {
        SidBits::Four => "0-9a-f",
        SidBits::Five => "0-9a-v",
        SidBits::Six => "0-9a-zA-Z,-",
    };
    expect_eq(
        "regex",
        str_at(case, "regex")?.to_owned(),
        format!("^[{charset}]{{{}}}$", settings.length()),
    )?;
    if !id_shape_ok(id, settings) {
        return Err(format!("{id:?} does not have the shape of the settings"));
    }
    Ok(())
}

fn check_ids(report: &mut Report, ids: &Json) {
    let alphabet = ids.get("alphabet").and_then(Json::as_str).unwrap_or_default();
    report.check(
        IDS,
        &serde_json::json!({"id": "alphabet"}),
        expect_eq("alphabet", alphabet.as_bytes(), wpgate_core::php_session::ALPHABET.as_slice()),
    );
    report.each(IDS, ids, "deterministic", |case| {
        let settings = settings_of(case)?;
        let bytes = hex::decode(str_at(case, "random_bytes_hex")?).map_err(|e| e.to_string())?;
        let id = SessionId::from_random_bytes(&bytes, &settings).map_err(|e| e.to_string())?;
        expect_eq("id", id.expose_secret(), str_at(case, "id")?)?;
        expect_regex(case, id.expose_secret(), &settings)
    });
    report.each(IDS, ids, "random_samples", |case| {
        let settings = settings_of(case)?;
        expect_regex(case, str_at(case, "id")?, &settings)?;
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
        let ours = SessionId::generate(&settings, &mut rng);
        expect_regex(case, ours.expose_secret(), &settings)
    });
    report.each(IDS, ids, "ini_validation", |case| {
        let setting = str_at(case, "setting")?;
        let value = str_at(case, "value")?;
        let accepted = at(case, "accepted")?.as_bool().ok_or("accepted")?;
        let ours = match setting {
            "session.sid_length" => SidSettings::from_ini(value, "5"),
            "session.sid_bits_per_character" => SidSettings::from_ini("26", value),
            other => return Err(format!("unknown setting {other}")),
        };
        expect_eq("accepted", ours.is_ok(), accepted)?;
        // A refused value leaves the previous one (26 / 5 here) in place.
        let after = str_at(case, "value_after")?;
        let want_after = if accepted {
            value
        } else if setting == "session.sid_length" {
            "26"
        } else {
            "5"
        };
        expect_eq("value after", after, want_after)
    });
    report.each(IDS, ids, "validation", |case| {
        let id = bytes_at(case, "id")?;
        expect_eq(
            "php_session_valid_key",
            is_valid_key(&id),
            at(case, "php_session_valid_key")?.as_bool().ok_or("not a bool")?,
        )?;
        let settings = SidSettings::php_ini_production();
        for (field, handler, strict) in [
            ("files_nonstrict", SaveHandler::Files, false),
            ("files_strict", SaveHandler::Files, true),
            ("redis_nonstrict", SaveHandler::Redis, false),
            ("redis_strict", SaveHandler::Redis, true),
        ] {
            let outcome = at(case, field)?;
            let r =
                check_start(&id, outcome, start_decision(Some(&id), handler, strict), &settings);
            r.map_err(|e| format!("{field}: {e}"))?;
        }
        Ok(())
    });
}

/// `AdoptIfExists` needs the store; every validation run starts without a stored session,
/// so it resolves to a new id here (the existence check is the service's).
fn check_start(
    id: &[u8],
    outcome: &Json,
    decision: StartDecision,
    settings: &SidSettings,
) -> Result<(), String> {
    let ok = at(outcome, "session_start_ok")?.as_bool().ok_or("session_start_ok")?;
    let kept = at(outcome, "id_kept")?.as_bool().ok_or("id_kept")?;
    let final_id = outcome.get("final_id").and_then(Json::as_str).unwrap_or("");
    match decision {
        StartDecision::Adopt => {
            expect_eq("started", ok, true)?;
            expect_eq("id kept", kept, true)?;
            expect_eq("final id", final_id.as_bytes(), id)
        }
        StartDecision::NewId | StartDecision::AdoptIfExists => {
            expect_eq("started", ok, true)?;
            expect_eq("id kept", kept, false)?;
            if id_shape_ok(final_id, settings) {
                Ok(())
            } else {
                Err(format!("new id {final_id:?} does not look generated"))
            }
        }
        StartDecision::Fail => {
            expect_eq("started", ok, false)?;
            expect_eq("id kept", kept, false)
        }
    }
}

fn check_http(case: &Json) -> Result<(), String> {
    let ini = at(case, "ini")?;
    let ini_str = |k: &str| ini.get(k).and_then(Json::as_str);
    let mut params = CookieParams::default();
    if let Some(v) = ini_str("session.name") {
        params.name = v.into();
    }
    if let Some(v) = ini_str("session.cookie_lifetime") {
        params.lifetime = v.parse().map_err(|_| "cookie_lifetime")?;
    }
    if let Some(v) = ini_str("session.cookie_path") {
        params.path = v.into();
    }
    if let Some(v) = ini_str("session.cookie_domain") {
        params.domain = v.into();
    }
    params.secure = ini_str("session.cookie_secure") == Some("1");
    params.httponly = ini_str("session.cookie_httponly") == Some("1");
    if let Some(v) = ini_str("session.cookie_samesite") {
        params.samesite = v.into();
    }
    let strict = ini_str("session.use_strict_mode") == Some("1");
    let handler = match ini_str("session.save_handler") {
        Some("redis") => SaveHandler::Redis,
        _ => SaveHandler::Files,
    };
    let limiter = ini_str("session.cache_limiter").unwrap_or("nocache");
    let expire: i64 =
        ini_str("session.cache_expire").unwrap_or("180").parse().map_err(|_| "cache_expire")?;
    let now = at(case, "request_unix_time")?.as_i64().ok_or("request_unix_time")?;
    let report = at(case, "script_report")?;
    let final_id = str_at(report, "session_id")?;

    let incoming = case
        .get("request_cookie_header")
        .and_then(Json::as_str)
        .and_then(|h| params.incoming_id(h));
    expect_eq(
        "cookie as PHP saw it",
        incoming.as_deref().map(String::from_utf8_lossy).map(|s| s.into_owned()),
        report.get("cookie_in").and_then(Json::as_str).map(str::to_owned),
    )?;

    let response: Vec<String> = at(case, "response_headers")?
        .as_array()
        .ok_or("response_headers")?
        .iter()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect();
    // The script's mtime is the file system's: read it back from PHP's own header.
    let mtime = response
        .iter()
        .find_map(|h| h.strip_prefix("Last-Modified: "))
        .map(parse_http_date)
        .transpose()?;
    let cache = cache_limiter_headers(limiter, expire, now, mtime);
    let cookie = |id: &str| -> Result<String, String> {
        Ok(format!(
            "Set-Cookie: {}",
            params.set_cookie(id.as_bytes(), now).map_err(|e| e.to_string())?
        ))
    };
    let mut expected: Vec<String> = Vec::new();
    match str_at(case, "action")? {
        "start" | "destroy" => match start_decision(incoming.as_deref(), handler, strict) {
            StartDecision::Fail => {}
            StartDecision::Adopt => {
                // session_destroy() clears the id and sends no cookie deletion.
                let want: &[u8] = if str_at(case, "action")? == "destroy" {
                    b""
                } else {
                    incoming.as_deref().unwrap_or_default()
                };
                expect_eq("session id", final_id.as_bytes(), want)?;
                expected.extend(cache);
            }
            StartDecision::NewId | StartDecision::AdoptIfExists => {
                expected.push(cookie(final_id)?);
                expected.extend(cache);
            }
        },
        "forced_id" => {
            expected.push(cookie(final_id)?);
            expected.extend(cache);
        }
        "regenerate" | "regenerate_twice" => {
            expected.extend(cache);
            expected.push(cookie(final_id)?);
        }
        other => return Err(format!("unknown action {other}")),
    }
    expected.push("Content-type: text/html; charset=UTF-8".into());
    expect_eq("response headers", expected, response)
}

/// `Tue, 24 Nov 2026 15:12:42 GMT` back to Unix time.
fn parse_http_date(s: &str) -> Result<i64, String> {
    let parts: Vec<&str> = s.split([' ', ':']).collect();
    let [_, d, mon, y, h, mi, sec, "GMT"] = parts.as_slice() else {
        return Err(format!("not an HTTP date: {s:?}"));
    };
    let months =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|x| x == mon).ok_or("month")? as i64 + 1;
    let num = |x: &str| x.parse::<i64>().map_err(|e| e.to_string());
    let (y, d) = (num(y)?, num(d)?);
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400 + num(h)? * 3600 + num(mi)? * 60 + num(sec)?)
}
