//! Request extractors whose failures speak our error format instead of axum's plain text.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppError};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use weiyuan_domain::{FieldError, Invalid};

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

/// A JSON body; malformed JSON or a wrong type answers 422 naming the problem.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let lang = Caller::from_request_parts(&mut parts, state).await.map(|c| c.lang).unwrap_or_default();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.map_err(|_| {
            ApiError(AppError::Invalid(Invalid::one(FieldError::new("body", "error.body_too_large"))), lang)
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de).map(JsonBody).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "body".to_string() } else { path };
            let err = FieldError::new(&field, "error.bad_json").with("detail", e.inner());
            ApiError(AppError::Invalid(Invalid::one(err)), lang)
        })
    }
}

/// A form body and its `_csrf` field; a body that is not a form answers like an invalid field.
pub struct FormBody<T>(pub T, pub String);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for FormBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let lang = Caller::from_request_parts(&mut parts, state).await.map(|c| c.lang).unwrap_or_default();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.map_err(|_| {
            ApiError(AppError::Invalid(Invalid::one(FieldError::new("body", "error.body_too_large"))), lang)
        })?;
        let csrf = serde_urlencoded::from_bytes::<CsrfField>(&bytes).map(|c| c.csrf).unwrap_or_default();
        serde_urlencoded::from_bytes(&bytes).map(|v| FormBody(v, csrf)).map_err(|e| {
            let err = FieldError::new("body", "error.bad_form").with("detail", e);
            ApiError(AppError::Invalid(Invalid::one(err)), lang)
        })
    }
}
