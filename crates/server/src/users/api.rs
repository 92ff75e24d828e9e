//! JSON API for login, the caller and users.

use crate::AppState;
use crate::auth::{self, Caller, SESSION_TTL_MS};
use crate::error::{ApiError, AppError};
use crate::extract::{ApiUser, ApiWriter, ClientAddr, Id, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use weiyuan_domain::access::Lang;
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::AuditCtx;
use weiyuan_store::users::User;

type ApiResult<T> = Result<T, ApiError>;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct LoginBody {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// A session: send `Authorization: Bearer <token>`.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Session {
    pub token: String,
    pub expires_in_seconds: i64,
    pub user: User,
}

pub async fn login(
    State(s): State<AppState>,
    caller: Caller,
    ClientAddr(client): ClientAddr,
    JsonBody(b): JsonBody<LoginBody>,
) -> ApiResult<Json<Session>> {
    let err = |e| ApiError(e, caller.lang);
    let user = auth::check_login(&s.store, &b.username, &b.password, &client).await.map_err(err)?;
    let token = auth::start_session(&s.store, &user, "api").await.map_err(err)?;
    Ok(Json(Session { token, expires_in_seconds: SESSION_TTL_MS / 1000, user }))
}

fn ctx(u: &ApiUser) -> AuditCtx {
    AuditCtx::from(&u.actor)
}

pub async fn logout(State(s): State<AppState>, w: ApiWriter) -> ApiResult<StatusCode> {
    if let Some(hash) = &w.caller.token_hash {
        s.store.end_session(&ctx(&w), hash).await.map_err(|e| w.err()(e.into()))?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<User>> {
    Ok(Json(s.store.get_user(u.actor.user_id).await.map_err(|e| u.err()(e.into()))?))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct LangBody {
    #[serde(default)]
    lang: String,
}

pub async fn set_lang(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(b): JsonBody<LangBody>,
) -> ApiResult<StatusCode> {
    let lang = Lang::parse(&b.lang).ok_or_else(|| {
        w.err()(AppError::Invalid(Invalid::one(FieldError::new("lang", "error.unknown_choice").with("value", &b.lang))))
    })?;
    s.store.set_lang(&ctx(&w), w.actor.user_id, lang).await.map_err(|e| w.err()(e.into()))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(super::list(&s.store, &u.actor).await.map_err(u.err())?))
}

pub async fn create(
    State(s): State<AppState>,
    w: ApiWriter,
    JsonBody(form): JsonBody<super::UserForm>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Ok((StatusCode::CREATED, Json(super::create(&s.store, &w.actor, &form).await.map_err(w.err())?)))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct PasswordBody {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(s): State<AppState>,
    w: ApiWriter,
    Id(id): Id,
    JsonBody(b): JsonBody<PasswordBody>,
) -> ApiResult<StatusCode> {
    super::reset_password(&s.store, &w.actor, id, &b.password).await.map_err(w.err())?;
    Ok(StatusCode::NO_CONTENT)
}
