//! What every page shares: the page context (language, user, CSRF token), rendering, and error
//! pages. Handlers for each area live beside their service (parks/pages.rs, users/pages.rs, ...).

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::FormBody;
use crate::i18n::{self, Tr};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;
use weiyuan_domain::access::{Actor, Role};

/// Shared by every page template.
pub struct PageCtx {
    pub tr: Tr,
    pub actor: Option<Actor>,
    pub csrf: String,
    /// The current path and query, to come back to after switching language.
    pub here: String,
    /// Unread alarm notifications of the user (shown beside the alarms link); for an enterprise,
    /// its unread policy notices (beside the policies link).
    pub unread: i64,
    /// The confirmation of a write that just succeeded (`?done=<what>`, see [`done`]), or "".
    pub done: &'static str,
}

impl PageCtx {
    pub fn new(caller: &Caller, uri: &Uri) -> Self {
        PageCtx {
            tr: Tr(caller.lang),
            actor: caller.actor.clone(),
            csrf: caller.csrf.clone(),
            here: uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
            unread: 0,
            done: done_text(caller.lang, uri),
        }
    }

    pub fn is_county(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.role == Role::County)
    }

    /// The county or a township: the governments, who supervise.
    pub fn is_government(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| matches!(a.role, Role::County | Role::Township))
    }

    pub fn is_enterprise(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.role == Role::Enterprise)
    }

    /// A third-party service agency: its menu is its services and their requests.
    pub fn is_agency(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.role == Role::Agency)
    }

    /// The government and the operators (not enterprises, not agencies).
    pub fn is_staff(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.is_staff())
    }

    pub fn user_label(&self) -> String {
        match &self.actor {
            Some(a) => format!("{} · {}", a.display_name, self.tr.code("role", a.role.code())),
            None => String::new(),
        }
    }
}

/// Field errors of a form, translated, by field name.
#[derive(Default)]
pub struct Errors {
    pub by_field: HashMap<String, String>,
    /// A message for the whole form (e.g. a wrong password).
    pub general: String,
}

impl Errors {
    pub fn from_app(e: &AppError, tr: Tr) -> Errors {
        let by_field = e.fields(tr.0).into_iter().map(|f| (f.field, f.message)).collect();
        let general = match e {
            AppError::Invalid(_) => tr.t("error.invalid").to_string(),
            other => other.message(tr.0),
        };
        Errors { by_field, general }
    }

    pub fn get(&self, field: &str) -> &str {
        self.by_field.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn any(&self) -> bool {
        !self.general.is_empty() || !self.by_field.is_empty()
    }

    /// A form page with errors answers 422, so that scripts and tests see the refusal.
    pub fn status(&self) -> StatusCode {
        if self.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: PageCtx,
    pub title: String,
    pub message: String,
}

/// A page handler's error: shown as an error page in the user's language, or a redirect to
/// the login page when not logged in.
pub struct PageError {
    pub error: AppError,
    pub ctx: Box<PageCtx>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Unauthenticated = self.error {
            let next = urlencode(&self.ctx.here);
            return Redirect::to(&format!("/login?next={next}")).into_response();
        }
        if let AppError::Internal(detail) = &self.error {
            tracing::error!(%detail, "internal error");
        }
        let status = self.error.status();
        let title = i18n::t(self.ctx.tr.0, &format!("http.{}", status.as_u16())).to_string();
        let message = self.error.message(self.ctx.tr.0);
        render_status(status, &ErrorPage { ctx: *self.ctx, title, message })
    }
}

/// Rows a page of a long list shows.
pub const PER_PAGE: usize = 50;

/// One page of a long list and the links to the others (`templates/pager.html`).
pub struct Pager {
    /// 1-based, within 1..=pages.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
    /// The list's URL with its filters, without `page`.
    base: String,
    /// Where the links land on the page ("#units"), or "".
    anchor: &'static str,
}

impl Pager {
    /// `rows` cut to page `page` (1-based; out of range shows the nearest page).
    pub fn cut<T>(rows: Vec<T>, page: usize, base: String, anchor: &'static str) -> (Vec<T>, Pager) {
        let total = rows.len();
        let pages = total.div_ceil(PER_PAGE).max(1);
        let page = page.clamp(1, pages);
        let rows = rows.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
        (rows, Pager { page, pages, total, base, anchor })
    }

