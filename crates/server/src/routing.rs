//! `get`, `post`, `put` and `delete` as the route list uses them: each builds axum's method
//! router and remembers, from the handler's own signature, what the route reads and answers —
//! its query (`Query<T>`), its JSON body (`JsonBody<T>`), a raw file body (`Bytes`) and its reply
//! (`Json<T>`, also inside `Result` or after a status). The OpenAPI document is made from these,
//! so a handler that changes what it takes or answers changes the document with it.

use crate::AppState;
use crate::extract::{ApiUser, ApiWriter, ClientAddr, FormBody, Id, Ids, JsonBody};
use crate::pages::{CsrfForm, PageUser};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, Redirect, Response};
use axum::routing::MethodRouter;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use std::future::Future;

/// A schema made by the document's generator (which collects the named types it refers to).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// What a request carries in its body.
#[derive(Clone, Copy)]
pub enum Body {
    /// A JSON document of this schema.
    Json(SchemaFn),
    /// A file, sent as its own bytes.
    File,
}

/// What a handler reads beyond its path, and what it answers on success.
#[derive(Clone, Default)]
pub struct Shape {
    /// Objects whose properties are the query parameters (a handler may read two, such as a
    /// filter and a page).
    pub queries: Vec<SchemaFn>,
    pub body: Option<Body>,
    /// The JSON of a successful reply; None for replies that are not JSON (pages, files, 204).
    pub reply: Option<SchemaFn>,
}

/// A route's method router and its shape.
pub struct Routed {
    pub router: MethodRouter<AppState>,
    pub shape: Shape,
}

impl Routed {
    /// Accept bodies up to `bytes` on this route (uploads).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.router = self.router.layer(DefaultBodyLimit::max(bytes));
        self
    }
}

fn inline<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    T::json_schema(g)
}

fn named<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// An argument of a handler: what it adds to the route's shape.
pub trait Part {
    fn describe(_: &mut Shape) {}
}

impl<T: JsonSchema> Part for Query<T> {
    fn describe(shape: &mut Shape) {
        shape.queries.push(inline::<T>);
    }
}

impl<T: JsonSchema> Part for JsonBody<T> {
    fn describe(shape: &mut Shape) {
        shape.body = Some(Body::Json(named::<T>));
    }
}

impl<T: JsonSchema> Part for crate::extract::RawJson<T> {
    fn describe(shape: &mut Shape) {
        shape.body = Some(Body::Json(named::<T>));
    }
}

impl Part for Bytes {
    fn describe(shape: &mut Shape) {
        shape.body = Some(Body::File);
    }
}

/// Arguments that add nothing the document shows: the caller, path ids (declared from the path
/// itself), forms of the pages.
macro_rules! plain_parts {
    ($($t:ty),* $(,)?) => { $(impl Part for $t {})* };
}
plain_parts!(
    State<AppState>,
    crate::auth::Caller,
    axum::http::Uri,
    ApiUser,
    ApiWriter,
    Id,
    Ids,
    ClientAddr,
    PageUser,
    crate::pages::ScreenUser,
    HeaderMap,
    axum::extract::Request
);
impl<T> Part for Path<T> {}
impl<T> Part for Form<T> {}
impl<T> Part for FormBody<T> {}
impl<T> Part for CsrfForm<T> {}

/// What a handler returns: the schema of its JSON on success, if it answers JSON.
pub trait Reply {
    fn reply() -> Option<SchemaFn> {
        None
    }
}

impl<T: JsonSchema> Reply for Json<T> {
    fn reply() -> Option<SchemaFn> {
        Some(named::<T>)
    }
}

impl<T: Reply, E> Reply for Result<T, E> {
    fn reply() -> Option<SchemaFn> {
        T::reply()
    }
}

impl<T: Reply> Reply for (StatusCode, T) {
    fn reply() -> Option<SchemaFn> {
        T::reply()
    }
}

/// JSON serialised once and kept (a cached reply), answered as `application/json`, gzipped when
/// the client accepts it; documented as `T`.
pub struct JsonBytes<T> {
    body: Kept,
    gzip: bool,
    of: std::marker::PhantomData<T>,
}

/// A reply's body (JSON, or a page's HTML) and its gzipped copy, made once.
#[derive(Clone)]
pub struct Kept {
    pub plain: Bytes,
    pub gzip: Bytes,
}

