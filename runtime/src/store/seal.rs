//! How stores write tokens: serialized to JSON, then sealed with
//! AES-256-GCM (ring) under a key the user supplies, or, only when asked
//! for by name, left in clear.
//!
//! A sealed value is `[1, key id, 96-bit random nonce, ciphertext + tag]`.
//! The associated data is the format and key id bytes followed by the
//! store key the value was saved under, so a value copied to another key
//! (another client's, another scope set's) fails to open instead of being
//! served for it, and a tampered key id fails as well. A value that does
//! not open (another key, damaged, or in clear where sealing is expected)
//! is treated as absent: the caller fetches a token of its own.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{StoreError, StoredToken};

/// The first byte of a value kept in clear.
const FORMAT_CLEAR: u8 = 0;
/// The first byte of a value sealed with AES-256-GCM.
const FORMAT_AES_256_GCM: u8 = 1;

/// How a token store protects the tokens it writes.
///
/// ```
/// # fn main() -> Result<(), runtime::store::StoreError> {
/// // 32 bytes as 64 hex digits, from a secret manager; 1 is the key's id,
/// // written with each value so that a rotated key can still read them.
/// let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
/// let encryption = runtime::store::StoreEncryption::aes_256_gcm_hex(1, hex)?;
/// # let _ = encryption;
/// # Ok(())
/// # }
/// ```
pub struct StoreEncryption {
    sealing: Sealing,
}

enum Sealing {
    /// Boxed: a key schedule is large, and `Clear` is nothing.
    Aes(Box<AesKeys>),
    Clear,
}

struct AesKeys {
    /// The key new values are sealed with, and its id.
    current: (u8, LessSafeKey),
    /// Keys that still open values sealed before a rotation.
    previous: Vec<(u8, LessSafeKey)>,
    random: SystemRandom,
}

impl fmt::Debug for StoreEncryption {
    /// Key ids only: never the keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sealing {
            Sealing::Aes(keys) => f
                .debug_struct("StoreEncryption::Aes256Gcm")
                .field("key_id", &keys.current.0)
                .field(
                    "previous_key_ids",
                    &keys.previous.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
                )
                .finish_non_exhaustive(),
            Sealing::Clear => f.write_str("StoreEncryption::None(tokens stored in clear)"),
        }
    }
}

fn aes_key(key: &[u8]) -> Result<LessSafeKey, StoreError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| StoreError::new(format!("an AES-256-GCM key is 32 bytes, not {}", key.len())))
}

/// The bytes of `hex`, which must be 64 hex digits.
fn key_from_hex(hex: &str) -> Result<Vec<u8>, StoreError> {
    let hex = hex.trim();
    let invalid = || StoreError::new("an AES-256-GCM key in hex is 64 hex digits (32 bytes)");
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(invalid());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| invalid()))
        .collect()
}

impl StoreEncryption {
    /// Seals with AES-256-GCM under `key` (32 bytes, from a secret manager
    /// or `openssl rand -hex 32`), writing `key_id` with each value.
    pub fn aes_256_gcm(key_id: u8, key: &[u8]) -> Result<Self, StoreError> {
        Ok(StoreEncryption {
            sealing: Sealing::Aes(Box::new(AesKeys {
                current: (key_id, aes_key(key)?),
                previous: Vec::new(),
                random: SystemRandom::new(),
            })),
        })
    }

    /// [`Self::aes_256_gcm`] with the key as 64 hex digits.
    pub fn aes_256_gcm_hex(key_id: u8, hex: &str) -> Result<Self, StoreError> {
        let mut bytes = key_from_hex(hex)?;
        let made = Self::aes_256_gcm(key_id, &bytes);
        bytes.zeroize();
        made
    }

    /// Also opens values sealed under `key` with id `key_id` (the key used
    /// before a rotation); new values are sealed with the current key.
    pub fn with_previous_key(mut self, key_id: u8, key: &[u8]) -> Result<Self, StoreError> {
        if let Sealing::Aes(keys) = &mut self.sealing {
            keys.previous.push((key_id, aes_key(key)?));
        }
        Ok(self)
    }

