//! JSON API for exports, templates and imports. Files go as raw bodies: the extension in the
//! path says xlsx or csv (`POST /api/v1/import/parks.xlsx`).

use super::{FileFormat, ImportError, Kind};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::extract::{ApiUser, ApiWriter};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use weiyuan_store::AuditCtx;

/// "parks.xlsx" → (Kind::Parks, Xlsx).
pub fn parse_file(file: &str) -> Option<(Kind, FileFormat)> {
    let (kind, ext) = file.split_once('.')?;
    Some((Kind::parse(kind)?, FileFormat::parse(ext)?))
}

/// A file to download under a name in the reader's language ("园区名录-2026-12-03.xlsx"):
/// `filename*` (RFC 6266, UTF-8) is the name browsers save, `filename` an ASCII fallback.
pub fn download(bytes: Vec<u8>, name: &str, format: FileFormat) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition(name, format)),
        ],
        bytes,
    )
        .into_response()
}

fn disposition(name: &str, format: FileFormat) -> String {
    let ascii: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
    let ascii = if ascii.trim_matches(|c: char| !c.is_ascii_alphanumeric()).len() > format.extension().len() {
        ascii
    } else {
        format!("weiyuan.{}", format.extension())
    };
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// "<the catalogue's name for `key`>-<today>.<ext>", the name exports are saved under.
pub fn file_name(lang: weiyuan_domain::access::Lang, key: &str, format: FileFormat) -> String {
    format!("{}-{}.{}", crate::i18n::t(lang, key), crate::today(), format.extension())
}

pub async fn export(State(s): State<AppState>, u: ApiUser, Path(file): Path<String>) -> Result<Response, ApiError> {
    let (kind, format) = parse_file(&file).ok_or(AppError::NotFound).map_err(u.err())?;
    let (bytes, _) = super::export(&s.store, &u.actor, kind, format).await.map_err(u.err())?;
    Ok(download(bytes, &file_name(u.actor.lang, &format!("file.{}", kind.code()), format), format))
}

pub async fn template(u: ApiUser, Path(file): Path<String>) -> Result<Response, ApiError> {
    let (kind, format) = parse_file(&file).ok_or(AppError::NotFound).map_err(u.err())?;
    let bytes = super::template(kind, format).map_err(u.err())?;
    Ok(download(bytes, &template_name(u.actor.lang, kind, format), format))
}

/// "园区名录-导入模板.xlsx".
pub fn template_name(lang: weiyuan_domain::access::Lang, kind: Kind, format: FileFormat) -> String {
    let t = |key: &str| crate::i18n::t(lang, key);
    format!("{}-{}.{}", t(&format!("file.{}", kind.code())), t("file.template"), format.extension())
}

/// The answer to a refused import: every problem with its place, in the caller's language.
pub fn refusal(e: ImportError, lang: weiyuan_domain::access::Lang) -> Response {
    match e {
        ImportError::App(app) => ApiError(app, lang).into_response(),
        ImportError::Cells(cells) => {
            let list: Vec<_> = cells
                .listed
                .iter()
                .map(|c| json!({ "sheet": c.sheet, "row": c.row, "column": c.column, "field": c.field, "code": c.code, "message": c.message(lang) }))
                .collect();
            let message = crate::i18n::tf(lang, "import.refused", &[("count".into(), cells.total.to_string())]);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": { "code": "invalid_file", "message": message, "total": cells.total, "cells": list } })),
            )
                .into_response()
        }
        ImportError::File(e) => {
            let message = crate::i18n::tf(lang, &e.code, &e.params);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": { "code": "invalid_file", "reason": e.code, "message": message, "total": 0, "cells": [] } })),
            )
                .into_response()
        }
    }
}

/// What an import wrote.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Imported {
    pub imported: super::ImportSummary,
}

pub async fn import(
    State(s): State<AppState>,
    w: ApiWriter,
    Path(file): Path<String>,
    body: Bytes,
) -> Result<Json<Imported>, Response> {
    let Some((kind, format)) = parse_file(&file) else {
        return Err(ApiError(AppError::NotFound, w.lang).into_response());
    };
    let ctx = AuditCtx::from(&w.actor);
    match super::import(
        &s.store,
        &w.actor,
        &ctx,
        super::Upload { kind, format, bytes: &body },
        &s.import_limits,
        &|_, _, _| {},
    )
    .await
    {
        Ok(imported) => Ok(Json(Imported { imported })),
        Err(e) => Err(refusal(e, w.lang)),
    }
}
