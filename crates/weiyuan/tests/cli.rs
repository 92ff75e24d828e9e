//! The real `weiyuan` binary: demo loading (idempotent, on both backends), `user add` and
//! `user passwd` from standard input, `serve` answering on its port, and clear errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use weiyuan_store::Backend;
use weiyuan_store::testing::TestDb;

fn weiyuan(args: &[&str], url: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weiyuan"))
        .args(args)
        .env("WEIYUAN_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn demo_twice_then_users(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let first = weiyuan(&["demo", "--no-serve"], &db.url, "");
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("Demo data: 20 parks, 40 buildings, 680 units, 6 users, 720 enterprises, "),
        "{}",
        text(&first)
    );
    assert!(text(&first).contains("county") && text(&first).contains("weiyuan-demo"));
    let store = db.store().await;
    let audit_after_first =
        store.list_audit(&weiyuan_store::AuditQuery { limit: 1, ..Default::default() }).await.unwrap().1;
    let second = weiyuan(&["demo", "--no-serve"], &db.url, "");
    assert!(
        text(&second)
            .contains("Demo data: 0 parks, 0 buildings, 0 units, 0 users, 0 enterprises, 0 progress reports created"),
        "{}",
        text(&second)
    );
    assert_eq!(store.list_parks(&weiyuan_domain::access::ParkScope::All).await.unwrap().len(), 20);
    let audit_after_second =
        store.list_audit(&weiyuan_store::AuditQuery { limit: 1, ..Default::default() }).await.unwrap().1;
    assert_eq!(audit_after_first, audit_after_second, "a second load writes nothing");

    // user add: scope by name, password from stdin.
    let ok = weiyuan(
        &["user", "add", "--username", "kunyang", "--role", "township", "--scope", "昆阳镇", "--password-stdin"],
        &db.url,
        "Kunshan-River-Bend-4471\n",
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let u = store.find_user("kunyang").await.unwrap().unwrap();
    assert_eq!(u.township_code.as_deref(), Some("330326100"));
    let op = weiyuan(
        &["user", "add", "--username", "op8", "--role", "operator", "--scope", "PY08", "--password-stdin"],
        &db.url,
        "Ferry-Lantern-Oak-2290",
    );
    assert!(op.status.success(), "{}", text(&op));
    assert_eq!(
        store.find_user("op8").await.unwrap().unwrap().park_id,
        store.find_park_by_code("PY08").await.unwrap().map(|p| p.id)
    );

    // Bad input: every problem named, in Chinese, nothing created, non-zero exit.
    let bad = weiyuan(&["user", "add", "--username", "x", "--role", "mayor", "--password-stdin"], &db.url, "short");
    assert!(!bad.status.success());
    let msg = text(&bad);
    assert!(
        msg.contains("用户名（username）") && msg.contains("角色（role）") && msg.contains("密码至少 10 位"),
        "{msg}"
    );
    assert!(store.find_user("x").await.unwrap().is_none());
    let dup = weiyuan(
        &["user", "add", "--username", "kunyang", "--role", "county", "--password-stdin"],
        &db.url,
        "Another-Quiet-Harbor-88",
    );
    assert!(!dup.status.success() && text(&dup).contains("该值已被使用"), "{}", text(&dup));

    // passwd changes the hash the login checks.
    let before = store.user_credentials("kunyang").await.unwrap().unwrap().1;
    let pw =
        weiyuan(&["user", "passwd", "--username", "kunyang", "--password-stdin"], &db.url, "Violet-Canal-Stone-5127\n");
    assert!(pw.status.success(), "{}", text(&pw));
    let after = store.user_credentials("kunyang").await.unwrap().unwrap().1;
    assert_ne!(before, after);
    assert!(weiyuan_server::auth::verify_password("Violet-Canal-Stone-5127", &after));
    let (entries, _) = store
        .list_audit(&weiyuan_store::AuditQuery { username: Some("cli".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["reset_password", "create", "create"], "CLI writes are audited as `cli`");
    store.close().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_idempotent_and_users_are_managed_from_the_cli_sqlite() {
    demo_twice_then_users(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_idempotent_and_users_are_managed_from_the_cli_postgres() {
    demo_twice_then_users(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_listens_where_told_and_stops_on_sigterm() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else { return };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    let tiles = "https://tiles.example/{z}/{x}/{y}.png";
    let mut child = Command::new(env!("CARGO_BIN_EXE_weiyuan"))
        .args(["serve", "--bind", &bind, "--database-url", &db.url, "--tile-url", tiles])
        .env("RUST_LOG", "warn")
        .env("WEIYUAN_METRICS_TOKEN", "scrape-7f3a-lantern")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut health = None;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("http://{bind}/healthz")).send().await {
            health = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let health = health.expect("server answers /healthz");
    assert_eq!((health["status"].as_str(), health["database"].as_str()), (Some("ok"), Some("sqlite")));
    // With a metrics token set, /metrics answers only the scraper that sends it, even on loopback.
    let metrics = |token: Option<&str>| {
        let mut r = client.get(format!("http://{bind}/metrics"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(metrics(None).await.unwrap().status(), 401);
    assert_eq!(metrics(Some("scrape-7f3a")).await.unwrap().status(), 401);
    let m = metrics(Some("scrape-7f3a-lantern")).await.unwrap();
    assert_eq!(m.status(), 200);
    assert!(m.text().await.unwrap().contains("weiyuan_database_up 1"));
    // No demo data with `serve`.
    let store = db.store().await;
    assert!(store.list_parks(&weiyuan_domain::access::ParkScope::All).await.unwrap().is_empty());
    // The configured tile URL reaches the map page.
    let form = weiyuan_server::users::UserForm {
        username: "county".into(),
        display_name: "c".into(),
        role: "county".into(),
        password: "Granite-Tea-Meadow-3381".into(),
        ..Default::default()
    };
    store
        .create_user(
            &weiyuan::demo::demo_county().user_admin().unwrap(),
            &weiyuan_store::AuditCtx::system("test"),
            &weiyuan_server::users::prepare(&store, &form).await.unwrap(),
        )
        .await
        .unwrap();
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = browser.get(format!("http://{bind}/login")).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"_login\" value=\"";
    let token = page[page.find(marker).unwrap() + marker.len()..].split('"').next().unwrap().to_string();
    browser
        .post(format!("http://{bind}/login"))
        .form(&[("username", "county"), ("password", "Granite-Tea-Meadow-3381"), ("_login", token.as_str())])
        .send()
        .await
        .unwrap();
    let page = browser.get(format!("http://{bind}/map")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&format!("data-tiles=\"{}\"", tiles.replace('/', "&#x2f;")))
            || page.contains(&format!("data-tiles=\"{tiles}\"")),
        "{page}"
    );
    store.close().await;
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    db.drop_db().await;
}

#[test]
fn a_bad_database_url_or_config_is_a_clear_error() {
    let o = weiyuan(&["migrate"], "mysql://h/db", "");
    assert!(!o.status.success());
    assert!(text(&o).contains("use sqlite://PATH or postgres://"), "{}", text(&o));
    let dir = std::env::temp_dir().join(format!("wy-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("weiyuan.conf");
    std::fs::write(&conf, "bind = \"127.0.0.1:1\"\nport = 80\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_weiyuan"))
        .args(["migrate", "--config", conf.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("unknown field `port`") && text(&o).contains("line 2"), "{}", text(&o));
    // The file's database_url is used when no flag or environment variable gives one.
    let db_path = dir.join("from-config.db");
    std::fs::write(&conf, format!("database_url = \"sqlite://{}\"\n", db_path.display())).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_weiyuan"))
        .args(["migrate", "--config", conf.to_str().unwrap()])
        .env_remove("WEIYUAN_DATABASE_URL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(db_path.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_from_the_command_line() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else { return };
    assert!(weiyuan(&["demo", "--no-serve"], &db.url, "").status.success());
    let dir = std::env::temp_dir().join(format!("wy-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xlsx = dir.join("parks.xlsx");
    let o = weiyuan(&["export", "parks", "--format", "xlsx", "-o", xlsx.to_str().unwrap()], &db.url, "");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK", "an xlsx is a zip");
    let o = weiyuan(&["import", "parks", xlsx.to_str().unwrap()], &db.url, "");
    assert!(o.status.success() && text(&o).contains("20 rows, 0 written, 20 unchanged"), "{}", text(&o));

    // A file with problems: non-zero exit, every problem printed with its place, nothing written.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "名称,用地面积（亩）,建筑面积（万㎡）,主导产业,入驻企业数（家）,开发模式,建设情况,所在乡镇\n甲园,30亩,5,塑包,0,待定,拟建,萧江镇\n乙园,30,5,塑包,-1,待定,拟建,火星镇\n").unwrap();
    let o = weiyuan(&["import", "parks", bad.to_str().unwrap()], &db.url, "");
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(msg.contains("nothing imported, 3 problem(s)"), "{msg}");
    assert!(msg.contains("第 2 行 B 列（用地面积（亩））"), "{msg}");
    assert!(msg.contains("第 3 行 E 列（入驻企业数（家））") && msg.contains("第 3 行 H 列（所在乡镇）"), "{msg}");
    let store = db.store().await;
    assert_eq!(store.list_parks(&weiyuan_domain::access::ParkScope::All).await.unwrap().len(), 20);
    let o = weiyuan(&["import", "units", bad.to_str().unwrap()], &db.url, "");
    assert!(!o.status.success() && text(&o).contains("unknown kind"));
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_db().await;
}

#[test]
fn a_lottery_draw_is_verified_and_a_changed_list_is_caught() {
    let dir = std::env::temp_dir().join(format!("wy-lottery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let applicants = dir.join("applicants.txt");
    std::fs::write(&applicants, "91350100M000100Y43\n91310110666007217T\n91110000101623741K\n").unwrap();
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_weiyuan")).args(args).output().unwrap();
    let a = applicants.to_str().unwrap();
    let drawn = run(&["lottery", "draw", "--seed", "第3批", "--applicants", a]);
    assert!(drawn.status.success());
    let out = String::from_utf8(drawn.stdout).unwrap();
    let commitment = out.lines().next().unwrap().trim_start_matches("commitment ").to_string();
    let order = dir.join("order.txt");
    std::fs::write(&order, out.lines().skip(2).collect::<Vec<_>>().join("\n")).unwrap();
    let o = order.to_str().unwrap();
    let ok =
        run(&["lottery", "verify", "--seed", "第3批", "--commitment", &commitment, "--applicants", a, "--order", o]);
    assert!(ok.status.success(), "{}", text(&ok));
    std::fs::write(&applicants, "91350100M000100Y43\n91310110666007217T\n91110000101623741K\n91330326MA2H00001P\n")
        .unwrap();
    let changed =
        run(&["lottery", "verify", "--seed", "第3批", "--commitment", &commitment, "--applicants", a, "--order", o]);
    assert!(!changed.status.success());
    assert!(text(&changed).contains("重新计算的顺序与公布结果不符"), "{}", text(&changed));
    let wrong_seed =
        run(&["lottery", "verify", "--seed", "第4批", "--commitment", &commitment, "--applicants", a, "--order", o]);
    assert!(!wrong_seed.status.success() && text(&wrong_seed).contains("承诺值"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A running `weiyuan serve` on a free port, killed (and waited for) when dropped.
struct Server(std::process::Child, String);

impl Server {
    async fn start(url: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let bind = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_weiyuan"))
            .args(["serve", "--bind", &bind, "--database-url", url])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Owned by the guard at once: killed and waited for even if it never answers.
        let server = Server(child, format!("http://{bind}"));
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(format!("{}/healthz", server.1)).send().await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{} did not come up", server.1);
    }

    async fn token(&self) -> String {
        let body = serde_json::json!({"username": "county", "password": weiyuan::demo::DEMO_PASSWORD});
        let r = reqwest::Client::new().post(format!("{}/api/v1/auth/login", self.1)).json(&body).send().await.unwrap();
        r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Backup while readings stream in, restore into an empty database, prove it identical (per
/// table counts and checksums) and serve from it.
async fn backup_and_restore_while_ingesting(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let Some(target) = TestDb::new(backend).await else { return };
    let demo = weiyuan(&["demo", "--no-serve"], &db.url, "");
    assert!(demo.status.success(), "{}", text(&demo));
    let live = Server::start(&db.url).await;
    let token = live.token().await;
    let client = reqwest::Client::new();
    let park = client
        .get(format!("{}/api/v1/parks", live.1))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["parks"][0]["id"]
        .as_i64()
        .unwrap();
    let serial = format!("BK-{}", std::process::id());
    let d = client
        .post(format!("{}/api/v1/parks/{park}/devices", live.1))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "electricity_meter", "serial": serial, "name": "备份测试电表"}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let device_token = d["token"].as_str().unwrap().to_string();
    // Readings stream in for as long as the backup takes.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heard = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ingest = {
        let (stop, heard, base, client) = (stop.clone(), heard.clone(), live.1.clone(), client.clone());
        tokio::spawn(async move {
            let mut acknowledged = 0;
            let t0 = weiyuan_store::now_ms() - 3_600_000;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let readings: Vec<_> = (0..20)
                    .map(|i| serde_json::json!({"device": serial, "metric": "power_kw", "ts": t0 + acknowledged * 1000 + i, "value": 1.0}))
                    .collect();
                let r = client
                    .post(format!("{base}/api/v1/telemetry"))
                    .json(&serde_json::json!({"token": device_token, "readings": readings}))
                    .send()
                    .await;
                if r.is_ok_and(|r| r.status().is_success()) {
                    acknowledged += 20;
                    heard.fetch_add(20, std::sync::atomic::Ordering::SeqCst);
                }
            }
            acknowledged
        })
    };
    // The backup starts once readings are flowing (a condition, however busy the machine).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while heard.load(std::sync::atomic::Ordering::SeqCst) < 100 {
        assert!(std::time::Instant::now() < deadline, "no reading was acknowledged before the backup");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let dir = std::env::temp_dir().join(format!("wy-backup-{}-{backend:?}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("weiyuan.backup");
    let (url, f) = (db.url.clone(), file.display().to_string());
    let backup = tokio::task::spawn_blocking(move || weiyuan(&["backup", "--to", &f], &url, "")).await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let acknowledged = ingest.await.unwrap();
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(text(&backup).contains("backup written"), "{}", text(&backup));
    assert!(acknowledged > 0, "readings were streaming during the backup");
    drop(live);
    // A second backup to the same file is refused.
    let again = weiyuan(&["backup", "--to", &file.display().to_string()], &db.url, "");
    assert!(!again.status.success() && text(&again).contains("already exists"), "{}", text(&again));

    let restore = weiyuan(&["restore", "--from", &file.display().to_string(), "--force"], &target.url, "");
    assert!(restore.status.success(), "{}", text(&restore));
    assert!(text(&restore).contains("every table matches the backup's digest"), "{}", text(&restore));
    let restored = Server::start(&target.url).await;
    let token = restored.token().await;
    let parks = client
        .get(format!("{}/api/v1/parks", restored.1))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(parks["parks"].as_array().unwrap().len(), 20, "the restored copy serves the demo data");
    drop(restored);
    // A tampered backup is caught by the digest.
    if backend == Backend::Sqlite {
        let tampered = dir.join("tampered.backup");
        std::fs::copy(&file, &tampered).unwrap();
        std::fs::copy(weiyuan_store::backup::digest_path(&file), weiyuan_store::backup::digest_path(&tampered))
            .unwrap();
        let store = weiyuan_store::Store::connect(&format!("sqlite://{}", tampered.display())).await.unwrap();
        sqlx::query("UPDATE parks SET name = name || '改' WHERE id = (SELECT MIN(id) FROM parks)")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
        let o = weiyuan(&["restore", "--from", &tampered.display().to_string(), "--force"], &target.url, "");
        assert!(!o.status.success() && text(&o).contains("parks"), "{}", text(&o));
    }
    std::fs::remove_dir_all(&dir).ok();
    db.drop_db().await;
    target.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_while_ingesting_sqlite() {
    backup_and_restore_while_ingesting(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_while_ingesting_postgres() {
    backup_and_restore_while_ingesting(Backend::Postgres).await;
}
