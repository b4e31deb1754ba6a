//! Per-thread memos of the two pure computations every validation of the same session repeats:
//! the auth cookie's HMAC check (`wp_validate_auth_cookie`'s `hash_equals`) and the `wp_rest`
//! nonce of the identity headers (`wp_create_nonce`). Each costs a few HMAC rounds; a memo hit
//! costs one keyed hash and one constant-time comparison (docs/performance.md, "Service").
//!
//! What is remembered is only ever a result WordPress would compute again identically:
//!
//! * a cookie counts as checked only for the same service, the same scheme, byte for byte the
//!   same cookie value, and against the user row it was checked with, which the service uses
//!   only while the user cache still holds that very row (`Arc` identity: a re-read user,
//!   after a password change or any cache refresh, is a new row and the cookie goes through
//!   the user lookup and the HMAC again). Expiry and the session itself are still checked on
//!   every request, outside the memo.
//! * a nonce is remembered per service, user id, session token, action and nonce tick.
//!
//! Lookups hash with a per-thread random SipHash key, so a client cannot aim at an entry; a
//! hit is then confirmed by comparing the whole stored key (the cookie in constant time). Each
//! memo holds at most [`CAPACITY`] entries per thread and is emptied when full: memory stays
//! bounded whatever the clients send, and nothing is sized by their input.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use subtle::ConstantTimeEq;
use wpgate_core::auth_cookie::Scheme;

use crate::users::User;

/// Entries kept per memo and thread before the memo is emptied.
pub(crate) const CAPACITY: usize = 1024;

/// Tells services apart (tests run several in one process, on the same threads).
static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// One service's view of the per-thread memos.
#[derive(Debug)]
pub(crate) struct Memo {
    owner: u64,
}

impl Default for Memo {
    fn default() -> Self {
        Memo { owner: NEXT_OWNER.fetch_add(1, Ordering::Relaxed) }
    }
}

struct CheckedCookie {
    owner: u64,
    scheme: Scheme,
    cookie: Box<[u8]>,
    user: Arc<User>,
}

struct Nonce {
    owner: u64,
    uid: u64,
    tick: u64,
    action: Box<str>,
    token: Box<[u8]>,
    nonce: String,
}

struct Tables {
    keys: RandomState,
    cookies: HashMap<u64, CheckedCookie>,
    nonces: HashMap<u64, Nonce>,
}

thread_local! {
    static TABLES: RefCell<Tables> = RefCell::new(Tables {
        keys: RandomState::new(),
        cookies: HashMap::new(),
        nonces: HashMap::new(),
    });
}

impl Memo {
    /// The user row `cookie` (the raw value) passed its HMAC check against on this thread, if
    /// it did. The caller must still make sure that row is current.
    pub(crate) fn checked_user(&self, cookie: &[u8], scheme: Scheme) -> Option<Arc<User>> {
        TABLES.with_borrow(|t| {
            let key = t.keys.hash_one((self.owner, scheme, cookie));
            let e = t.cookies.get(&key)?;
            let same =
                e.owner == self.owner && e.scheme == scheme && ct_bytes_eq(&e.cookie, cookie);
            same.then(|| Arc::clone(&e.user))
        })
    }

    /// Remembers that `cookie` passed its HMAC check against `user` (with the current salts).
    pub(crate) fn cookie_passed(&self, cookie: &[u8], scheme: Scheme, user: &Arc<User>) {
        TABLES.with_borrow_mut(|t| {
            let key = t.keys.hash_one((self.owner, scheme, cookie));
            let entry = CheckedCookie {
                owner: self.owner,
                scheme,
                cookie: cookie.into(),
                user: Arc::clone(user),
            };
            insert_bounded(&mut t.cookies, CAPACITY, key, entry);
        });
    }

    /// The nonce for (`uid`, `token`, `action`) in nonce tick `tick`, computed by `make` when
    /// this thread has not made it yet.
    pub(crate) fn nonce(
        &self,
        uid: u64,
        token: &str,
        action: &str,
        tick: f64,
        make: impl FnOnce() -> String,
    ) -> String {
        let tick = tick.to_bits();
        // The nonce if this thread made it, else the key to remember it under.
        let found = TABLES.with_borrow(|t| {
            let key = t.keys.hash_one((self.owner, uid, tick, action, token));
            match t.nonces.get(&key) {
                Some(e)
                    if e.owner == self.owner
                        && e.uid == uid
                        && e.tick == tick
                        && *e.action == *action
                        && ct_bytes_eq(&e.token, token.as_bytes()) =>
                {
                    Ok(e.nonce.clone())
                }
                _ => Err(key),
            }
        });
        let key = match found {
            Ok(nonce) => return nonce,
            Err(key) => key,
        };
        let nonce = make();
        let entry = Nonce {
            owner: self.owner,
            uid,
            tick,
            action: action.into(),
            token: token.as_bytes().into(),
            nonce: nonce.clone(),
        };
        TABLES.with_borrow_mut(|t| insert_bounded(&mut t.nonces, CAPACITY, key, entry));
        nonce
    }
}

