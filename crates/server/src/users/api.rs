//! JSON API for login, the caller and users.

use crate::AppState;
use crate::auth::{self, Caller, SESSION_TTL_MS};
use crate::error::{ApiError, AppError};
use crate::extract::{Id, JsonBody};
use crate::parks::api::{csrf, err};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use weiyuan_domain::access::Lang;
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::users::User;

type ApiResult<T> = Result<T, ApiError>;

#[derive(Deserialize)]
pub struct LoginBody {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<LoginBody>,
) -> ApiResult<Json<Value>> {
    let user = auth::check_login(&s.store, &b.username, &b.password).await.map_err(err(&caller))?;
    let token = auth::start_session(&s.store, &user, "api").await.map_err(err(&caller))?;
    Ok(Json(json!({ "token": token, "expires_in_seconds": SESSION_TTL_MS / 1000, "user": user })))
}

pub async fn logout(State(s): State<AppState>, caller: Caller, headers: HeaderMap) -> ApiResult<StatusCode> {
    csrf(&caller, &headers)?;
    let ctx = caller.audit().map_err(err(&caller))?;
    if let Some(hash) = &caller.token_hash {
        s.store.end_session(&ctx, hash).await.map_err(|e| err(&caller)(e.into()))?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<User>> {
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(s.store.get_user(actor.user_id).await.map_err(|e| err(&caller)(e.into()))?))
}

#[derive(Deserialize)]
pub struct LangBody {
    #[serde(default)]
    lang: String,
}

pub async fn set_lang(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(b): JsonBody<LangBody>,
) -> ApiResult<StatusCode> {
    csrf(&caller, &headers)?;
    let ctx = caller.audit().map_err(err(&caller))?;
    let actor = caller.require().map_err(err(&caller))?;
    let lang = Lang::parse(&b.lang).ok_or_else(|| {
        err(&caller)(AppError::Invalid(Invalid::one(
            FieldError::new("lang", "error.unknown_choice").with("value", &b.lang),
        )))
    })?;
    s.store.set_lang(&ctx, actor.user_id, lang).await.map_err(|e| err(&caller)(e.into()))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<User>>> {
    let actor = caller.require().map_err(err(&caller))?;
    Ok(Json(super::list(&s.store, actor).await.map_err(err(&caller))?))
}

pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(form): JsonBody<super::UserForm>,
) -> ApiResult<(StatusCode, Json<User>)> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    Ok((StatusCode::CREATED, Json(super::create(&s.store, actor, &form).await.map_err(err(&caller))?)))
}

#[derive(Deserialize)]
pub struct PasswordBody {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Id(id): Id,
    JsonBody(b): JsonBody<PasswordBody>,
) -> ApiResult<StatusCode> {
    csrf(&caller, &headers)?;
    let actor = caller.require().map_err(err(&caller))?;
    super::reset_password(&s.store, actor, id, &b.password).await.map_err(err(&caller))?;
    Ok(StatusCode::NO_CONTENT)
}
