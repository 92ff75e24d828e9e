//! Authentication: argon2id password hashes, server-side sessions (cookie for pages, bearer
//! token for the API and integrations), CSRF tokens for cookie-authenticated writes and a
//! login rate limit kept in the database (shared by every server process).

use crate::AppState;
use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use weiyuan_domain::access::{Actor, Lang};
use weiyuan_store::users::User;
use weiyuan_store::{AuditCtx, Store, now_ms};

pub const SESSION_COOKIE: &str = "wy_session";
pub const LANG_COOKIE: &str = "wy_lang";
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Failed logins allowed per username within the window before further attempts are refused.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longer passwords are refused (and never hashed).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sessions are stored by the SHA-256 of their token: a leaked table grants nothing.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source works");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any password").to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// Hashing is deliberately slow: keep it off the async workers.
pub async fn hash_password_async(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.expect("hashing does not panic")
}

/// A hash of a password nobody has, so that unknown usernames cost the same time as known ones.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password never used"))
}

/// Failures from one client address over all usernames before it must wait out the window
/// (password spraying).
pub const MAX_CLIENT_FAILURES: i64 = 30;

/// How long a username must wait at a client after `n` failures there within the window:
/// nothing below `MAX_FAILURES`, then 1, 2, 4, 8 minutes, then the whole window (15).
pub fn delay_after(n: i64) -> i64 {
    if n < MAX_FAILURES { 0 } else { (60_000i64 << (n - MAX_FAILURES).min(4)).min(FAILURE_WINDOW_MS) }
}

/// Check a login: rate limits first, then the password. Failures are counted per username and
/// client address (growing delays) and per client address over all usernames, in the database
/// so every server shares them; failures at one address never lock the owner out at another.
pub async fn check_login(store: &Store, username: &str, password: &str, client: &str) -> Result<User, AppError> {
    let username = &username.trim().to_ascii_lowercase();
    if password.chars().count() > MAX_PASSWORD_CHARS {
        // Never hash an unbounded input.
        return Err(AppError::BadCredentials);
    }
    let now = now_ms();
    let ((failures, last), (from_client, first)) =
        store.login_failures_since(username, client, now - FAILURE_WINDOW_MS).await?;
    let wait_until = [
        last.map(|l| l + delay_after(failures)).filter(|_| failures >= MAX_FAILURES),
        first.map(|f| f + FAILURE_WINDOW_MS).filter(|_| from_client >= MAX_CLIENT_FAILURES),
    ]
    .into_iter()
    .flatten()
    .max();
    if let Some(until) = wait_until.filter(|u| *u > now) {
        return Err(AppError::RateLimited { minutes: ((until - now) / 60_000 + 1).max(1) });
    }
    let found = store.user_credentials(username).await?;
    let (hash, user) = match found {
        Some((user, hash)) if user.active => (hash, Some(user)),
        _ => (decoy_hash().to_string(), None),
    };
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash)).await.unwrap_or(false);
    match (ok, user) {
        (true, Some(user)) => {
            store.clear_login_failures(username, client).await?;
            Ok(user)
        }
        _ => {
            store.record_login_failure(username, client).await?;
            Err(AppError::BadCredentials)
        }
    }
}

/// Start a session for a user; returns the token (cookie value or bearer token).
pub async fn start_session(store: &Store, user: &User, via: &str) -> Result<String, AppError> {
    let token = random_token();
    store.create_session(user, &token_hash(&token), &random_token(), SESSION_TTL_MS, via).await?;
    Ok(token)
}

/// How a request authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Cookie,
    Bearer,
    None,
}

/// The caller of a request: the actor when logged in, the session's CSRF token and the language.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Option<Actor>,
    pub csrf: String,
    pub via: Via,
    pub lang: Lang,
    pub token_hash: Option<String>,
}

impl Caller {
    pub fn require(&self) -> Result<&Actor, AppError> {
        self.actor.as_ref().ok_or(AppError::Unauthenticated)
    }

    pub fn audit(&self) -> Result<AuditCtx, AppError> {
        let a = self.require()?;
        Ok(AuditCtx::from(a))
    }

    /// Writes from a cookie session must carry the session's CSRF token; bearer calls need none.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), AppError> {
        match self.via {
            Via::Bearer => Ok(()),
            Via::Cookie if presented.is_some_and(|p| constant_time_eq(p, &self.csrf)) => Ok(()),
            Via::Cookie => Err(AppError::Csrf),
            Via::None => Err(AppError::Unauthenticated),
        }
    }
}

pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The token of an `Authorization: Bearer …` header, trimmed.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Several extractors of one request ask for the caller: look the session up once.
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let caller = Self::resolve(parts, state).await;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

impl Caller {
    async fn resolve(parts: &Parts, state: &AppState) -> Caller {
        let cookie_lang = cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse);
        let (token, via) = match (bearer(&parts.headers), cookie(&parts.headers, SESSION_COOKIE)) {
            (Some(t), _) => (Some(t), Via::Bearer),
            (None, Some(t)) => (Some(t), Via::Cookie),
            (None, None) => (None, Via::None),
        };
        if let Some(token) = token {
            let hash = token_hash(token);
            match state.store.session_user(&hash).await {
                Ok(Some((user, csrf))) => {
                    return Caller { lang: user.lang, actor: Some(user.actor()), csrf, via, token_hash: Some(hash) };
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "session lookup failed"),
            }
        }
        Caller {
            actor: None,
            csrf: String::new(),
            via: Via::None,
            lang: cookie_lang.unwrap_or_default(),
            token_hash: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horse ", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(h, hash_password("correct horse"), "salted");
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; wy_session=abc; wy_lang=en".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&h, "b"), None);
    }

    #[test]
    fn csrf_is_required_for_cookie_sessions_only() {
        let c = Caller { actor: None, csrf: "tok".into(), via: Via::Cookie, lang: Lang::ZhCn, token_hash: None };
        assert!(c.check_csrf(Some("tok")).is_ok());
        assert!(c.check_csrf(Some("tok2")).is_err() && c.check_csrf(None).is_err());
        let b = Caller { via: Via::Bearer, ..c };
        assert!(b.check_csrf(None).is_ok());
    }
}
