//! argon2i / argon2id verification as PHP 8.2's `password_verify()` does it (libargon2's
//! `argon2_verify`), for hashes a plugin stored with `PASSWORD_ARGON2ID`/`PASSWORD_ARGON2I`.
//!
//! ```text
//! $argon2id$v=19$m=65536,t=4,p=1$<salt, base64 no padding>$<hash, base64 no padding>
//! ```
//!
//! Only WordPress 6.8+ checks these (through `password_verify`); phpass's `crypt()` fallback
//! before 6.8 does not know them. Parsing follows libargon2's `decode_string`: `$v=` may be
//! missing (version 0x10), decimal fields have no leading zeros, base64 must be canonical and
//! nothing may follow the hash. The password is binary-safe here, unlike `crypt()`.
//!
//! Verification allocates `m` KiB, so parameters above [`MAX_M_COST`], [`MAX_T_COST`] or
//! [`MAX_P_COST`] are refused ([`UnsupportedHash::Argon2Limits`]) rather than attempted.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use super::{PasswordError, UnsupportedHash, hash_equals};

/// The largest memory cost verified, in KiB (1 GiB; PHP's default is 64 MiB).
pub const MAX_M_COST: u32 = 1 << 20;
/// The largest number of passes verified (PHP's default is 4).
pub const MAX_T_COST: u32 = 64;
/// The largest parallelism verified (PHP's default is 1).
pub const MAX_P_COST: u32 = 64;

/// Which argon2 `password_verify` was asked for (from the hash's identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// `$argon2i$`.
    Argon2i,
    /// `$argon2id$`.
    Argon2id,
}

/// `argon2_verify(hash, password, variant)`: false for any hash libargon2 cannot decode.
///
/// # Errors
/// [`UnsupportedHash::Argon2Limits`] for well-formed hashes over this crate's limits.
pub fn verify(password: &[u8], hash: &[u8], variant: Variant) -> Result<bool, PasswordError> {
    let Some(encoded) = Encoded::parse(hash, variant) else {
        return Ok(false);
    };
    if encoded.m_cost > MAX_M_COST || encoded.t_cost > MAX_T_COST || encoded.p_cost > MAX_P_COST {
        return Err(UnsupportedHash::Argon2Limits.into());
    }
    Ok(encoded.matches(password, variant))
}

/// A decoded `$argon2…$` string.
struct Encoded {
    version: u32,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Encoded {
    fn parse(hash: &[u8], variant: Variant) -> Option<Encoded> {
        // libargon2 reads the encoded hash as a C string.
        let hash = hash.split(|&b| b == 0).next().unwrap_or_default();
        let name: &[u8] = match variant {
            Variant::Argon2i => b"$argon2i",
            Variant::Argon2id => b"$argon2id",
        };
        let mut rest = hash.strip_prefix(name)?;
        let mut version = 0x10;
        if let Some(after) = rest.strip_prefix(b"$v=") {
            (version, rest) = decimal(after)?;
        }
        let (m_cost, rest) = decimal(rest.strip_prefix(b"$m=")?)?;
        let (t_cost, rest) = decimal(rest.strip_prefix(b",t=")?)?;
        let (p_cost, rest) = decimal(rest.strip_prefix(b",p=")?)?;
        let (salt, rest) = base64(rest.strip_prefix(b"$")?)?;
        let (hash, rest) = base64(rest.strip_prefix(b"$")?)?;
        if !rest.is_empty() {
            return None;
        }
        Some(Encoded { version, m_cost, t_cost, p_cost, salt, hash })
    }

    fn matches(&self, password: &[u8], variant: Variant) -> bool {
        let algorithm = match variant {
            Variant::Argon2i => Algorithm::Argon2i,
            Variant::Argon2id => Algorithm::Argon2id,
        };
        let Ok(version) = Version::try_from(self.version) else {
            return false;
        };
        // Params and the hash call check what libargon2's validate_inputs checks (output
        // ≥ 4 bytes, salt ≥ 8 bytes, t ≥ 1, m ≥ 8·p, …); a rejection is a failed verify.
        let Ok(params) = Params::new(self.m_cost, self.t_cost, self.p_cost, Some(self.hash.len()))
        else {
            return false;
        };
        let mut out = vec![0u8; self.hash.len()];
        Argon2::new(algorithm, version, params)
            .hash_password_into(password, &self.salt, &mut out)
            .is_ok_and(|()| hash_equals(&out, &self.hash))
    }
}

/// libargon2's `decode_decimal` + `DECIMAL_U32`: at least one digit, no leading zero (PHP
/// 8.2's libargon2 rejects `m=08`), no overflow past `u32`.
fn decimal(s: &[u8]) -> Option<(u32, &[u8])> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || (digits > 1 && s.first() == Some(&b'0')) {
        return None;
    }
    let value = s
        .get(..digits)?
        .iter()
        .try_fold(0u32, |acc, &d| acc.checked_mul(10)?.checked_add(u32::from(d - b'0')))?;
    Some((value, s.get(digits..)?))
}