    /// No encryption: access and refresh tokens are written in clear, for
    /// anyone who can read the store to use. Only for stores that are
    /// protected otherwise (a file only its user can read, on a disk
    /// encrypted at rest); entries sealed by a key are then ignored.
    pub fn none_tokens_stored_in_clear() -> Self {
        StoreEncryption {
            sealing: Sealing::Clear,
        }
    }

    /// `token` as the bytes to keep under `store_key`.
    pub(crate) fn seal(&self, store_key: &str, token: &StoredToken) -> Result<Vec<u8>, StoreError> {
        let mut plain = serde_json::to_vec(&Record::of(token))
            .map_err(|e| StoreError::with_source("cannot serialize a token", e))?;
        let sealed = match &self.sealing {
            Sealing::Clear => {
                let mut value = Vec::with_capacity(plain.len() + 1);
                value.push(FORMAT_CLEAR);
                value.extend_from_slice(&plain);
                Ok(value)
            }
            Sealing::Aes(keys) => {
                let (id, key) = &keys.current;
                let random = &keys.random;
                let mut nonce = [0u8; NONCE_LEN];
                random
                    .fill(&mut nonce)
                    .map_err(|_| StoreError::new("no randomness for a nonce"))?;
                let mut value = Vec::with_capacity(2 + NONCE_LEN + plain.len() + 16);
                value.extend_from_slice(&[FORMAT_AES_256_GCM, *id]);
                value.extend_from_slice(&nonce);
                let mut body = plain.clone();
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(associated_data(*id, store_key)),
                    &mut body,
                )
                .map_err(|_| StoreError::new("cannot seal a token"))?;
                value.extend_from_slice(&body);
                Ok(value)
            }
        };
        plain.zeroize();
        sealed
    }

    /// The token in `value`, kept under `store_key`; `None` when it does
    /// not open with these keys or is not a token.
    pub(crate) fn open(&self, store_key: &str, value: &[u8]) -> Option<StoredToken> {
        let (&format, rest) = value.split_first()?;
        let mut plain = match (&self.sealing, format) {
            (Sealing::Clear, FORMAT_CLEAR) => rest.to_vec(),
            (Sealing::Aes(keys), FORMAT_AES_256_GCM) => {
                let (current, previous) = (&keys.current, &keys.previous);
                let (&id, rest) = rest.split_first()?;
                let key = std::iter::once(current)
                    .chain(previous)
                    .find(|(known, _)| *known == id)
                    .map(|(_, key)| key)?;
                let nonce = Nonce::try_assume_unique_for_key(rest.get(..NONCE_LEN)?).ok()?;
                let mut body = rest.get(NONCE_LEN..)?.to_vec();
                let opened = key
                    .open_in_place(nonce, Aad::from(associated_data(id, store_key)), &mut body)
                    .ok()
                    .map(|plain| plain.to_vec());
                body.zeroize();
                opened?
            }
            _ => return None,
        };
        let token = serde_json::from_slice::<Record>(&plain)
            .ok()
            .map(Record::into_token);
        plain.zeroize();
        token
    }
}

/// What a sealed value is bound to: its format, its key id and its key.
fn associated_data(key_id: u8, store_key: &str) -> Vec<u8> {
    let mut aad = vec![FORMAT_AES_256_GCM, key_id];
    aad.extend_from_slice(store_key.as_bytes());
    aad
}

/// A [`StoredToken`] as JSON, times in milliseconds since the Unix epoch.
#[derive(Serialize, Deserialize)]
struct Record {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    obtained_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<String>>,
}

impl Drop for Record {
    fn drop(&mut self) {
        self.access_token.zeroize();
        if let Some(refresh) = &mut self.refresh_token {
            refresh.zeroize();
        }
    }
}

fn to_ms(at: SystemTime) -> Option<u64> {
    u64::try_from(at.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()
}

fn from_ms(ms: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_millis(ms))
}

