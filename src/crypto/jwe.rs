//! JSON Web Encryption (RFC 7516) in the one form SMART Health Links use:
//! compact serialization, direct encryption with a shared 256-bit key
//! (`alg: dir`), AES-256-GCM (`enc: A256GCM`), the payload optionally
//! compressed with raw DEFLATE first (`zip: DEF`). Through Sequoia's AEAD
//! primitives, as the reader's cache is (see [`super::message`]).

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use sequoia_openpgp as openpgp;
use sequoia_openpgp::crypto::SessionKey;
use sequoia_openpgp::types::{AEADAlgorithm, SymmetricAlgorithm};

use crate::error::{Error, Result};

/// The protected header of a file: always these fields, in this order.
fn header(cty: &str, zip: bool) -> String {
    let mut h = serde_json::json!({ "alg": "dir", "enc": "A256GCM", "cty": cty });
    if zip {
        h["zip"] = "DEF".into();
    }
    h.to_string()
}

/// `plaintext` encrypted with `key` as a compact JWE whose content type is
/// `cty` (e.g. `application/fhir+json`), compressed first if `zip`.
pub fn encrypt(plaintext: &[u8], key: &[u8; 32], cty: &str, zip: bool) -> Result<String> {
    let bad = |e: anyhow::Error| Error::crypto("encrypting", e);
    let body = if zip {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(plaintext).map_err(|e| Error::io("compressing", e))?;
        z.finish().map_err(|e| Error::io("compressing", e))?
    } else {
        plaintext.to_vec()
    };
    let protected = B64.encode(header(cty, zip));
    let mut iv = [0u8; 12];
    openpgp::crypto::random(&mut iv).map_err(bad)?;
    let sk = SessionKey::from(&key[..]);
    // The additional authenticated data is the encoded header (RFC 7516 5.1).
    let mut ctx = AEADAlgorithm::GCM
        .context(SymmetricAlgorithm::AES256, &sk, protected.as_bytes(), &iv)
        .and_then(|b| b.for_encryption())
        .map_err(bad)?;
    let tag_len = ctx.digest_size();
    let mut sealed = vec![0u8; body.len() + tag_len];
    ctx.encrypt_seal(&mut sealed, &body).map_err(bad)?;
    let (ciphertext, tag) = sealed.split_at(body.len());
    Ok(format!("{protected}..{}.{}.{}", B64.encode(iv), B64.encode(ciphertext), B64.encode(tag)))
}

/// Opens a compact JWE made as [`encrypt`] makes them: its content type
/// and plaintext (inflated, at most `max` bytes), or why not.
pub fn decrypt(compact: &str, key: &[u8; 32], max: usize) -> Result<(String, Vec<u8>)> {
    let bad = |m: &dyn std::fmt::Display| Error::Invalid(format!("the encrypted file does not open: {m}"));
    let parts: Vec<&str> = compact.trim().split('.').collect();
    let [protected, "", iv, ciphertext, tag] = parts[..] else {
        return Err(bad(&"not a compact JWE with direct encryption (five parts, no encrypted key)"));
    };
    let dec = |s: &str| B64.decode(s).map_err(|e| bad(&e));
    let h: serde_json::Value = serde_json::from_slice(&dec(protected)?).map_err(|e| bad(&e))?;
    if h["alg"] != "dir" || h["enc"] != "A256GCM" {
        return Err(bad(&"only alg dir with enc A256GCM is used here"));
    }
    let zip = match h.get("zip") {
        None => false,
        Some(z) if z == "DEF" => true,
        Some(z) => return Err(bad(&format!("unknown compression {z}"))),
    };
    let (iv, ciphertext, tag) = (dec(iv)?, dec(ciphertext)?, dec(tag)?);
    if ciphertext.len() > max {
        return Err(bad(&format!("it is larger than {max} bytes")));
    }
    let sk = SessionKey::from(&key[..]);
    let mut ctx = AEADAlgorithm::GCM
        .context(SymmetricAlgorithm::AES256, &sk, protected.as_bytes(), &iv)
        .and_then(|b| b.for_decryption())
        .map_err(|e| bad(&e))?;
    let mut sealed = ciphertext;
    sealed.extend_from_slice(&tag);
    let mut body = vec![0u8; sealed.len().saturating_sub(ctx.digest_size())];
    ctx.decrypt_verify(&mut body, &sealed).map_err(|e| bad(&e))?;
    let plaintext = if zip {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&body[..]).take(max as u64 + 1).read_to_end(&mut out).map_err(|e| bad(&e))?;
        if out.len() > max {
            return Err(bad(&format!("it inflates to more than {max} bytes")));
        }
        out
    } else {
        body
    };
    Ok((h["cty"].as_str().unwrap_or_default().to_string(), plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_opens_with_its_key_only_and_a_change_is_seen() {
        let key = [7u8; 32];
        for zip in [false, true] {
            let jwe = encrypt(b"{\"resourceType\":\"Bundle\"}", &key, "application/fhir+json", zip).unwrap();
            let (cty, back) = decrypt(&jwe, &key, 1 << 20).unwrap();
            assert_eq!((cty.as_str(), &back[..]), ("application/fhir+json", &b"{\"resourceType\":\"Bundle\"}"[..]));
            assert!(decrypt(&jwe, &[8u8; 32], 1 << 20).is_err(), "another key");
            // The header is authenticated: a changed one does not open.
            let other = B64.encode(header("text/plain", zip));
            let forged = format!("{other}{}", &jwe[jwe.find('.').unwrap()..]);
            assert!(decrypt(&forged, &key, 1 << 20).is_err(), "a changed header");
        }
        // A bomb is stopped at the limit.
        let jwe = encrypt(&vec![b'a'; 1 << 20], &key, "application/fhir+json", true).unwrap();
        let e = decrypt(&jwe, &key, 10_000).unwrap_err().to_string();
        assert!(e.contains("inflates to more than 10000"), "{e}");
    }
}
