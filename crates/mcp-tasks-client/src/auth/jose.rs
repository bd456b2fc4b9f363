//! The little JOSE the client needs: ES256 keys (ring), compact JWS, JWK thumbprints
//! (RFC 7638), DPoP proofs (RFC 9449 §4) and PKCE (RFC 7636 §4.2, S256).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// base64url without padding.
pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `n` random bytes, base64url: state, PKCE verifiers, `jti`s. The operating system's
/// generator failing fails the authorization step that needed it, not the process.
pub(crate) fn random_token(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| {
        Error::Auth(format!(
            "the operating system's random generator failed: {e}"
        ))
    })?;
    Ok(b64(&buf))
}

/// base64url(SHA-256(text)): the S256 PKCE challenge and the DPoP `ath`.
pub(crate) fn sha256_b64(text: &str) -> String {
    b64(&Sha256::digest(text.as_bytes()))
}

/// A PKCE pair: (verifier, S256 challenge). 32 random bytes give a 43-character verifier,
/// the minimum RFC 7636 §4.1 allows.
pub(crate) fn pkce() -> Result<(String, String)> {
    let verifier = random_token(32)?;
    let challenge = sha256_b64(&verifier);
    Ok((verifier, challenge))
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A P-256 key pair that signs ES256 JWS.
pub(crate) struct EsKey {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for EsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsKey")
            .field("thumbprint", &self.thumbprint())
            .finish()
    }
}

impl EsKey {
    /// A fresh key (DPoP).
    pub(crate) fn generate() -> Result<EsKey> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| Error::Auth("cannot generate a P-256 key".into()))?;
        EsKey::from_pkcs8(doc.as_ref())
    }

    /// A PKCS#8 DER key (with its public half, as OpenSSL and WebCrypto write them).
    pub(crate) fn from_pkcs8(der: &[u8]) -> Result<EsKey> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map_err(|e| Error::Config(format!("not a PKCS#8 P-256 private key: {e}")))?;
        Ok(EsKey {
            pair,
            pkcs8: der.to_vec(),
        })
    }

    /// A `-----BEGIN PRIVATE KEY-----` PEM key.
    pub(crate) fn from_pem(pem: &str) -> Result<EsKey> {
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("-----"))
            .collect();
        if !pem.contains("BEGIN PRIVATE KEY") {
            return Err(Error::Config(
                "the client key must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) P-256 key"
                    .into(),
            ));
        }
        let der = STANDARD
            .decode(body.as_bytes())
            .map_err(|e| Error::Config(format!("the client key PEM is not base64: {e}")))?;
        EsKey::from_pkcs8(&der)
    }

    /// The PKCS#8 DER, to keep the key next to the tokens bound to it.
    pub(crate) fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key as a JWK.
    pub(crate) fn public_jwk(&self) -> Value {
        let (x, y) = self.coordinates();
        json!({"kty": "EC", "crv": "P-256", "x": x, "y": y})
    }

    fn coordinates(&self) -> (String, String) {
        // Uncompressed SEC1 point: 0x04 || x (32) || y (32).
        let point = self.pair.public_key().as_ref();
        (b64(&point[1..33]), b64(&point[33..65]))
    }

    /// The RFC 7638 SHA-256 thumbprint of the public JWK (the `jkt` a DPoP token is bound to).
    pub(crate) fn thumbprint(&self) -> String {
        let (x, y) = self.coordinates();
        // Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2).
        sha256_b64(&format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#
        ))
    }

    /// A compact ES256 JWS of `claims` with `header` (whose `alg` is set here).
    pub(crate) fn sign_jwt(&self, mut header: Value, claims: &Value) -> Result<String> {
        header["alg"] = json!("ES256");
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| Error::Auth("ES256 signing failed".into()))?;
        Ok(format!("{input}.{}", b64(sig.as_ref())))
    }
}

/// A DPoP proof (RFC 9449 §4.2) for `htm` on `htu` (query and fragment removed), bound to
/// `access_token` through `ath` when one is presented, carrying the server's `nonce`.
pub(crate) fn dpop_proof(
    key: &EsKey,
    htm: &str,
    htu: &str,
    access_token: Option<&str>,
    nonce: Option<&str>,
) -> Result<String> {
    let htu = htu.split(['?', '#']).next().unwrap_or(htu);
    let mut claims = json!({
        "jti": random_token(16)?,
        "htm": htm,
        "htu": htu,
        "iat": now_secs(),
    });
    if let Some(t) = access_token {
        claims["ath"] = json!(sha256_b64(t));
    }
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    key.sign_jwt(json!({"typ": "dpop+jwt", "jwk": key.public_jwk()}), &claims)
}

/// A `private_key_jwt` client assertion (RFC 7523 §3, RFC 7521 §4.2): issued by and about
/// the client, for the authorization server's issuer, valid for `lifetime_secs`.
pub(crate) fn client_assertion(
    key: &EsKey,
    client_id: &str,
    audience: &str,
    lifetime_secs: u64,
) -> Result<String> {
    let now = now_secs();
    key.sign_jwt(
        json!({"typ": "JWT"}),
        &json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + lifetime_secs,
            "jti": random_token(16)?,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    #[test]
    fn pkce_challenge_is_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            sha256_b64("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let (v, c) = pkce().unwrap();
        assert_eq!(v.len(), 43);
        assert_eq!(c, sha256_b64(&v));
    }

    #[test]
    fn dpop_proofs_verify_against_their_embedded_key() {
        let key = EsKey::generate().unwrap();
        let proof = dpop_proof(
            &key,
            "POST",
            "http://a.example/mcp?x=1",
            Some("tok"),
            Some("n1"),
        )
        .unwrap();
        let parts: Vec<&str> = proof.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert!(
            header["jwk"].get("d").is_none(),
            "no private part in the proof"
        );
        assert_eq!(claims["htu"], "http://a.example/mcp");
        assert_eq!(claims["ath"], sha256_b64("tok"));
        assert_eq!(claims["nonce"], "n1");
        let x = URL_SAFE_NO_PAD
            .decode(header["jwk"]["x"].as_str().unwrap())
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode(header["jwk"]["y"].as_str().unwrap())
            .unwrap();
        let mut point = vec![4u8];
        point.extend(x);
        point.extend(y);
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .expect("the proof verifies");
        // Two proofs never share a jti.
        let other = dpop_proof(&key, "POST", "http://a.example/mcp", None, None).unwrap();
        assert_ne!(proof, other);
    }

    #[test]
    fn keys_round_trip_through_pem() {
        let key = EsKey::generate().unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(key.pkcs8())
        );
        let again = EsKey::from_pem(&pem).unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
        assert!(
            EsKey::from_pem("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----")
                .is_err()
        );
    }
}