    pub fn link(&self, page: &usize) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={page}{}", self.base, self.anchor)
    }

    pub fn prev(&self) -> Option<usize> {
        (self.page > 1).then(|| self.page - 1)
    }

    pub fn next(&self) -> Option<usize> {
        (self.page < self.pages).then(|| self.page + 1)
    }
}

/// `?page=` of a paged list page (out of range or not a number: the nearest page).
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct PageQuery {
    #[serde(default)]
    pub page: String,
}

impl PageQuery {
    pub fn number(&self) -> usize {
        self.page.trim().parse().unwrap_or(1)
    }
}

/// Percent-encode a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only local paths are followed after login or a language switch (no open redirects).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next } else { "/" }
}

impl PageError {
    pub fn new(error: AppError, caller: &Caller, uri: &Uri) -> Self {
        PageError { error, ctx: Box::new(PageCtx::new(caller, uri)) }
    }
}

/// The logged-in user of a page request; anyone else is sent to the login page.
pub struct PageUser {
    pub actor: Actor,
    pub caller: Caller,
    pub uri: Uri,
    pub unread: i64,
}

impl PageUser {
    pub fn ctx(&self) -> PageCtx {
        PageCtx { unread: self.unread, ..PageCtx::new(&self.caller, &self.uri) }
    }

    pub fn tr(&self) -> Tr {
        Tr(self.caller.lang)
    }

    /// Map a service error to an error page.
    pub fn fail(&self) -> impl Fn(AppError) -> PageError + '_ {
        move |e| PageError::new(e, &self.caller, &self.uri)
    }

    /// The same user, as if on another page (to re-render that page after a failed post).
    pub fn at(&self, path: &str) -> PageUser {
        PageUser {
            actor: self.actor.clone(),
            caller: self.caller.clone(),
            uri: path.parse().unwrap_or(self.uri.clone()),
            unread: self.unread,
        }
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        page_user(parts, state, true).await
    }
}

/// The logged-in user of a page that shows no navigation (the big screen): a `PageUser`
/// without the unread count, which such a page never shows (one query less per request).
pub struct ScreenUser(pub PageUser);

impl FromRequestParts<AppState> for ScreenUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        page_user(parts, state, false).await.map(ScreenUser)
    }
}

async fn page_user(parts: &mut Parts, state: &AppState, with_unread: bool) -> Result<PageUser, PageError> {
    let Ok(caller) = Caller::from_request_parts(parts, state).await;
    let Some(actor) = caller.actor.clone() else {
        return Err(PageError::new(AppError::Unauthenticated, &caller, &parts.uri));
    };
    // An enterprise's unread policy notices; everyone else's unread alarm notifications.
    let unread = match (with_unread, actor.role, actor.enterprise_id) {
        (false, _, _) => 0,
        (true, Role::Enterprise, Some(e)) => state.store.unread_policy_notices(e).await.unwrap_or(0),
        (true, Role::Enterprise, None) => 0,
        (true, _, _) => state.store.unread_notifications(actor.user_id).await.unwrap_or(0),
    };
    Ok(PageUser { actor, caller, uri: parts.uri.clone(), unread })
}

/// A form posted by a logged-in user, carrying the session's CSRF token in `_csrf`.
/// Not logged in: the login page; a wrong token: 403.
pub struct CsrfForm<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let req = Request::from_parts(parts, body);
        let FormBody(form, csrf) =
            FormBody::<T>::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        user.caller.check_csrf(Some(&csrf)).map_err(|e| user.fail()(e).into_response())?;
        Ok(CsrfForm(form))
    }
}