/// libargon2's `from_base64`: the longest run of standard base64 characters, which must
/// decode canonically (no stray bits, never 1 character mod 4).
fn base64(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let len =
        s.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/').count();
    let decoded = STANDARD_NO_PAD.decode(s.get(..len)?).ok()?;
    Some((decoded, s.get(len..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PHP 8.2.36: password_hash("ab\0cd", PASSWORD_ARGON2ID, [memory_cost 8, time 1, threads 1]).
    const NUL_HASH: &[u8] = b"$argon2id$v=19$m=8,t=1,p=1$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0";

    #[test]
    fn argon2id_verification_matches_php_and_is_binary_safe() {
        assert!(verify(b"ab\0cd", NUL_HASH, Variant::Argon2id).unwrap());
        assert!(!verify(b"ab", NUL_HASH, Variant::Argon2id).unwrap());
    }

    #[test]
    fn the_variant_must_match_the_identifier() {
        assert!(!verify(b"ab\0cd", NUL_HASH, Variant::Argon2i).unwrap());
    }

    #[test]
    fn leading_zeros_and_trailing_bytes_are_rejected_as_in_php() {
        // PHP 8.2.36 password_verify() is false for each of these spellings.
        for zeros in ["v=019$m=8,t=1,p=1", "v=19$m=08,t=1,p=1", "v=19$m=8,t=01,p=1"] {
            let hash = format!(
                "$argon2id${zeros}$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0"
            );
            assert!(!verify(b"ab\0cd", hash.as_bytes(), Variant::Argon2id).unwrap());
        }
        let mut trailing = NUL_HASH.to_vec();
        trailing.push(b'$');
        assert!(!verify(b"ab\0cd", &trailing, Variant::Argon2id).unwrap());
    }

    #[test]
    fn oversized_parameters_are_refused_before_allocating() {
        let huge = b"$argon2id$v=19$m=4294967295,t=1,p=1$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0";
        assert_eq!(
            verify(b"pw", huge, Variant::Argon2id),
            Err(UnsupportedHash::Argon2Limits.into())
        );
    }

    #[test]
    fn malformed_hashes_are_false() {
        for bad in [
            &b"$argon2id$v=19$m=8,t=1,p=1$ZzBjSHJNRTB1THIvQ0tVeA"[..],
            b"$argon2id$v=19$m=,t=1,p=1$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0",
            b"$argon2id$v=19$m=8,t=1,p=1$c2FsdA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0",
            b"$argon2id$v=18$m=8,t=1,p=1$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0",
            b"$argon2id$v=19$m=8,t=0,p=1$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0",
            b"$argon2id$v=19$m=8,t=1,p=1$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe1",
            b"$argon2d$v=19$m=8,t=1,p=1$ZzBjSHJNRTB1THIvQ0tVeA$37DOi3L1pbR7JCXJf3DWMAv7neakJJoS6BjSgSAPfe0",
        ] {
            assert_eq!(verify(b"ab\0cd", bad, Variant::Argon2id), Ok(false), "{bad:?}");
        }
    }
}
