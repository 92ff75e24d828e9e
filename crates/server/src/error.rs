//! Errors as users see them. Services return `AppError`; the JSON API renders it as
//! `{"error": {"code", "message", "field", "fields"}}` with a fitting status, pages re-render
//! the form or show an error page. No input produces a 500: only a failing database does.

use crate::i18n::{self, field_error, field_label};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use weiyuan_domain::access::Lang;
use weiyuan_domain::rules::Check;
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// Not logged in, or the token/session is not valid.
    Unauthenticated,
    /// Logged in, but the role or scope does not allow this.
    Forbidden,
    /// No such record, or not one the caller may see (we do not tell which).
    NotFound,
    /// Input that breaks a rule, per field.
    Invalid(Invalid),
    /// A missing or wrong CSRF token on a cookie-authenticated write.
    Csrf,
    /// Too many failed logins.
    RateLimited {
        minutes: i64,
    },
    /// Wrong username or password.
    BadCredentials,
    /// The county's rules refuse the deal or decision: every check made, with its numbers.
    Refused(Vec<Check>),
    /// The decision was made on a page that is out of date (someone else decided meanwhile):
    /// what changed, per field. 409.
    Stale(Invalid),
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate(field) => AppError::Invalid(Invalid::one(FieldError::new(field, "error.duplicate"))),
            StoreError::Refused(checks) => AppError::Refused(checks),
            StoreError::OutOfScope(field) => {
                AppError::Invalid(Invalid::one(FieldError::new(field, "error.not_in_park")))
            }
            StoreError::Conflict(field) => {
                let code = match field {
                    "status" => return AppError::Stale(Invalid::one(FieldError::new(field, "error.status_changed"))),
                    "version" => return AppError::Stale(Invalid::one(FieldError::new(field, "error.version_changed"))),
                    "alarm" => return AppError::Stale(Invalid::one(FieldError::new(field, "error.alarm_closed"))),
                    "units" => "error.building_has_units",
                    "floors" => "error.units_above_floor",
                    "building_id" => "error.building_not_in_park",
                    "unit_ids" => "error.unit_taken",
                    "drawn" => "error.already_drawn",
                    "history" => "error.unit_has_history",
                    "township_code" => "error.township_change_county_only",
                    _ => "error.conflict",
                };
                AppError::Invalid(Invalid::one(FieldError::new(field, code)))
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<weiyuan_domain::access::Denied> for AppError {
    fn from(d: weiyuan_domain::access::Denied) -> Self {
        match d {
            weiyuan_domain::access::Denied::Hidden => AppError::NotFound,
            weiyuan_domain::access::Denied::Forbidden => AppError::Forbidden,
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct FieldMessage {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Every error the API answers: `{"error": {...}}`.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ErrorReply {
    pub error: ErrorBody,
}

/// The request layer adds `request_id` to every error body, the id its log lines carry.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    /// A stable code: unauthenticated, forbidden, not_found, invalid, refused, csrf,
    /// rate_limited, bad_credentials, internal, …
    code: &'static str,
    /// In the caller's language.
    message: String,
    /// The first offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldMessage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checks: Vec<CheckMessage>,
}

/// A rule's outcome as the API shows it: the stored check plus its sentence.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CheckMessage {
    #[serde(flatten)]
    pub check: Check,
    pub message: String,
}

impl CheckMessage {
    pub fn list(lang: Lang, checks: &[Check]) -> Vec<CheckMessage> {
        checks.iter().map(|c| CheckMessage { check: c.clone(), message: i18n::check_text(lang, c) }).collect()
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Refused(_) => "refused",
            AppError::Stale(_) => "stale",
            AppError::Csrf => "csrf",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::BadCredentials => "bad_credentials",
            AppError::Internal(_) => "internal",
        }
    }

    /// One sentence for people, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Invalid(inv) | AppError::Stale(inv) => match inv.0.as_slice() {
                [one] => format!("{}：{}", field_label(lang, &one.field), field_error(lang, one))
                    .replace("：", if lang == Lang::En { ": " } else { "：" }),
                _ => i18n::t(lang, "error.invalid").to_string(),
            },
            AppError::RateLimited { minutes } => {
                i18n::tf(lang, "login.rate_limited", &[("minutes".into(), minutes.to_string())])
            }
            AppError::Refused(checks) => {
                let failed: Vec<String> =
                    checks.iter().filter(|c| !c.passed).map(|c| i18n::check_text(lang, c)).collect();
                let sep = if lang == Lang::En { "; " } else { "；" };
                format!("{}{}", i18n::t(lang, "error.refused"), failed.join(sep))
            }
            AppError::Internal(_) => i18n::t(lang, "error.internal").to_string(),
            other => i18n::t(lang, &format!("error.{}", other.code())).to_string(),
        }
    }

    pub fn fields(&self, lang: Lang) -> Vec<FieldMessage> {
        match self {
            AppError::Invalid(inv) | AppError::Stale(inv) => inv
                .0
                .iter()
                .map(|e| FieldMessage { field: e.field.clone(), code: e.code.clone(), message: field_error(lang, e) })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The JSON response of the API.
    pub fn to_json(&self, lang: Lang) -> Response {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
        let fields = self.fields(lang);
        let body = ErrorBody {
            code: self.code(),
            message: self.message(lang),
            field: fields.first().map(|f| f.field.clone()),
            fields,
            checks: match self {
                AppError::Refused(checks) => CheckMessage::list(lang, checks),
                _ => Vec::new(),
            },
        };
        let mut r = (self.status(), Json(ErrorReply { error: body })).into_response();
        if let AppError::RateLimited { minutes } = self
            && let Ok(v) = axum::http::HeaderValue::from_str(&(minutes * 60).to_string())
        {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        r
    }
}

/// The API's error type: an `AppError` with the language to speak.
pub struct ApiError(pub AppError, pub Lang);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.to_json(self.1)
    }
}

/// The language an unauthenticated request asks for (Accept-Language), zh-CN by default.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    let accept = headers.get("accept-language").and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.trim_start().to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::ZhCn }
}

/// Every error the API answers has the one JSON shape: replies made by the framework itself
/// (a body over the size limit, a path or query it cannot read, a method the route does not
/// have, a timeout) are rewritten into it, in the caller's language.
pub async fn api_errors_as_json(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = lang_of(req.headers());
    let r = next.run(req).await;
    let status = r.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return r;
    }
    let json = r
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if json {
        return r;
    }
    let (code, key) = match status.as_u16() {
        400 => ("bad_request", "error.bad_request"),
        401 => ("unauthenticated", "error.unauthenticated"),
        403 => ("forbidden", "error.forbidden"),
        404 => ("not_found", "error.not_found"),
        405 => ("method_not_allowed", "error.method_not_allowed"),
        408 => ("timeout", "error.timeout"),
        413 => ("too_large", "error.body_too_large"),
        415 => ("unsupported_media_type", "error.unsupported_media_type"),
        422 => ("invalid", "error.invalid"),
        429 => ("rate_limited", "error.rate_limited"),
        _ => ("internal", "error.internal"),
    };
    let error = ErrorBody {
        code,
        message: i18n::t(lang, key).to_string(),
        field: None,
        fields: Vec::new(),
        checks: Vec::new(),
    };
    let mut out = (status, Json(ErrorReply { error })).into_response();
    for name in [axum::http::header::RETRY_AFTER, axum::http::header::ALLOW] {
        if let Some(v) = r.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
