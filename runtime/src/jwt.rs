//! `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect
//! Core §9): the client proves itself with a short-lived JWT signed with
//! its private key instead of a shared secret.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};

use crate::encoding::{base64url, decode_base64};
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
/// (ES256), from PKCS#8 PEM.
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

    #[test]
    fn keys_that_are_not_pkcs8_are_refused_with_a_hint() {
        let error = SigningKey::from_pkcs8_pem(
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
        )
        .unwrap_err();
        assert!(error.to_string().contains("openssl pkcs8"), "{error}");
    }
}
