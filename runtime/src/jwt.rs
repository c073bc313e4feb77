//! `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect
//! Core §9): the client proves itself with a short-lived JWT signed with
//! its private key instead of a shared secret.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};

use crate::encoding::{base64url, decode_base64, decode_base64url};
use crate::error::Error;

/// The `client_assertion_type` of a JWT assertion.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid.
const LIFETIME_SECONDS: u64 = 60;

enum Key {
    Rs256(RsaKeyPair),
    Es256(EcdsaKeyPair),
}

/// A private key that signs client assertions: RSA (RS256) or P-256
/// (ES256), from PKCS#8 PEM or a JSON Web Key.
pub struct SigningKey {
    key: Key,
    key_id: Option<String>,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads a PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`), RSA or
    /// P-256.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, Error> {
        let invalid = |what: &str| Error::Config(format!("the private key {what}"));
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        if !pem.contains("-----BEGIN PRIVATE KEY-----") {
            return Err(invalid(
                "is not PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`); convert it with `openssl pkcs8 -topk8 -nocrypt`",
            ));
        }
        let der = decode_base64(&body).ok_or_else(|| invalid("is not valid base64"))?;
        let rng = SystemRandom::new();
        let key = if let Ok(rsa) = RsaKeyPair::from_pkcs8(&der) {
            Key::Rs256(rsa)
        } else if let Ok(ec) =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng)
        {
            Key::Es256(ec)
        } else {
            return Err(invalid("is neither an RSA nor a P-256 PKCS#8 key"));
        };
        Ok(SigningKey {
            key,
            key_id: None,
            rng,
        })
    }

    /// Reads a private JSON Web Key (RFC 7517): RSA (`"kty": "RSA"` with
    /// `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`) or P-256 (`"kty": "EC"`,
    /// `"crv": "P-256"` with `x`, `y`, `d`), as identity providers hand
    /// them out. Its `kid`, when present, becomes the assertions' `kid`
    /// header. Errors name the member at fault, never its value.
    pub fn from_jwk(jwk: &str) -> Result<Self, Error> {
        let invalid = |what: String| Error::Config(format!("the JSON Web Key {what}"));
        let jwk: serde_json::Value =
            serde_json::from_str(jwk).map_err(|_| invalid("is not JSON".to_owned()))?;
        let member = |name: &str| -> Result<Vec<u8>, Error> {
            let text = jwk
                .get(name)
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| invalid(format!("has no `{name}` string member")))?;
            decode_base64url(text)
                .ok_or_else(|| invalid(format!("member `{name}` is not base64url")))
        };
        let rng = SystemRandom::new();
        let key = match jwk.get("kty").and_then(serde_json::Value::as_str) {
            Some("RSA") => {
                let components = ring::rsa::KeyPairComponents {
                    public_key: ring::rsa::PublicKeyComponents {
                        n: member("n")?,
                        e: member("e")?,
                    },
                    d: member("d")?,
                    p: member("p")?,
                    q: member("q")?,
                    dP: member("dp")?,
                    dQ: member("dq")?,
                    qInv: member("qi")?,
                };
                Key::Rs256(
                    RsaKeyPair::from_components(&components)
                        .map_err(|e| invalid(format!("is not a usable RSA private key ({e})")))?,
                )
            }
            Some("EC") => {
                if jwk.get("crv").and_then(serde_json::Value::as_str) != Some("P-256") {
                    return Err(invalid("is on another curve than P-256".to_owned()));
                }
                // The public point, uncompressed (SEC 1 §2.3.3).
                let mut public = vec![0x04];
                public.extend(member("x")?);
                public.extend(member("y")?);
                Key::Es256(
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &member("d")?,
                        &public,
                        &rng,
                    )
                    .map_err(|e| invalid(format!("is not a usable P-256 private key ({e})")))?,
                )
            }
            _ => {
                return Err(invalid(
                    "is neither an RSA nor an EC key (`kty`)".to_owned(),
                ))
            }
        };
        Ok(SigningKey {
            key,
            key_id: jwk
                .get("kid")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            rng,
        })
    }

    /// The `kid` header, when the server selects keys by id.
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    fn algorithm(&self) -> &'static str {
        match self.key {
            Key::Rs256(_) => "RS256",
            Key::Es256(_) => "ES256",
        }
    }

    /// The public key's raw bytes (for tests and registration).
    pub fn public_key(&self) -> Vec<u8> {
        match &self.key {
            Key::Rs256(key) => key.public().as_ref().to_vec(),
            Key::Es256(key) => key.public_key().as_ref().to_vec(),
        }
    }

    /// A client assertion for `client_id` at `audience` (the token URL).
    pub(crate) fn assertion(&self, client_id: &str, audience: &str) -> Result<String, Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut jti = [0u8; 16];
        ring::rand::SecureRandom::fill(&self.rng, &mut jti)
            .map_err(|_| Error::Config("the system random number generator failed".to_owned()))?;
        let mut header = serde_json::json!({ "alg": self.algorithm(), "typ": "JWT" });
        if let Some(kid) = &self.key_id {
            header["kid"] = serde_json::Value::String(kid.clone());
        }
        let claims = serde_json::json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": base64url(&jti),
            "iat": now,
            "exp": now + LIFETIME_SECONDS,
        });
        let signing_input = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        );
        let failed = |_| Error::Config("signing the client assertion failed".to_owned());
        let signature = match &self.key {
            Key::Rs256(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &self.rng,
                    signing_input.as_bytes(),
                    &mut signature,
                )
                .map_err(failed)?;
                signature
            }
            Key::Es256(key) => key
                .sign(&self.rng, signing_input.as_bytes())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
        };
        Ok(format!("{signing_input}.{}", base64url(&signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::base64;

    fn pem(der: &[u8]) -> String {
        let body = base64(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|chunk| std::str::from_utf8(chunk).unwrap())
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    fn decode_url(part: &str) -> Vec<u8> {
        let standard: String = part
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        decode_base64(&standard).unwrap()
    }

    #[test]
    fn es256_assertions_verify_and_carry_the_rfc_7523_claims() {
        let rng = SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let key = SigningKey::from_pkcs8_pem(&pem(der.as_ref()))
            .unwrap()
            .with_key_id("k1");
        let jwt = key
            .assertion("my-client", "https://auth.example.com/token")
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value = serde_json::from_slice(&decode_url(parts[0])).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "k1");
        let claims: serde_json::Value = serde_json::from_slice(&decode_url(parts[1])).unwrap();
        assert_eq!(claims["iss"], "my-client");
        assert_eq!(claims["sub"], "my-client");
        assert_eq!(claims["aud"], "https://auth.example.com/token");
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            LIFETIME_SECONDS
        );
        let public = signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            key.public_key(),
        );
        let signed = format!("{}.{}", parts[0], parts[1]);
        public
            .verify(signed.as_bytes(), &decode_url(parts[2]))
            .expect("the signature verifies with the public key");
    }

    /// A test-only P-256 key (`d` of RFC 7515 appendix A.3, with its
    /// public point).
    const TEST_EC_JWK: &str = r#"{"kty":"EC","crv":"P-256","kid":"a3",
        "x":"HOln3sDVxAbn_7_UvUuqXbNfWQD0qIopW2UMGtxhRUE",
        "y":"bwI0hXtwnYBJ7oFshdNB93w7UkLBsZUj_MoVhdvFUCM",
        "d":"jpsQnnGQmL-YBIffH1136cLv8fCBdU5VlbyIj7rTnNc"}"#;

    #[test]
    fn json_web_keys_sign_verifiable_assertions() {
        let key = SigningKey::from_jwk(TEST_EC_JWK).unwrap();
        let jwt = key
            .assertion("c", "https://auth.example.com/token")
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        let header: serde_json::Value = serde_json::from_slice(&decode_url(parts[0])).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "a3");
        // Verified against the public point the key names, not the one the
        // key computes.
        let mut public = vec![0x04];
        public.extend(decode_url("HOln3sDVxAbn_7_UvUuqXbNfWQD0qIopW2UMGtxhRUE"));
        public.extend(decode_url("bwI0hXtwnYBJ7oFshdNB93w7UkLBsZUj_MoVhdvFUCM"));
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public)
            .verify(
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &decode_url(parts[2]),
            )
            .expect("the signature verifies");
    }

    #[test]
    fn rsa_json_web_keys_sign_verifiable_assertions() {
        // A test-only key, made for this test and registered nowhere.
        let text = include_str!("../testdata/test-only-rsa.jwk");
        let key = SigningKey::from_jwk(text).unwrap();
        let jwt = key
            .assertion("c", "https://auth.example.com/token")
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        let header: serde_json::Value = serde_json::from_slice(&decode_url(parts[0])).unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "r1");
        let jwk: serde_json::Value = serde_json::from_str(text).unwrap();
        let public = signature::RsaPublicKeyComponents {
            n: decode_url(jwk["n"].as_str().unwrap()),
            e: decode_url(jwk["e"].as_str().unwrap()),
        };
        public
            .verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &decode_url(parts[2]),
            )
            .expect("the signature verifies");
        // A component off by one is refused.
        let broken = text.replacen(r#""qi": ""#, r#""qi": "A"#, 1);
        assert!(SigningKey::from_jwk(&broken).is_err());
    }

    #[test]
    fn json_web_keys_that_cannot_sign_are_refused_without_their_values() {
        let public_only = TEST_EC_JWK.replace(r#""d":"#, r#""unused":"#);
        let wrong_point = TEST_EC_JWK.replace("HOln3sDV", "AAAAAAAA");
        for (jwk, expected) in [
            (public_only.as_str(), "`d`"),
            (wrong_point.as_str(), "not a usable P-256"),
            (r#"{"kty":"oct","k":"c2VjcmV0"}"#, "`kty`"),
            (r#"{"kty":"EC","crv":"P-384","d":"x"}"#, "P-256"),
            (r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#, "`d`"),
            ("-----BEGIN PRIVATE KEY-----", "not JSON"),
        ] {
            let error = SigningKey::from_jwk(jwk).unwrap_err().to_string();
            assert!(error.contains(expected), "{jwk}: {error}");
            assert!(!error.contains("jpsQnnGQ"), "{error}");
        }
    }

    #[test]
    fn keys_that_are_not_pkcs8_are_refused_with_a_hint() {
        let error = SigningKey::from_pkcs8_pem(
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
        )
        .unwrap_err();
        assert!(error.to_string().contains("openssl pkcs8"), "{error}");
    }
}
