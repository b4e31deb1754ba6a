//! The use-cases behind `/v1/php-sessions`: JSON views of `$_SESSION`, replace, merge,
//! delete, regenerate — each one a locked read-modify-write through [`PhpSessionStore`].
//!
//! JSON forms:
//! * **plain**: `$_SESSION` as a JSON object (names → values); arrays with keys `0..n-1`
//!   become JSON arrays, other arrays objects, ints and floats numbers, strings strings.
//!   Objects, enums, references, non-UTF-8 strings have no plain form (409 `not-plain-json`).
//! * **lossless**: the tagged tree of `wpgate_core::php_serialize::to_tagged_json` for the
//!   whole `$_SESSION` array, references numbered as in `serialize($_SESSION)`.

use serde_json::{Map, Value as Json};
use wpgate_core::php_serialize::{
    Key, Value, from_plain_json, from_tagged_json, to_plain_json, to_tagged_json,
};
use wpgate_core::php_session::Session;

use super::{PhpSession, PhpSessionError, PhpSessionStore};

/// Session data sent by a client.
#[derive(Debug, Clone)]
pub enum DataInput {
    /// `{"data": {...}}`: plain JSON, a JSON object of variables.
    Plain(Json),
    /// `{"lossless": {...}}`: the tagged form of the `$_SESSION` array.
    Lossless(Json),
}

/// A created or regenerated session.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The new id.
    pub id: String,
    /// The `Set-Cookie` value PHP would send for it.
    pub set_cookie: String,
}

/// Creates a session with a new id, storing `data` (an empty session when `None`, written as
/// PHP writes one: an empty value for `php`, `a:0:{}` for `php_serialize`).
///
/// # Errors
/// [`PhpSessionError`] (bad data, unstorable data, Redis).
pub async fn create(
    store: &PhpSessionStore,
    data: Option<DataInput>,
    now: i64,
) -> Result<Issued, PhpSessionError> {
    let parsed = data.map(|d| parse(&d)).transpose()?;
    let mut session = store.create().await?;
    if let Some(parsed) = parsed {
        session.replace(parsed);
    }
    let id = session.id().to_owned();
    session.save().await?;
    Ok(Issued { set_cookie: cookie(store, &id, now)?, id })
}

/// The session's data as JSON (`lossless`: the tagged form), read without locking.
///
/// # Errors
/// [`PhpSessionError::NotFound`], [`PhpSessionError::Undecodable`],
/// [`PhpSessionError::NotPlain`], invalid id, Redis.
pub async fn view(
    store: &PhpSessionStore,
    id: &str,
    lossless: bool,
) -> Result<Json, PhpSessionError> {
    let session = store.read(id).await?.ok_or(PhpSessionError::NotFound)?;
    if lossless { lossless_json(&session) } else { plain_json(&session) }
}

/// Replaces the data of an existing session.
///
/// # Errors
/// [`PhpSessionError::NotFound`] for an unknown id (a client never creates an id it chose);
/// bad or unstorable data; lock and Redis failures.
pub async fn replace(
    store: &PhpSessionStore,
    id: &str,
    data: &DataInput,
) -> Result<(), PhpSessionError> {
    let parsed = parse(data)?;
    let mut session = open_existing(store, id).await?;
    session.replace(parsed);
    session.save().await
}

/// Sets the top-level variables of `data` (a plain JSON object, or a lossless array whose
/// entries are merged) and unsets `remove`, keeping every other variable byte for byte.
///
/// # Errors
/// [`PhpSessionError::HasReferences`] when the stored session or the new values contain PHP
/// references; [`PhpSessionError::Undecodable`] for stored data that cannot be decoded
/// (a merge would lose it); as [`replace`].
pub async fn merge(
    store: &PhpSessionStore,
    id: &str,
    data: Option<&DataInput>,
    remove: &[String],
) -> Result<(), PhpSessionError> {
    let changes = data.map(parse).transpose()?;
    if changes.as_ref().is_some_and(|c| c.value().contains_references()) {
        return Err(PhpSessionError::HasReferences);
    }
    let mut session = open_existing(store, id).await?;
    if let Some(e) = session.decode_error().cloned() {
        session.close().await?;
        return Err(PhpSessionError::Undecodable(e));
    }
    if session.data().value().contains_references() {
        session.close().await?;
        return Err(PhpSessionError::HasReferences);
    }
    for name in remove {
        session.data_mut().remove(name.as_str());
    }
    if let Some(changes) = changes {
        for (k, v) in changes.vars() {
            session.data_mut().insert(k.clone(), v.clone());
        }
    }
    session.save().await
}

/// Deletes a session (under its lock); whether it existed.
///
/// # Errors
/// Invalid id, lock and Redis failures.
pub async fn delete(store: &PhpSessionStore, id: &str) -> Result<bool, PhpSessionError> {
    store.destroy(id).await
}

