//! The exchange page: exports, templates and imports from the browser.

use super::{FileFormat, ImportError, ImportSummary, Kind};
use crate::AppState;
use crate::error::AppError;
use crate::pages::{PageCtx, PageError, PageUser, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use weiyuan_store::AuditCtx;

#[derive(Template)]
#[template(path = "exchange.html")]
pub struct ExchangePage {
    pub ctx: PageCtx,
    pub can_import_registry: bool,
    pub can_import_progress: bool,
    pub can_import_enterprises: bool,
    pub can_import_reports: bool,
    /// After an import: which kind, and either its summary or its errors.
    pub kind: String,
    pub summary: Option<ImportSummary>,
    pub errors: Vec<String>,
}

fn page(u: &PageUser, kind: &str, summary: Option<ImportSummary>, errors: Vec<String>) -> ExchangePage {
    ExchangePage {
        ctx: u.ctx(),
        can_import_registry: Kind::Parks.may_import(&u.actor),
        can_import_progress: Kind::Progress.may_import(&u.actor),
        can_import_enterprises: Kind::Enterprises.may_import(&u.actor),
        can_import_reports: Kind::Reports.may_import(&u.actor),
        kind: kind.to_string(),
        summary,
        errors,
    }
}

pub async fn show(u: PageUser) -> Response {
    render(&page(&u, "", None, Vec::new()))
}

pub async fn export(State(s): State<AppState>, u: PageUser, Path(file): Path<String>) -> Result<Response, PageError> {
    let (kind, format) = super::api::parse_file(&file).ok_or(AppError::NotFound).map_err(u.fail())?;
    let (bytes, _) = super::export(&s.store, &u.actor, kind, format).await.map_err(u.fail())?;
    let name = super::api::file_name(u.actor.lang, &format!("file.{}", kind.code()), format);
    Ok(super::api::download(bytes, &name, format))
}

pub async fn template(u: PageUser, Path(file): Path<String>) -> Result<Response, PageError> {
    let (kind, format) = super::api::parse_file(&file).ok_or(AppError::NotFound).map_err(u.fail())?;
    let bytes = super::template(kind, format).map_err(u.fail())?;
    Ok(super::api::download(bytes, &super::api::template_name(u.actor.lang, kind, format), format))
}

/// A multipart upload with the session's CSRF token and one file.
pub async fn import(
    State(s): State<AppState>,
    u: PageUser,
    Path(kind): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let file = crate::pages::upload(&s, &u, req, super::UPLOAD_LIMIT).await?;
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound).map_err(u.fail())?;
    let here = u.at("/exchange");
    let fail = |e: ImportError| {
        let errors = e.messages(u.caller.lang);
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&here, kind.code(), None, errors))
    };
    let Some((name, bytes)) = file else {
        return Ok(fail(ImportError::file("import.no_file")));
    };
    let Some(format) = FileFormat::of_path(&name) else {
        return Ok(fail(ImportError::file("import.unknown_format")));
    };
    let ctx = AuditCtx::from(&u.actor);
    Ok(
        match super::import(
            &s.store,
            &u.actor,
            &ctx,
            super::Upload { kind, format, bytes: &bytes },
            &s.import_limits,
            &|_, _, _| {},
        )
        .await
        {
            Ok(summary) => render(&page(&here, kind.code(), Some(summary), Vec::new())),
            Err(ImportError::App(e)) => return Err(u.fail()(e)),
            Err(e) => fail(e),
        },
    )
}