impl Record {
    fn of(token: &StoredToken) -> Self {
        Record {
            access_token: token.access_token.expose_secret().to_owned(),
            refresh_token: token
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_owned()),
            expires_at_ms: token.expires_at.and_then(to_ms),
            obtained_at_ms: token.obtained_at.and_then(to_ms),
            scopes: token.scopes.clone(),
        }
    }

    fn into_token(mut self) -> StoredToken {
        let mut token = StoredToken::new(
            SecretString::from(std::mem::take(&mut self.access_token)),
            self.refresh_token.take().map(SecretString::from),
            self.expires_at_ms.and_then(from_ms),
            self.scopes.take(),
        );
        token.obtained_at = self.obtained_at_ms.and_then(from_ms);
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> StoredToken {
        StoredToken::new(
            SecretString::from("access-secret"),
            Some(SecretString::from("refresh-secret")),
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000)),
            Some(vec!["read".into()]),
        )
        .with_obtained_at(UNIX_EPOCH + Duration::from_secs(1_999_996_400))
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    #[test]
    fn sealed_values_open_under_their_key_only() {
        let key = [7u8; 32];
        let sealing = StoreEncryption::aes_256_gcm(1, &key).unwrap();
        let sealed = sealing.seal("k1", &token()).unwrap();
        assert_eq!(&sealed[..2], &[FORMAT_AES_256_GCM, 1]);
        assert!(!contains(&sealed, "access-secret"));
        assert!(!contains(&sealed, "refresh-secret"));
        // A fresh nonce each time.
        assert_ne!(sealed, sealing.seal("k1", &token()).unwrap());

        let opened = sealing.open("k1", &sealed).expect("opens");
        assert_eq!(opened.access_token.expose_secret(), "access-secret");
        assert_eq!(
            opened.refresh_token.unwrap().expose_secret(),
            "refresh-secret"
        );
        assert_eq!(opened.expires_at, token().expires_at);
        assert_eq!(opened.obtained_at, token().obtained_at);
        assert_eq!(opened.scopes, token().scopes);

        // Moved to another key: refused.
        assert!(sealing.open("k2", &sealed).is_none());
        // Another key, or the same key under another id: ignored.
        let other = StoreEncryption::aes_256_gcm(1, &[8u8; 32]).unwrap();
        assert!(other.open("k1", &sealed).is_none());
        let renamed = StoreEncryption::aes_256_gcm(2, &key).unwrap();
        assert!(renamed.open("k1", &sealed).is_none());
        // A tampered byte anywhere: refused.
        for i in 0..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 1;
            assert!(sealing.open("k1", &tampered).is_none(), "byte {i}");
        }
        // Clear values are not accepted by a sealing store, nor the reverse.
        let clear = StoreEncryption::none_tokens_stored_in_clear();
        let in_clear = clear.seal("k1", &token()).unwrap();
        assert!(contains(&in_clear, "access-secret"));
        assert!(sealing.open("k1", &in_clear).is_none());
        assert!(clear.open("k1", &sealed).is_none());
        assert!(clear.open("k1", &in_clear).is_some());
    }

    #[test]
    fn a_rotated_key_still_opens_older_values() {
        let old = StoreEncryption::aes_256_gcm(1, &[1u8; 32]).unwrap();
        let sealed = old.seal("k", &token()).unwrap();
        let rotated = StoreEncryption::aes_256_gcm(2, &[2u8; 32])
            .unwrap()
            .with_previous_key(1, &[1u8; 32])
            .unwrap();
        assert!(rotated.open("k", &sealed).is_some());
        assert_eq!(rotated.seal("k", &token()).unwrap()[1], 2);
    }

    #[test]
    fn keys_are_checked_and_never_shown() {
        assert!(StoreEncryption::aes_256_gcm(1, &[0u8; 16]).is_err());
        assert!(StoreEncryption::aes_256_gcm_hex(1, "abcd").is_err());
        assert!(StoreEncryption::aes_256_gcm_hex(1, &"zz".repeat(32)).is_err());
        let hex = "ab".repeat(32);
        let sealing = StoreEncryption::aes_256_gcm_hex(3, &hex).unwrap();
        let shown = format!("{sealing:?}");
        assert!(shown.contains("key_id: 3"), "{shown}");
        assert!(!shown.contains("ab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }

    #[test]
    fn damaged_values_are_ignored() {
        let sealing = StoreEncryption::aes_256_gcm(1, &[7u8; 32]).unwrap();
        for value in [&b""[..], &[1], &[1, 1], &[1, 1, 0, 0, 0], &[9, 9, 9]] {
            assert!(sealing.open("k", value).is_none());
        }
        let clear = StoreEncryption::none_tokens_stored_in_clear();
        assert!(clear.open("k", b"\0not json").is_none());
    }
}
