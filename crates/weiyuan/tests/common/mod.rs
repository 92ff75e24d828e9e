//! Test harness: the real server on a free port with a fresh database (zero2prod's spawn_app),
//! for SQLite and PostgreSQL, and a small HTTP client that keeps cookies.
#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use weiyuan_store::testing::TestDb;
use weiyuan_store::{Backend, Store};

pub const PASSWORD: &str = weiyuan::demo::DEMO_PASSWORD;

pub struct App {
    pub base: String,
    pub store: Store,
    pub db: Option<TestDb>,
    server: tokio::task::JoinHandle<()>,
}

impl App {
    /// Start the server on 127.0.0.1:0 with a fresh database and the demo data.
    pub async fn spawn(backend: Backend) -> Option<App> {
        App::spawn_with(backend, true).await
    }

    /// Without demo data: an empty registry and one county user, `county`.
    pub async fn spawn_bare(backend: Backend) -> Option<App> {
        App::spawn_with(backend, false).await
    }

    async fn spawn_with(backend: Backend, demo: bool) -> Option<App> {
        let db = TestDb::new(backend).await?;
        let store = db.store().await;
        if demo {
            // Without the 36 months of enterprise reports; the tests that need them load them.
            weiyuan::demo::load_base(&store).await.expect("demo data loads");
        } else {
            let form = weiyuan_server::users::UserForm {
                username: "county".into(),
                display_name: "县小微园办".into(),
                role: "county".into(),
                password: PASSWORD.into(),
                ..Default::default()
            };
            let new = weiyuan_server::users::prepare_demo(&store, &form).await.expect("valid user");
            store
                .create_user(
                    &weiyuan::demo::demo_county().user_admin().unwrap(),
                    &weiyuan_store::AuditCtx::system("test"),
                    &new,
                )
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = weiyuan_server::AppState::new(store.clone());
        // The tests' webhook receivers listen on this machine.
        state.destinations = weiyuan_server::alarms::destinations::Destinations::new(vec!["127.0.0.1".into()]);
        let server = tokio::spawn(async move {
            let app = weiyuan_server::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).await.unwrap();
        });
        Some(App { base, store, db: Some(db), server })
    }

    pub async fn stop(mut self) {
        self.server.abort();
        self.store.close().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> Client {
        Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// Log in through the API and return the bearer token.
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .client()
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login {username}");
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    /// A cookie-session client logged in through the login form, and its CSRF token.
    pub async fn browser(&self, username: &str) -> (Client, String) {
        let c = self.client();
        let page = c.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let token = login_token_of(&page);
        let r = c
            .post(self.url("/login"))
            .form(&[("username", username), ("password", PASSWORD), ("next", "/parks"), ("_login", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "form login {username}");
        let html = c.get(self.url("/parks")).send().await.unwrap().text().await.unwrap();
        (c, csrf_of(&html))
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.client().get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn send(&self, token: &str, method: &str, path: &str, body: Value) -> Response {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        self.client().request(m, self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }

    pub async fn park_id(&self, code: &str) -> i64 {
        self.store.find_park_by_code(code).await.unwrap().unwrap().id
    }

    /// A fresh park in 萧江镇 with one building and the given units (number, m², production?), plus
    /// enterprises of the given classes. Returns (park id, unit ids, enterprise ids).
    pub async fn park_with(
        &self,
        county: &str,
        units: &[(&str, &str, bool)],
        classes: &[&str],
    ) -> (i64, Vec<i64>, Vec<i64>) {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (s, p) = json_of(
            self.send(
                county,
                "POST",
                "/api/v1/parks",
                json!({"name": format!("规则测试园{n}"), "township_code": "330326103",
                "status": "completed", "land_mu": 100, "building_area_m2": 100000, "leading_industries": "机械",
                "enterprise_count": 0, "development_model": "undecided", "park_type": "manufacturing"}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{p}");
        let park = p["id"].as_i64().unwrap();
        let (_, b) = json_of(
            self.send(
                county,
                "POST",
                &format!("/api/v1/parks/{park}/buildings"),
                json!({"name": "1号厂房", "floors": 6}),
            )
            .await,
        )
        .await;
        let mut unit_ids = Vec::new();
        for (number, area, production) in units {
            let space = if *production { "production" } else { "non_production" };
            let (s, u) = json_of(
                self.send(
                    county,
                    "POST",
                    &format!("/api/v1/parks/{park}/units"),
                    json!({"building_id": b["id"], "floor": 1, "number": number, "area_m2": area, "space_type": space}),
                )
                .await,
            )
            .await;
            assert_eq!(s, 201, "{u}");
            unit_ids.push(u["id"].as_i64().unwrap());
        }
        let mut ids = Vec::new();
        for (i, class) in classes.iter().enumerate() {
            let (s, e) = json_of(
                self.send(county, "POST", &format!("/api/v1/parks/{park}/enterprises"), json!({"name": format!("规则测试{n}号{i}有限公司"),
                    "credit_code": weiyuan::demo::demo_credit_code(60_000 + n * 20 + i as u32), "industry_code": class, "size": "below",
                    "entry_date": "2018-03-01"}))
                .await,
            )
            .await;
            assert_eq!(s, 201, "{e}");
            ids.push(e["id"].as_i64().unwrap());
        }
        (park, unit_ids, ids)
    }

    /// Register a device in a park through the API: (id, token).
    pub async fn device(&self, token: &str, park: i64, kind: &str, serial: &str) -> (i64, String) {
        let (s, d) = json_of(
            self.send(
                token,
                "POST",
                &format!("/api/v1/parks/{park}/devices"),
                json!({"kind": kind, "serial": serial, "name": format!("{kind} {serial}")}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{d}");
        (d["device"]["id"].as_i64().unwrap(), d["token"].as_str().unwrap().to_string())
    }

    pub async fn audit_total(&self) -> i64 {
        self.store.list_audit(&weiyuan_store::AuditQuery { limit: 1, ..Default::default() }).await.unwrap().1
    }
}

/// A response's status and JSON body.
pub async fn json_of(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The CSRF token a page carries in its forms.
/// The login form's own token (the login page sets the matching cookie).
pub fn login_token_of(html: &str) -> String {
    let marker = "name=\"_login\" value=\"";
    let start = html.find(marker).expect("the login page has its token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Run a test body against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::common::App::spawn(weiyuan_store::Backend::Sqlite).await {
                    super::$name(&app).await;
                    app.stop().await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::common::App::spawn(weiyuan_store::Backend::Postgres).await {
                    super::$name(&app).await;
                    app.stop().await;
                }
            }
        }
    };
}

/// As `both!`, on an empty registry with one county user (`App::spawn_bare`).
#[macro_export]
macro_rules! both_bare {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::common::App::spawn_bare(weiyuan_store::Backend::Sqlite).await {
                    super::$name(&app).await;
                    app.stop().await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::common::App::spawn_bare(weiyuan_store::Backend::Postgres).await {
                    super::$name(&app).await;
                    app.stop().await;
                }
            }
        }
    };
}

/// A small HTTP server that keeps what is posted to it: (path, body).
pub async fn webhook_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>) {
    let got: std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>> = Default::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/{name}",
        axum::routing::post(move |axum::extract::Path(name): axum::extract::Path<String>, body: axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                if name == "broken" {
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                keep.lock().unwrap().push((name, body.0));
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, got)
}
