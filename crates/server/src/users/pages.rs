//! Pages for login, logout, the language switch and the county's user administration.

use crate::AppState;
use crate::auth::{self, Caller, LANG_COOKIE, SESSION_COOKIE, SESSION_TTL_MS};
use crate::error::AppError;
use crate::extract::{ClientAddr, FormBody, Id};
use crate::pages::{CsrfForm, Errors, PageCtx, PageError, PageUser, done, render_status, safe_next, see_other};
use crate::parks::pages::Empty;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use weiyuan_domain::access::{Lang, Role};
use weiyuan_domain::codes::PINGYANG_TOWNSHIPS;
use weiyuan_store::AuditCtx;
use weiyuan_store::users::User;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub username: String,
    pub next: String,
    pub errors: Errors,
    /// The login form's own CSRF token (there is no session yet): the same value goes in a
    /// cookie, and a login whose form and cookie differ is refused (login CSRF).
    pub login_token: String,
}

/// The cookie of the login form's token; only /login reads it.
pub const LOGIN_COOKIE: &str = "wy_login";

/// A login page with a fresh token in its form and in its cookie.
fn login_page(s: &AppState, page: LoginPage, status: axum::http::StatusCode) -> Response {
    let value = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        page.login_token,
        if s.secure_cookies { "; Secure" } else { "" }
    ))
    .expect("tokens are ASCII");
    let mut r = render_status(status, &page);
    r.headers_mut().append(header::SET_COOKIE, value);
    r
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(State(s): State<AppState>, caller: Caller, uri: Uri, Query(q): Query<NextQuery>) -> Response {
    if caller.actor.is_some() {
        return see_other(safe_next(&q.next));
    }
    let page = LoginPage {
        ctx: PageCtx::new(&caller, &uri),
        username: String::new(),
        next: q.next,
        errors: Errors::default(),
        login_token: auth::random_token(),
    };
    login_page(&s, page, axum::http::StatusCode::OK)
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    _login: String,
}

fn cookie(state: &AppState, name: &str, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"))
        .expect("cookie values are ASCII")
}

pub async fn login(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    ClientAddr(client): ClientAddr,
    headers: axum::http::HeaderMap,
    FormBody(f, _): FormBody<LoginForm>,
) -> Response {
    let cookie_token = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let same_form = !f._login.is_empty() && auth::constant_time_eq(&f._login, cookie_token);
    let session = if !same_form {
        Err(AppError::Csrf)
    } else {
        match auth::check_login(&s.store, &f.username, &f.password, &client).await {
            Ok(user) => auth::start_session(&s.store, &user, "web").await.map(|token| (user, token)),
            Err(e) => Err(e),
        }
    };
    match session {
        Ok((user, token)) => {
            let mut r = see_other(safe_next(&f.next));
            let h = r.headers_mut();
            h.append(header::SET_COOKIE, cookie(&s, SESSION_COOKIE, &token, SESSION_TTL_MS / 1000));
            h.append(header::SET_COOKIE, cookie(&s, LANG_COOKIE, user.lang.code(), 365 * 86_400));
            r
        }
        Err(e @ AppError::Internal(_)) => PageError::new(e, &caller, &uri).into_response(),
        Err(e) => {
            let errors = Errors { general: e.message(caller.lang), ..Default::default() };
            let ctx = PageCtx::new(&caller, &uri);
            let page = LoginPage { ctx, username: f.username, next: f.next, errors, login_token: auth::random_token() };
            login_page(&s, page, e.status())
        }
    }
}