/// Inserts into a per-thread table of at most `capacity` entries, emptying it first when a
/// new key would not fit (also the user cache's notes of confirmed rows, src/db/cache.rs).
pub(crate) fn insert_bounded<V>(table: &mut HashMap<u64, V>, capacity: usize, key: u64, value: V) {
    if table.len() >= capacity && !table.contains_key(&key) {
        table.clear();
    }
    table.insert(key, value);
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths (which are
/// public: a cookie's length is no secret). Eight bytes at a time: subtle's slice comparison
/// passes every byte through its own optimisation barrier, ≈ 2 ns a byte, and a memo hit
/// compares a whole cookie. The differences are OR-ed together without a branch, and only
/// the result goes through subtle.
fn ct_bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (words_a, rest_a) = a.as_chunks::<8>();
    let (words_b, rest_b) = b.as_chunks::<8>();
    let mut diff = 0u64;
    for (x, y) in words_a.iter().zip(words_b) {
        diff |= u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y);
    }
    for (x, y) in rest_a.iter().zip(rest_b) {
        diff |= u64::from(x ^ y);
    }
    diff.ct_eq(&0).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_bytes_eq_tells_every_difference() {
        let a: Vec<u8> = (0u8..=200).collect();
        assert!(ct_bytes_eq(&a, &a.clone()));
        assert!(ct_bytes_eq(b"", b""));
        for i in 0..a.len() {
            for bit in 0..8 {
                let mut b = a.clone();
                if let Some(byte) = b.get_mut(i) {
                    *byte ^= 1 << bit;
                }
                assert!(!ct_bytes_eq(&a, &b), "byte {i} bit {bit}");
            }
        }
        assert!(!ct_bytes_eq(&a, &a[..200]));
        assert!(!ct_bytes_eq(b"abc", b"abcd"));
    }

    fn user(id: u64) -> Arc<User> {
        Arc::new(User {
            id,
            login: format!("u{id}"),
            pass: wpgate_core::password::PasswordHash::from("$P$Bhash"),
            email: String::new(),
            display_name: String::new(),
            user_status: 0,
            roles: Vec::new(),
            spam: None,
            deleted: None,
        })
    }

    #[test]
    fn a_cookie_counts_as_checked_only_for_the_same_scheme_value_and_service() {
        let memo = Memo::default();
        let alice = user(1);
        let cookie = b"alice|1772382187|tok|0123abcd";
        assert!(memo.checked_user(cookie, Scheme::LoggedIn).is_none());
        memo.cookie_passed(cookie, Scheme::LoggedIn, &alice);
        let row = memo.checked_user(cookie, Scheme::LoggedIn).unwrap();
        assert!(Arc::ptr_eq(&row, &alice));
        // One byte off, another scheme, another service.
        assert!(memo.checked_user(b"alice|1772382187|tok|0123abce", Scheme::LoggedIn).is_none());
        assert!(memo.checked_user(cookie, Scheme::Auth).is_none());
        assert!(Memo::default().checked_user(cookie, Scheme::LoggedIn).is_none());
        // Checked again against a re-read row: the memo follows it.
        let reread = user(1);
        memo.cookie_passed(cookie, Scheme::LoggedIn, &reread);
        assert!(Arc::ptr_eq(&memo.checked_user(cookie, Scheme::LoggedIn).unwrap(), &reread));
    }

    #[test]
    fn nonces_are_made_once_per_user_token_action_and_tick() {
        let memo = Memo::default();
        let made = std::cell::Cell::new(0);
        let make = || {
            made.set(made.get() + 1);
            format!("n{}", made.get())
        };
        assert_eq!(memo.nonce(2, "tok", "wp_rest", 41028.0, make), "n1");
        assert_eq!(memo.nonce(2, "tok", "wp_rest", 41028.0, make), "n1");
        assert_eq!(memo.nonce(2, "tok", "wp_rest", 41029.0, make), "n2");
        assert_eq!(memo.nonce(2, "tok2", "wp_rest", 41029.0, make), "n3");
        assert_eq!(memo.nonce(3, "tok", "wp_rest", 41029.0, make), "n4");
        assert_eq!(memo.nonce(2, "tok", "other", 41029.0, make), "n5");
        assert_eq!(Memo::default().nonce(2, "tok", "wp_rest", 41028.0, make), "n6");
        assert_eq!(made.get(), 6);
    }

    #[test]
    fn the_memos_stay_bounded() {
        let memo = Memo::default();
        let alice = user(1);
        for i in 0..CAPACITY * 3 {
            memo.cookie_passed(format!("alice|{i}").as_bytes(), Scheme::LoggedIn, &alice);
            let _ = memo.nonce(1, &format!("t{i}"), "wp_rest", 1.0, String::new);
        }
        TABLES.with_borrow(|t| {
            assert!(t.cookies.len() <= CAPACITY);
            assert!(t.nonces.len() <= CAPACITY);
        });
    }
}