impl Kept {
    pub fn new(plain: Vec<u8>) -> std::io::Result<Kept> {
        use std::io::Write;
        let mut z = flate2::write::GzEncoder::new(Vec::with_capacity(plain.len() / 8), flate2::Compression::default());
        z.write_all(&plain)?;
        Ok(Kept { gzip: Bytes::from(z.finish()?), plain: Bytes::from(plain) })
    }

    /// The kept body as an HTML page, gzipped when the request's Accept-Encoding takes gzip.
    pub fn html_for(self, headers: &HeaderMap) -> Response {
        self.respond("text/html; charset=utf-8", accepts_gzip(headers))
    }

    fn respond(self, content_type: &'static str, gzip: bool) -> Response {
        use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE, VARY};
        use axum::response::IntoResponse;
        let (kind, vary) = ((CONTENT_TYPE, content_type), (VARY, "accept-encoding"));
        if gzip {
            ([kind, vary, (CONTENT_ENCODING, "gzip")], self.gzip).into_response()
        } else {
            ([kind, vary], self.plain).into_response()
        }
    }
}

impl<T> JsonBytes<T> {
    /// The kept reply, gzipped when the request's Accept-Encoding takes gzip.
    pub fn for_request(body: Kept, headers: &HeaderMap) -> Self {
        JsonBytes { body, gzip: accepts_gzip(headers), of: std::marker::PhantomData }
    }
}

/// Whether an Accept-Encoding takes gzip: `gzip` with a weight above 0, or else `*` with one
/// (`gzip;q=0, *` refuses it; names and `q` in any case).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let Some(v) = headers.get(axum::http::header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let weight = |coding: &str| {
        v.split(',').find_map(|e| {
            let mut parts = e.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case(coding) {
                return None;
            }
            let q = parts.find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim().eq_ignore_ascii_case("q").then(|| v.trim().parse::<f32>().unwrap_or(0.0))
            });
            Some(q.unwrap_or(1.0))
        })
    };
    weight("gzip").or_else(|| weight("*")).is_some_and(|q| q > 0.0)
}

impl<T> axum::response::IntoResponse for JsonBytes<T> {
    fn into_response(self) -> Response {
        self.body.respond("application/json", self.gzip)
    }
}

impl<T: JsonSchema> Reply for JsonBytes<T> {
    fn reply() -> Option<SchemaFn> {
        Some(named::<T>)
    }
}

impl Reply for Response {}
impl Reply for StatusCode {}
impl Reply for Redirect {}
impl<T> Reply for Html<T> {}

/// A handler whose arguments and reply describe themselves; `M` is its argument list.
pub trait Described<M> {
    fn shape() -> Shape;
}

macro_rules! described {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Described<($($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> Fut,
            Fut: Future,
            Fut::Output: Reply,
            $($arg: Part,)*
        {
            fn shape() -> Shape {
                #[allow(unused_mut)]
                let mut shape = Shape { reply: <Fut::Output as Reply>::reply(), ..Shape::default() };
                $(<$arg as Part>::describe(&mut shape);)*
                shape
            }
        }
    };
}
described!();
described!(A1);
described!(A1, A2);
described!(A1, A2, A3);
described!(A1, A2, A3, A4);
described!(A1, A2, A3, A4, A5);
described!(A1, A2, A3, A4, A5, A6);
described!(A1, A2, A3, A4, A5, A6, A7);

macro_rules! method {
    ($($name:ident),*) => {$(
        #[doc = concat!("axum's `", stringify!($name), "`, remembering the handler's shape.")]
        pub fn $name<H, T, M>(handler: H) -> Routed
        where
            H: Handler<T, AppState> + Described<M>,
            T: 'static,
        {
            Routed { shape: H::shape(), router: axum::routing::$name(handler) }
        }
    )*};
}
method!(get, post, put, delete);

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    #[test]
    fn gzip_is_sent_only_to_clients_that_take_it() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(axum::http::header::ACCEPT_ENCODING, v.parse().unwrap());
            super::accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("gzip;q=0.0, identity"));
        assert!(!with("deflate, br"));
        assert!(!with("gzip;q=0, *"), "an explicit refusal wins over *");
        assert!(!with("gzip;Q=0"));
        assert!(with("identity, *;q=0.1"));
        assert!(!super::accepts_gzip(&HeaderMap::new()));
    }
}