/// Every problem of a refused action as sentences: field errors with their label, the failed
/// checks with their numbers, or the error's message.
pub fn problems(e: &AppError, tr: Tr) -> Vec<String> {
    match e {
        AppError::Refused(checks) => checks.iter().filter(|c| !c.passed).map(|c| tr.check(c)).collect(),
        AppError::Invalid(_) | AppError::Stale(_) => e
            .fields(tr.0)
            .into_iter()
            .map(|f| {
                let label = i18n::field_label(tr.0, &f.field);
                if label.starts_with("field.") { f.message } else { format!("{label}：{}", f.message) }
            })
            .collect(),
        other => vec![other.message(tr.0)],
    }
}

/// A page's file upload (multipart, with the session's CSRF token in `_csrf` and the file in
/// `file`): its name and bytes, or `None` when no file was chosen. The whole body is read before
/// anything is answered (a server that answers a large upload first cuts the connection, and the
/// browser then shows nothing); a body past `limit` is refused on the file's field.
pub async fn upload(
    state: &AppState,
    u: &PageUser,
    req: Request,
    limit: usize,
) -> Result<Option<(String, axum::body::Bytes)>, PageError> {
    let invalid =
        |code: &str| AppError::Invalid(weiyuan_domain::Invalid::one(weiyuan_domain::FieldError::new("file", code)));
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| u.fail()(invalid("error.body_too_large")))?;
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    let mut form = axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|_| u.fail()(invalid("import.no_file")))?;
    let (mut csrf, mut file) = (String::new(), None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|_| u.fail()(invalid("error.body_too_large")))?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    u.caller.check_csrf(Some(&csrf)).map_err(u.fail())?;
    Ok(file.filter(|(_, b)| !b.is_empty()))
}

/// After a successful form post: back to a page with 303 See Other.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// After a successful write: back to a page with 303 See Other, telling it what was done, so
/// the page confirms it (`done.<what>` in the catalogue; the fragment stays at the end).
pub fn done(to: &str, what: &str) -> Response {
    let (path, fragment) = to.split_once('#').map_or((to, String::new()), |(p, f)| (p, format!("#{f}")));
    let sep = if path.contains('?') { '&' } else { '?' };
    see_other(&format!("{path}{sep}done={what}{fragment}"))
}

/// The confirmation a page shows for `?done=<what>`: only a known catalogue entry, never text
/// from the request.
fn done_text(lang: weiyuan_domain::access::Lang, uri: &Uri) -> &'static str {
    let what = uri.query().unwrap_or("").split('&').find_map(|kv| kv.strip_prefix("done="));
    match what {
        Some(w) if !w.is_empty() && w.len() <= 40 && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
            i18n::known(lang, &format!("done.{w}")).unwrap_or("")
        }
        _ => "",
    }
}

pub async fn not_found(caller: Caller, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError(AppError::NotFound, caller.lang).into_response();
    }
    PageError::new(AppError::NotFound, &caller, &uri).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/parks?x=1"), "/parks?x=1");
        assert_eq!(safe_next("//evil.example"), "/");
        let to = |r: Response| r.headers()[header::LOCATION].to_str().unwrap().to_string();
        assert_eq!(to(done("/alarms/3", "alarm_acknowledged")), "/alarms/3?done=alarm_acknowledged");
        assert_eq!(to(done("/exits?warning=1#e", "saved")), "/exits?warning=1&done=saved#e");
        let text = |q: &str| done_text(weiyuan_domain::access::Lang::ZhCn, &q.parse().unwrap());
        assert!(!text("/x?done=saved").is_empty());
        assert_eq!(text("/x?done=nonsense"), "");
        assert_eq!(text("/x?done=%3Cscript%3E"), "");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(urlencode("/parks?township=330326103&x=中"), "/parks%3Ftownship%3D330326103%26x%3D%E4%B8%AD");
    }
}
