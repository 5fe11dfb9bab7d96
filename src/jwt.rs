//! Reading a JWT's claims without its key: enough to say a token had expired before the
//! connection, and whose it was. The signature is not checked and the token is never
//! printed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

/// The claims logweave uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    /// `exp`: when the token stops being valid.
    pub exp: Option<DateTime<Utc>>,
    /// `iat`: when it was issued.
    pub iat: Option<DateTime<Utc>>,
    /// `user_id` (SimpleJWT), else `sub`.
    pub user_id: Option<String>,
}

/// Decodes the payload of a JWT (`header.payload.signature`); `None` when `token` is not
/// one.
pub fn claims(token: &str) -> Option<Claims> {
    let mut parts = token.trim().split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    if !header.starts_with("eyJ") || payload.len() > 64 * 1024 {
        return None;
    }
    // Some encoders pad; URL_SAFE_NO_PAD rejects `=`.
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let obj = v.as_object()?;
    let time = |k: &str| {
        obj.get(k)
            .and_then(|x| x.as_f64())
            .and_then(|s| DateTime::<Utc>::from_timestamp(s as i64, 0))
    };
    let user_id = obj
        .get("user_id")
        .or_else(|| obj.get("sub"))
        .and_then(|x| match x {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    Some(Claims {
        exp: time("exp"),
        iat: time("iat"),
        user_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplejwt_payload_gives_exp_and_user_id() {
        // {"user_id":1,"exp":1795465460}
        let t = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxLCJleHAiOjE3OTU0NjU0NjB9.5mhBHqs5_DTLdINd9p5m7ZJ6XD0Xc55kIaCRY5r6HRA";
        let c = claims(t).unwrap();
        assert_eq!(c.user_id.as_deref(), Some("1"));
        assert_eq!(c.exp.unwrap().timestamp(), 1795465460);
    }

    #[test]
    fn non_jwt_tokens_are_not_decoded() {
        assert_eq!(claims("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"), None);
        assert_eq!(claims("eyJ.not-base64!.x"), None);
        assert_eq!(claims(""), None);
    }
}