pub async fn logout(State(s): State<AppState>, u: PageUser, _: CsrfForm<Empty>) -> PageResult {
    if let Some(hash) = &u.caller.token_hash {
        let ctx = AuditCtx::from(&u.actor);
        s.store.end_session(&ctx, hash).await.map_err(|e| u.fail()(e.into()))?;
    }
    let mut r = see_other("/login");
    r.headers_mut().append(header::SET_COOKIE, cookie(&s, SESSION_COOKIE, "", 0));
    Ok(r)
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// Switch language: remembered in a cookie, and for a logged-in user in its account.
pub async fn set_lang(
    State(s): State<AppState>,
    caller: Caller,
    uri: Uri,
    FormBody(f, csrf): FormBody<LangForm>,
) -> PageResult {
    let lang = Lang::parse(&f.lang).unwrap_or_default();
    if let Some(actor) = &caller.actor {
        caller.check_csrf(Some(&csrf)).map_err(|e| PageError::new(e, &caller, &uri))?;
        if actor.lang != lang {
            let ctx = AuditCtx::from(actor);
            s.store.set_lang(&ctx, actor.user_id, lang).await.map_err(|e| PageError::new(e.into(), &caller, &uri))?;
        }
    }
    let mut r = see_other(safe_next(&f.back));
    r.headers_mut().append(header::SET_COOKIE, cookie(&s, LANG_COOKIE, lang.code(), 365 * 86_400));
    Ok(r)
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub users: Vec<User>,
    pub form: super::UserForm,
    pub errors: Errors,
    /// Which user's password reset failed, with the message.
    pub reset_error: Option<(i64, String)>,
}

impl UsersPage {
    fn roles(&self) -> &'static [Role] {
        &Role::ALL
    }

    fn scope_label(&self, u: &User) -> String {
        match u.role {
            Role::County => String::new(),
            Role::Township => u
                .township_code
                .as_deref()
                .map(|c| weiyuan_domain::codes::township(c).map(|t| t.name.to_string()).unwrap_or(c.to_string()))
                .unwrap_or_default(),
            Role::Operator => u.park_id.map(|p| format!("#{p}")).unwrap_or_default(),
            Role::Enterprise => u.enterprise_id.map(|e| format!("#{e}")).unwrap_or_default(),
            Role::Agency => u.agency_id.map(|a| format!("#{a}")).unwrap_or_default(),
        }
    }

    fn townships_hint(&self) -> String {
        PINGYANG_TOWNSHIPS.iter().map(|t| t.name).collect::<Vec<_>>().join("、")
    }

    fn reset_error_for(&self, id: &i64) -> &str {
        match &self.reset_error {
            Some((u, m)) if u == id => m,
            _ => "",
        }
    }
}

async fn users_page(
    s: &AppState,
    u: &PageUser,
    form: super::UserForm,
    errors: Errors,
    reset_error: Option<(i64, String)>,
) -> PageResult {
    let users = super::list(&s.store, &u.actor).await.map_err(u.fail())?;
    let status = if errors.any() || reset_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render_status(status, &UsersPage { ctx: u.ctx(), users, form, errors, reset_error }))
}

pub async fn list(State(s): State<AppState>, u: PageUser) -> PageResult {
    users_page(&s, &u, super::UserForm::default(), Errors::default(), None).await
}

pub async fn create(State(s): State<AppState>, u: PageUser, CsrfForm(form): CsrfForm<super::UserForm>) -> PageResult {
    match super::create(&s.store, &u.actor, &form).await {
        Ok(_) => Ok(done("/users", "user_created")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let errors = Errors::from_app(&e, u.tr());
            let form = super::UserForm { password: String::new(), ..form };
            users_page(&s, &u, form, errors, None).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(s): State<AppState>,
    u: PageUser,
    Id(id): Id,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> PageResult {
    match super::reset_password(&s.store, &u.actor, id, &f.password).await {
        Ok(()) => Ok(done("/users", "password_reset")),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let msg = e.fields(u.caller.lang).into_iter().map(|f| f.message).collect::<Vec<_>>().join("；");
            users_page(&s, &u.at("/users"), super::UserForm::default(), Errors::default(), Some((id, msg))).await
        }
        Err(e) => Err(u.fail()(e)),
    }
}