/// Moves a session to a new id: the data is written under the new id, then the old key is
/// deleted (`session_regenerate_id(true)`).
///
/// # Errors
/// [`PhpSessionError::NotFound`]; undecodable data (moving it would re-encode it);
/// lock and Redis failures.
pub async fn regenerate(
    store: &PhpSessionStore,
    id: &str,
    now: i64,
) -> Result<Issued, PhpSessionError> {
    let session = open_existing(store, id).await?;
    if let Some(e) = session.decode_error().cloned() {
        session.close().await?;
        return Err(PhpSessionError::Undecodable(e));
    }
    let new = session.regenerate(true).await?;
    let new_id = new.id().to_owned();
    new.close().await?;
    Ok(Issued { set_cookie: cookie(store, &new_id, now)?, id: new_id })
}

/// The plain JSON object of `$_SESSION`.
///
/// # Errors
/// [`PhpSessionError::NotPlain`] naming the first value without a plain form.
pub fn plain_json(session: &Session) -> Result<Json, PhpSessionError> {
    let mut map = Map::with_capacity(session.vars().len());
    for (k, v) in session.vars() {
        let name = match k {
            Key::Int(i) => i.to_string(),
            Key::Str(s) => s.as_str().map(str::to_owned).ok_or_else(|| {
                PhpSessionError::NotPlain(wpgate_core::php_serialize::JsonError::NotPlain {
                    path: "/".into(),
                    what: "a non-UTF-8 name",
                })
            })?,
        };
        let value = to_plain_json(v).map_err(PhpSessionError::NotPlain)?;
        map.insert(name, value);
    }
    Ok(Json::Object(map))
}

/// The lossless tagged form of `$_SESSION`.
///
/// # Errors
/// [`PhpSessionError::Undecodable`] if its references cannot be renumbered.
pub fn lossless_json(session: &Session) -> Result<Json, PhpSessionError> {
    let value = session.clone().into_value().map_err(PhpSessionError::Undecodable)?;
    Ok(to_tagged_json(&value))
}

/// A [`Session`] from client JSON.
///
/// # Errors
/// [`PhpSessionError::BadData`] when it is not an object / an array node.
pub fn parse(input: &DataInput) -> Result<Session, PhpSessionError> {
    match input {
        DataInput::Plain(json) => {
            let Json::Object(map) = json else {
                return Err(PhpSessionError::BadData("\"data\" must be a JSON object".into()));
            };
            let mut session = Session::new();
            for (name, v) in map {
                let value =
                    from_plain_json(v).map_err(|e| PhpSessionError::BadData(e.to_string()))?;
                session.insert(Key::normalized(name.as_str()), value);
            }
            Ok(session)
        }
        DataInput::Lossless(json) => {
            let value =
                from_tagged_json(json).map_err(|e| PhpSessionError::BadData(e.to_string()))?;
            if !matches!(value, Value::Array(_)) {
                return Err(PhpSessionError::BadData("\"lossless\" must be an array node".into()));
            }
            Ok(Session::from_value(value))
        }
    }
}

async fn open_existing(store: &PhpSessionStore, id: &str) -> Result<PhpSession, PhpSessionError> {
    let session = store.open(id).await?;
    if !session.exists() {
        session.close().await?;
        return Err(PhpSessionError::NotFound);
    }
    Ok(session)
}

fn cookie(store: &PhpSessionStore, id: &str, now: i64) -> Result<String, PhpSessionError> {
    store
        .config()
        .cookie
        .set_cookie(id.as_bytes(), now)
        .map_err(|e| PhpSessionError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wpgate_core::php_session::Handler;

    use super::*;

    #[test]
    fn plain_view_is_an_object_even_when_empty() {
        assert_eq!(plain_json(&Session::new()).unwrap(), json!({}));
        let s = Session::decode(
            Handler::Php,
            br#"user_id|i:7;cart|a:2:{i:0;s:1:"a";i:1;s:1:"b";}x|d:1.5;"#,
        )
        .unwrap();
        assert_eq!(plain_json(&s).unwrap(), json!({"user_id": 7, "cart": ["a", "b"], "x": 1.5}));
    }

    #[test]
    fn objects_have_no_plain_view_but_a_lossless_one() {
        let s = Session::decode(Handler::Php, br#"o|O:8:"stdClass":1:{s:1:"a";i:1;}"#).unwrap();
        assert!(matches!(plain_json(&s), Err(PhpSessionError::NotPlain(_))));
        let tagged = lossless_json(&s).unwrap();
        let back = parse(&DataInput::Lossless(tagged)).unwrap();
        assert_eq!(back.encode(Handler::Php).unwrap(), br#"o|O:8:"stdClass":1:{s:1:"a";i:1;}"#);
    }

    #[test]
    fn plain_input_must_be_an_object() {
        assert!(matches!(parse(&DataInput::Plain(json!([1]))), Err(PhpSessionError::BadData(_))));
        let s = parse(&DataInput::Plain(json!({"a": {"b": 1}, "n": null}))).unwrap();
        assert_eq!(s.encode(Handler::Php).unwrap(), br#"a|a:1:{s:1:"b";i:1;}n|N;"#);
    }
}
