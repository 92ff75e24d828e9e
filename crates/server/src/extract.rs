//! Request extractors whose failures speak our error format instead of axum's plain text.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppError};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use weiyuan_domain::access::{Actor, Lang};
use weiyuan_domain::{FieldError, Invalid};

/// A logged-in caller of the JSON API; anyone else gets 401.
pub struct ApiUser {
    pub actor: Actor,
    pub lang: Lang,
    pub caller: Caller,
}

impl ApiUser {
    /// Map a service error to the API's error, in the caller's language.
    pub fn err(&self) -> impl Fn(AppError) -> ApiError + use<> {
        let lang = self.lang;
        move |e| ApiError(e, lang)
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(caller) = Caller::from_request_parts(parts, state).await;
        match caller.actor.clone() {
            Some(actor) => Ok(ApiUser { actor, lang: caller.lang, caller }),
            None => Err(ApiError(AppError::Unauthenticated, caller.lang)),
        }
    }
}

/// A logged-in API caller that may write: a cookie session must also send its CSRF token in
/// the X-CSRF-Token header (a bearer token needs none).
pub struct ApiWriter(pub ApiUser);

impl std::ops::Deref for ApiWriter {
    type Target = ApiUser;
    fn deref(&self) -> &ApiUser {
        &self.0
    }
}

impl FromRequestParts<AppState> for ApiWriter {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = ApiUser::from_request_parts(parts, state).await?;
        let token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        user.caller.check_csrf(token).map_err(user.err())?;
        Ok(ApiWriter(user))
    }
}

/// A numeric id from the path; anything else is "not found".
pub struct Id(pub i64);

impl FromRequestParts<AppState> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Caller::from_request_parts(parts, state).await.map(|c| c.lang).unwrap_or_default();
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::NotFound, lang))?;
        raw.parse::<i64>().map(Id).map_err(|_| ApiError(AppError::NotFound, lang))
    }
}

/// Two numeric ids from the path (`/runs/{id}/results/{enterprise_id}`); anything else is "not found".
pub struct Ids(pub i64, pub i64);

impl FromRequestParts<AppState> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Caller::from_request_parts(parts, state).await.map(|c| c.lang).unwrap_or_default();
        let not_found = || ApiError(AppError::NotFound, lang);
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await.map_err(|_| not_found())?;
        Ok(Ids(a.parse().map_err(|_| not_found())?, b.parse().map_err(|_| not_found())?))
    }
}

/// The body of a request (at most 1 MiB) and the caller's language, for error messages.
async fn read_body(req: Request, state: &AppState) -> Result<(axum::body::Bytes, Lang), ApiError> {
    let (mut parts, body) = req.into_parts();
    let Ok(caller) = Caller::from_request_parts(&mut parts, state).await;
    let too_large = || AppError::Invalid(Invalid::one(FieldError::new("body", "error.body_too_large")));
    let bytes = axum::body::to_bytes(body, 1 << 20).await.map_err(|_| ApiError(too_large(), caller.lang))?;
    Ok((bytes, caller.lang))
}

/// A JSON body; malformed JSON or a wrong type answers 422 naming the problem.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (bytes, lang) = read_body(req, state).await?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de).map(JsonBody).map_err(|e| {
            let path = e.path().to_string();
            // The body itself when the error is not inside one field (`{`, a list, a number).
            let field = if path == "." || path == "?" { "body".to_string() } else { path };
            let err = FieldError::new(&field, "error.bad_json").with("detail", e.inner());
            ApiError(AppError::Invalid(Invalid::one(err)), lang)
        })
    }
}

/// A JSON body its handler decodes itself (with its own limits and messages, as the telemetry
/// decoder does); documented as `T`.
pub struct RawJson<T>(pub axum::body::Bytes, pub std::marker::PhantomData<T>);

impl<T> FromRequest<AppState> for RawJson<T> {
    type Rejection = axum::extract::rejection::BytesRejection;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state).await?;
        Ok(RawJson(bytes, std::marker::PhantomData))
    }
}

/// A form body and its `_csrf` field; a body that is not a form answers like an invalid field.
/// Forms of logged-in users use `pages::CsrfForm`, which also checks the token.
pub struct FormBody<T>(pub T, pub String);

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for FormBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (bytes, lang) = read_body(req, state).await?;
        let csrf = serde_urlencoded::from_bytes::<CsrfField>(&bytes).map(|c| c.csrf).unwrap_or_default();
        serde_urlencoded::from_bytes(&bytes).map(|v| FormBody(v, csrf)).map_err(|e| {
            let err = FieldError::new("body", "error.bad_form").with("detail", e);
            ApiError(AppError::Invalid(Invalid::one(err)), lang)
        })
    }
}

/// The client's address, as the login limits count it: the peer of the connection (a server
/// behind a reverse proxy sees the proxy; see docs/operations.md). "unknown" when the server
/// was started without connection info (tests embedding the router).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())))
    }
}

/// `?page=&size=` of a paged list: page from 1, size at most 500 (each list its default).
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PageQuery {
    pub page: String,
    pub size: String,
}

impl PageQuery {
    /// (page, size), or the fields out of range by name.
    pub fn checked(&self, default_size: i64) -> Result<(i64, i64), Invalid> {
        let mut c = weiyuan_domain::validation::Checker::new();
        let (page, size) = c.paging(&self.page, &self.size, default_size);
        c.finish((page, size))
    }

    /// The `LIMIT` and `OFFSET` of (page, size).
    pub fn window((page, size): (i64, i64)) -> (i64, i64) {
        (size, (page - 1) * size)
    }
}
