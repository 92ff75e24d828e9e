//! Browser tests in a real headless Chromium, driven through chromedriver (WebDriver).
//! They log in as a user would, read the park list in Chinese and in English, and check that
//! a bad form shows the field's error in the user's language.
//!
//! Needs `chromedriver` and `chromium` on the PATH (scripts/test installs them). Without them
//! the test is skipped, unless WEIYUAN_REQUIRE_BROWSER=1 (set by scripts/test) makes it fail.

mod common;

use base64::Engine;
use common::{App, PASSWORD};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use weiyuan_domain::parks::SpaceType;
use weiyuan_store::Backend;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A minimal WebDriver client: just the commands these tests need.
/// A directory of the test's own files, removed when it goes out of scope (a failed test too).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A wait on a condition with a deadline of 30 s, checked every 100 ms: long enough for a page on a
/// busy CI machine, and only ever reached when the page is wrong.
struct Waiting(std::time::Instant);

impl Waiting {
    fn new() -> Self {
        Waiting(std::time::Instant::now() + Duration::from_secs(30))
    }

    fn more(&self) -> bool {
        std::time::Instant::now() < self.0
    }
}

struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: Driver,
    base: String,
}

/// The chromedriver process and the Chromium it starts, stopped and their profile removed even
/// when a test panics. chromedriver runs in a process group of its own, which its Chromium
/// processes join, so one signal to the group ends them all.
struct Driver {
    child: Child,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A Chromium that left the group still names its profile on its command line.
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", &self.profile.display().to_string()])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn which(name: &str) -> Option<String> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| format!("{d}/{name}"))
        .find(|p| std::path::Path::new(p).exists())
}

impl Browser {
    async fn start() -> Option<Browser> {
        let (driver_bin, chromium) = match (which("chromedriver"), which("chromium")) {
            (Some(d), Some(c)) => (d, c),
            _ => {
                if std::env::var("WEIYUAN_REQUIRE_BROWSER").as_deref() == Ok("1") {
                    panic!("WEIYUAN_REQUIRE_BROWSER=1 but chromedriver/chromium are not installed");
                }
                eprintln!("chromedriver or chromium missing: browser tests skipped");
                return None;
            }
        };
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let profile = std::env::temp_dir().join(format!("wy-chrome-{}-{port}", std::process::id()));
        let driver = Driver {
            child: Command::new(driver_bin)
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
            profile: profile.clone(),
        };
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=en-US",
                     format!("--user-data-dir={}", profile.display())]
        }}}});
        let mut last = String::new();
        let waiting = Waiting::new();
        while waiting.more() {
            match http.post(format!("{base}/session")).json(&caps).send().await {
                Ok(r) => {
                    let v: Value = r.json().await.unwrap();
                    if let Some(id) = v["value"]["sessionId"].as_str() {
                        return Some(Browser { http, session: id.to_string(), _driver: driver, base });
                    }
                    last = v.to_string();
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start a Chromium session: {last}");
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self.cmd(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {v}")).to_string()
    }

    async fn count(&self, css: &str) -> usize {
        let v =
            self.cmd(reqwest::Method::POST, "/elements", Some(json!({"using": "css selector", "value": css}))).await;
        v.as_array().map(|a| a.len()).unwrap_or(0)
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/clear"), Some(json!({}))).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/value"), Some(json!({"text": text}))).await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({}))).await;
    }

    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{el}/text"), None).await.as_str().unwrap().to_string()
    }

    /// Run a script in the page and return what it returns.
    async fn script(&self, js: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": js, "args": []}))).await
    }

    /// Make the page's viewport (not the window around it) `width` × `height`.
    async fn resize(&self, width: u32, height: u32) {
        self.cmd(reqwest::Method::POST, "/window/rect", Some(json!({"width": width, "height": height}))).await;
        let d = self
            .script("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]")
            .await;
        let (dw, dh) = (d[0].as_u64().unwrap_or(0) as u32, d[1].as_u64().unwrap_or(0) as u32);
        let rect = json!({"width": width + dw, "height": height + dh});
        self.cmd(reqwest::Method::POST, "/window/rect", Some(rect)).await;
    }

    async fn page_text(&self) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({"script": "return document.body.innerText", "args": []})),
            )
            .await;
        v.as_str().unwrap_or("").to_string()
    }

    /// Wait (up to 30 s) until the page shows a text: clicks that navigate return before the
    /// next page is there.
    async fn wait_for(&self, needle: &str) -> String {
        let mut text = String::new();
        let waiting = Waiting::new();
        while waiting.more() {
            text = self.page_text().await;
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("page never showed {needle:?}; it shows:\n{text}");
    }

    /// Wait (up to 30 s) until the first element matching `css` shows a text.
    async fn wait_text(&self, css: &str, needle: &str) {
        let script = "var e = document.querySelector(arguments[0]); return e ? e.innerText : ''";
        let mut text = String::new();
        let waiting = Waiting::new();
        while waiting.more() {
            let v =
                self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": [css]}))).await;
            text = v.as_str().unwrap_or("").to_string();
            if text.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed {needle:?}; it shows {text:?}");
    }

    /// Wait (up to 30 s) until the page's address holds a text.
    async fn wait_url(&self, needle: &str) {
        let mut url = String::new();
        let waiting = Waiting::new();
        while waiting.more() {
            url = self.url().await;
            if url.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the address never held {needle:?}; it is {url}");
    }

    /// Wait (up to 30 s) until an element is on the page.
    async fn wait_el(&self, css: &str) {
        let waiting = Waiting::new();
        while waiting.more() {
            if self.count(css).await > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no {css} appeared; the page shows:\n{}", self.page_text().await);
    }

    /// Choose an option of a select by its value, as a person would.
    async fn select(&self, css: &str, value: &str) {
        let script = "var s = document.querySelector(arguments[0]); s.value = arguments[1]; return s.value";
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": [css, value]}))).await;
    }

    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None).await.as_str().unwrap().to_string()
    }

    /// Save a screenshot under target/screenshots for people to look at.
    async fn screenshot(&self, name: &str) {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots");
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    async fn login(&self, app: &App, user: &str, password: &str) {
        self.goto(&app.url("/login")).await;
        self.type_into("#username", user).await;
        self.type_into("#password", password).await;
        self.click("#login-submit").await;
    }

    async fn quit(self) {
        let _ = self.http.delete(format!("{}/session/{}", self.base, self.session)).send().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_user_reads_the_park_list_in_chinese_and_in_english() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };

    // A wrong password is refused on the page, in Chinese (the default, even for an en-US browser).
    b.login(&app, "county", "not-the-password").await;
    b.wait_el("#login-error").await;
    assert_eq!(b.text("#login-error").await, "用户名或密码错误");

    b.login(&app, "county", PASSWORD).await;
    // Logging in opens the workbench: what waits for the county, counted.
    b.wait_el("#todos").await;
    assert!(b.url().await.ends_with('/'), "{}", b.url().await);
    b.wait_for("件入园申请待您审核").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    let text = b.page_text().await;
    assert!(b.url().await.ends_with("/parks"), "{}", b.url().await);
    assert!(text.contains("小微企业园一览"), "{text}");
    assert!(text.contains("万洋众创城（机械汽摩配小微园、时尚小微园）"));
    assert_eq!(b.count("#park-table tbody tr").await, 20);
    assert_eq!(b.text("#total-land").await, "3,767.4");
    assert_eq!(b.text("#total-area").await, "540.48");
    assert_eq!(b.text("#total-enterprises").await, "1270");
    assert!(b.text("#park-totals").await.contains("合计"));
    b.screenshot("parks-zh").await;

    // Filter to the completed parks: the totals row follows.
    b.goto(&app.url("/parks?status=completed")).await;
    assert_eq!(b.count("#park-table tbody tr").await, 5);
    assert_eq!(b.text("#total-land").await, "616.5");
    assert_eq!(b.text("#total-enterprises").await, "59");

    // Switch to English: the same list, in English, and it sticks after logging in again.
    b.goto(&app.url("/parks")).await;
    b.click("#lang-en").await;
    b.wait_el("#lang-zh").await;
    let text = b.wait_for("Land (mu)").await;
    assert!(text.contains("Small and micro enterprise parks") && text.contains("Land (mu)"), "{text}");
    assert!(text.contains("Under construction") && text.contains("Industrial real estate"));
    assert!(b.text("#park-totals").await.contains("Total"));
    b.screenshot("parks-en").await;
    b.click("#logout").await;
    b.wait_el("#login-submit").await;
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    b.wait_for("Land (mu)").await; // the language sticks for the user
    b.click("#lang-zh").await;
    b.wait_el("#lang-en").await;
    b.wait_for("用地面积（亩）").await;

    // A bad form re-renders with the field's error in the user's language.
    b.goto(&app.url("/parks/new")).await;
    b.type_into("#f-name", "浏览器测试园").await;
    b.type_into("#f-land_mu", "12亩").await;
    b.click("#save-park").await;
    b.wait_el("#form-error").await;
    assert_eq!(b.text(".field-error[data-field=land_mu]").await, "须为数字（不带单位和千分位逗号）");
    assert_eq!(b.text(".field-error[data-field=leading_industries]").await, "必填");
    b.screenshot("park-form-error").await;
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_and_an_operator_see_only_their_parks() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    b.login(&app, "xiaojiang", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    assert_eq!(b.count("#park-table tbody tr").await, 3);
    let text = b.page_text().await;
    assert!(text.contains("萧江轻工产业小微园") && !text.contains("万洋众创城"));
    assert!(b.text("#current-user").await.contains("萧江镇人民政府"));
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    // The operator lands on its park, can add units but not edit the park.
    b.login(&app, "wanyang", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-name").await;
    assert!(b.text("#park-name").await.starts_with("万洋众创城"));
    assert_eq!(b.count("#edit-park").await, 0);
    assert_eq!(b.count("#add-unit").await, 1);
    assert!(b.page_text().await.contains("演示生成"), "generated buildings are labelled");
    b.screenshot("park-operator").await;
    // Its enterprises: the seed's 368, searchable by industry code; each has its page.
    b.click("#park-enterprises").await;
    b.wait_el("#enterprise-table").await;
    // Fifty a page, and the pager walks the 368.
    assert_eq!((b.count("#enterprise-table tbody tr").await, b.text("#enterprise-total").await), (50, "368".into()));
    b.screenshot("enterprises").await;
    b.click(".pager-next").await;
    b.wait_text(".pager-at", "2 / 8（368）").await;
    assert_eq!(b.count("#enterprise-table tbody tr").await, 50);
    let id = app.park_id("PY08").await;
    b.goto(&app.url(&format!("/parks/{id}/enterprises?q=C3670"))).await;
    b.wait_el("#enterprise-total").await;
    let found: usize = b.text("#enterprise-total").await.parse().unwrap();
    let rows = b.count("#enterprise-table tbody tr").await;
    assert!(found > 0 && found < 368 && rows == found.min(50), "{found} found, {rows} shown");
    b.click("#enterprise-table tbody tr a").await;
    b.wait_el("#credit-code").await;
    assert!(
        weiyuan_domain::codes::is_valid_uscc(&b.text("#credit-code").await)
            || b.page_text().await.contains("校验不符的说明")
    );
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_shows_every_park_offline_and_progress_pages_draw_their_charts() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;

    // No tile server is configured: the parks, the township labels and a scale are still drawn.
    b.goto(&app.url("/map")).await;
    b.wait_el("path.park-marker").await;
    // With no tile server the county's real outline lies under the parks, its neighbours around it.
    b.wait_el("path.county-outline").await;
    assert_eq!((b.count("path.county-outline").await, b.count("path.neighbour-outline").await), (1, 5));
    assert_eq!(b.count("path.park-marker").await, 20);
    assert_eq!(b.count("path.park-under_construction").await, 4);
    assert_eq!(b.count(".township-label").await, 8);
    assert_eq!(b.count(".leaflet-control-scale").await, 1);
    assert_eq!(b.count(".leaflet-tile").await, 0, "no tiles requested");
    b.screenshot("map").await;
    // Filter by township: 萧江镇 has three parks.
    let script = "var s = document.getElementById('map-township'); s.value = '330326103'; s.dispatchEvent(new Event('change')); return 1";
    b.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await;
    assert_eq!(b.count("path.park-marker").await, 3);
    // Clicking a park opens it.
    b.goto(&app.url("/map")).await;
    b.wait_el("path.park-marker").await;
    b.click("path.park-under_construction").await;
    b.wait_el("#park-name").await;
    assert!(b.url().await.contains("/parks/"));

    // The county's progress page: report status, lagging parks, targets and four charts.
    b.goto(&app.url("/progress")).await;
    b.wait_el(".chart svg").await;
    assert_eq!(b.count(".chart").await, 4);
    assert_eq!(b.count(".target-chart svg").await, 1, "targets are charted too");
    assert!(b.count("#lagging tbody tr").await >= 3);
    assert_eq!(b.count("#report-status tr.report-missing").await, 2);
    let lag = b.text("#lagging tr[data-lag-park=PY07][data-lag-figure=land_supply]").await;
    assert!(lag.contains("腾蛟南溪皮革皮件小微园") && lag.contains("2018-01"), "{lag}");
    b.screenshot("progress").await;
    // The same lagging parks wear a red ring on the map and a badge in the park list.
    let parks = b
        .script("return new Set(Array.from(document.querySelectorAll('#lagging tr[data-lag-park]')).map(function (r) { return r.getAttribute('data-lag-park'); })).size")
        .await
        .as_u64()
        .unwrap() as usize;
    b.goto(&app.url("/map")).await;
    b.wait_el("path.park-marker").await;
    assert_eq!(b.count("path.park-lagging").await, parks);
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    assert_eq!(b.count("#park-table .badge.lagging").await, parks);

    // A township files this month's report for its park; a bad figure is refused first.
    b.click("#logout").await;
    b.wait_el("#login-submit").await;
    b.login(&app, "xiaojiang", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    let id = app.park_id("PY06").await;
    b.goto(&app.url(&format!("/parks/{id}/progress"))).await;
    b.wait_el("#report-form").await;
    b.type_into("#f-started_mu", "3亩").await;
    b.click("#file-report").await;
    b.wait_el("#form-error").await;
    assert_eq!(b.text(".field-error[data-field=started_mu]").await, "须为数字（不带单位和千分位逗号）");
    b.type_into("#f-started_mu", "3").await;
    b.type_into("#f-problems", "三期用地报批").await;
    b.click("#file-report").await;
    b.wait_el("#report-table").await;
    b.wait_for("三期用地报批").await;
    b.screenshot("park-progress").await;
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_sells_ticked_units_under_the_caps_and_the_county_reviews_an_application() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    let park = app.park_id("PY08").await;
    let free = app
        .store
        .holdings(park)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.owner_id.is_none() && h.space_type == SpaceType::Production)
        .unwrap();
    let buyer =
        app.store.list_enterprises(park).await.unwrap().into_iter().find(|e| e.name.contains("有限公司")).unwrap();
    b.login(&app, "wanyang", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-deals").await;
    b.click("#park-deals").await;
    b.wait_el("#sale-form").await;
    // Tick the unit, ask too much: refused, with the rule and its numbers.
    b.click(&format!("#pick-{}", free.unit_id)).await;
    b.select("#f-buyer_id", &buyer.id.to_string()).await;
    b.type_into("#f-price_production", "3999").await;
    b.click("#sell").await;
    b.wait_el("#refusal").await;
    // 3,999 on one unit keeps the park's average under 2,600 but is far above average + 30%.
    assert_eq!(b.count("#refusal tr[data-rule='sale.single_ceiling'][data-passed='false']").await, 1);
    assert_eq!(b.count("#refusal tr[data-rule='sale.average_cap'][data-passed='true']").await, 1);
    assert!(b.text("#form-error").await.contains("单价 3,999 元/m²"), "{}", b.text("#form-error").await);
    b.screenshot("deal-refused").await;
    assert!(app.store.holding(free.unit_id).await.unwrap().owner_id.is_none());
    b.click(&format!("#pick-{}", free.unit_id)).await;
    b.select("#f-buyer_id", &buyer.id.to_string()).await;
    b.type_into("#f-price_production", "2300").await;
    b.click("#sell").await;
    // The buyer's name is on the page before the sale too (the buyer list), so wait for the
    // unit's own row to show it as the owner: only the page after the sale does.
    b.wait_text(&format!("#holdings tr[data-unit='{}']", free.unit_id), &buyer.name).await;
    assert_eq!(app.store.holding(free.unit_id).await.unwrap().owner_id, Some(buyer.id));
    b.goto(&app.url(&format!("/units/{}", free.unit_id))).await;
    b.wait_el("#unit-events tr[data-kind='sale']").await;
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    // The county opens the application on the negative list: approval is refused, it is sent back.
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    b.goto(&app.url("/admissions")).await;
    b.wait_el("#admission-table").await;
    assert_eq!(b.count("#admission-table tbody tr").await, 3);
    let script = "return Array.from(document.querySelectorAll('#admission-table tbody tr')).find(r => r.innerText.includes('电镀')).querySelector('a').getAttribute('href')";
    let href = b.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await;
    b.goto(&app.url(href.as_str().unwrap())).await;
    b.wait_el("#checks").await;
    assert_eq!(b.count("tr[data-rule='admission.negative_list'][data-passed='false']").await, 1);
    b.click("#approve").await;
    b.wait_el("#form-error").await;
    assert!(b.text("#form-error").await.contains("不在产业准入负面清单内"));
    b.type_into("#f-reason", "名称含电镀，请核实经营范围").await;
    b.click("#send-back").await;
    b.wait_el("#admission-status[data-status='sent_back']").await;
    assert!(b.page_text().await.contains("名称含电镀，请核实经营范围"));
    b.screenshot("admission-sent-back").await;
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_reads_the_economic_analysis_with_its_trend_chart() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    weiyuan::demo::load_reports_demo(&app.store).await.unwrap();
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    b.goto(&app.url("/analysis")).await;
    b.wait_el(".trend-chart svg").await;
    assert_eq!(b.count("#headline .figure-card").await, 6);
    assert!(b.count("#park-ranking tbody tr").await >= 9, "every park with reporting enterprises is ranked");
    assert!(b.text("#indicators").await.contains("万元/亩"));
    b.screenshot("analysis").await;
    // A division links to the analysis of that industry.
    b.click("#divisions tbody tr a").await;
    // The analysis page links to itself: wait for the new address, not for an element both share.
    b.wait_url("industry=C").await;
    b.wait_el("#analysis-filter").await;
    assert!(
        b.page_text().await.contains(weiyuan_server::i18n::t(weiyuan_domain::access::Lang::ZhCn, "analysis.no_land"))
    );
    // The enterprise count leads to the enterprises behind it, all of that division.
    let url = b.url().await;
    let division = url.split("industry=").nth(1).unwrap().split('&').next().unwrap().to_string();
    b.click("#behind-all").await;
    b.wait_el("#behind").await;
    let rows = b.count("#behind tbody tr").await;
    assert!(rows > 0, "the division has enterprises");
    let industries = b.text("#behind tbody").await;
    assert_eq!(industries.matches(division.as_str()).count(), rows, "{industries}");
    // Ordered by tax on asking: largest first.
    b.click("#behind th a[data-field='tax']").await;
    b.wait_el("#behind th.sorted a[data-field='tax']").await;
    let tax = b.text("#behind tbody").await;
    assert!(b.url().await.contains("field=tax"), "{tax}");
    b.screenshot("analysis-enterprises").await;
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_big_screen_fills_a_1920_wall_and_a_4k_one() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    weiyuan::demo::load_reports_demo(&app.store).await.unwrap();
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    for (width, height, name) in [(1920, 1080, "dashboard-1080p"), (3840, 2160, "dashboard-4k")] {
        b.resize(width, height).await;
        b.goto(&app.url("/dashboard")).await;
        b.wait_el("[data-ranking] svg").await;
        b.wait_el("#park-map .park-marker").await;
        b.wait_el("#park-map path.county-outline").await;
        // The screen ends at the bottom of the window, nothing scrolls, and every panel is inside it.
        let fit = b
            .script(
                "var h = window.innerHeight, s = document.getElementById('screen').getBoundingClientRect(); \
                 var panels = Array.from(document.querySelectorAll('.screen-panel')).map(function (p) { return p.getBoundingClientRect().bottom; }); \
                 return [h, s.bottom, document.documentElement.scrollHeight, Math.max.apply(null, panels), window.innerWidth];",
            )
            .await;
        let [h, bottom, scroll, panels, w] = [0, 1, 2, 3, 4].map(|i| fit[i].as_f64().unwrap());
        assert_eq!((w, h), (width as f64, height as f64), "the viewport");
        assert!(
            (bottom - h).abs() <= 1.0 && scroll <= h + 1.0,
            "{name}: screen ends at {bottom} of {h}, scrolls to {scroll}"
        );
        assert!(panels <= h && panels > h * 0.9, "{name}: the panels reach the bottom ({panels} of {h})");
        // The ranking names as many parks as its title says; the map, live figures and alarms are there.
        let title = b.text("#panel-ranking h2").await;
        let bars = b.script("return document.querySelectorAll('[data-ranking] svg path[d]').length").await;
        assert!(bars.as_u64().unwrap() > 0 && title.contains("前 10") || title.contains("前 9"), "{title}");
        assert!(b.count("#park-map .park-marker").await >= 9, "the parks on the map");
        assert!(b.text("#live-online").await.contains('/'));
        b.screenshot(name).await;
    }
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_watches_a_park_live_and_registers_a_device() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    // The simulator plays the last hour of three demo parks over HTTP.
    let devices = weiyuan::simulate::ensure_devices(&app.store, 3).await.unwrap();
    let now = weiyuan_store::now_ms();
    let target = weiyuan::simulate::Target::Http(app.base.clone());
    let sent = weiyuan::simulate::play(&devices, &target, now - 3_600_000, Some(now), 300_000, &|_| {}).await.unwrap();
    assert!(sent > 100, "{sent} readings");
    let mut parks = app.store.list_parks(&weiyuan_domain::access::ParkScope::All).await.unwrap();
    parks.sort_by(|a, b| a.code.cmp(&b.code));
    let park = parks[0].clone();
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    b.goto(&app.url(&format!("/parks/{}/monitoring", park.id))).await;
    b.wait_el("#live-cards").await;
    assert!(b.text("[data-key=devices] .big").await.contains("9 / 9"), "every simulated device is online");
    assert!(b.count("#environment tbody tr").await >= 4, "PM2.5, PM10, noise, VOCs, COD against their limits");
    // The simulated hour drawn by hour: electricity, people and the environment, each a chart.
    b.wait_el("#curves .curve[data-metric='energy_kwh'] svg").await;
    assert!(b.count("#curves .curve svg").await >= 4, "a chart for each figure reported");
    // The fire panel of the first park goes off: a critical alarm on its page, on the county's
    // overview and its map, and in the county's alarms to acknowledge.
    let panel = devices.iter().find(|d| d.kind == "fire_panel" && d.park_index == 0).unwrap();
    let fire = serde_json::json!({"token": panel.token, "readings": [{"device": panel.serial, "metric": "fire_alarm", "ts": now, "value": true}]});
    let r = reqwest::Client::new().post(app.url("/api/v1/telemetry")).json(&fire).send().await.unwrap();
    assert_eq!(r.status(), 200);
    b.goto(&app.url(&format!("/parks/{}/monitoring", park.id))).await;
    b.wait_el("#alarm-list").await;
    assert!(b.text("#alarm-list").await.contains("火灾报警"), "the park's page lists the fire alarm");
    b.screenshot("park-monitoring").await;
    // Every park at a glance: the simulated ones have their devices online; the park with the
    // fire alarm is red on the map.
    b.goto(&app.url("/monitoring")).await;
    b.wait_el("#monitoring-parks").await;
    let row = format!("#monitoring-parks tr[data-park='{}']", park.id);
    assert!(b.text(&row).await.contains("9 / 9"));
    let open: i64 = b.text(&format!("{row} [data-alarms]")).await.trim().parse().unwrap();
    assert!(open >= 1, "the fire alarm (and any the simulated hour raised) is counted");
    b.wait_el(".park-marker.park-alarm_critical").await;
    assert_eq!(b.count(".park-marker.park-alarm_critical").await, 1);
    b.screenshot("monitoring-map").await;
    b.goto(&app.url("/alarms")).await;
    b.wait_el("#alarm-table").await;
    b.click("#alarm-table tr.severity-critical a[href^='/alarms/']").await;
    b.wait_el("#ack-form").await;
    b.type_into("#ack-comment", "已电话联系园区消控室").await;
    b.click("#acknowledge").await;
    b.wait_el("#alarm-history tr[data-event='acknowledged']").await;
    assert_eq!(b.text("#alarm-state").await.trim(), "已确认");
    assert!(b.text("#alarm-history").await.contains("已电话联系园区消控室"));
    // A rule made in the form: a wrong threshold is named at its field, then the rule is listed.
    b.goto(&app.url("/alarms/rules")).await;
    b.wait_el("#rule-form").await;
    let rules = b.count("#rule-table tbody tr").await;
    b.type_into("#r-name", "二号车间噪声").await;
    b.select("#r-kind", "environment_sensor").await;
    b.select("#r-park", &park.id.to_string()).await;
    b.type_into("#r-metric", "noise_db").await;
    b.type_into("#r-figure", "高").await;
    b.click("#create-rule").await;
    b.wait_el(".field-error[data-field='figure']").await;
    b.type_into("#r-figure", "70").await;
    b.click("#create-rule").await;
    b.wait_for("二号车间噪声").await;
    assert_eq!(b.count("#rule-table tbody tr").await, rules + 1);
    // A device registered in the form shows its token once, and the token works.
    b.goto(&app.url(&format!("/parks/{}/devices", park.id))).await;
    b.wait_el("#device-form").await;
    b.select("#f-kind", "environment_sensor").await;
    b.type_into("#f-serial", "ENV-BROWSER-1").await;
    b.type_into("#f-name", "东门环境监测").await;
    b.click("#register-device").await;
    b.wait_el("#new-token").await;
    let token = b.text("#token-value").await;
    assert!(token.starts_with("wyd_"), "{token}");
    assert_eq!(b.count("#device-table tbody tr").await, 10);
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/telemetry"))
        .json(&serde_json::json!({"token": token.trim(), "readings": [{"device": "ENV-BROWSER-1", "metric": "pm25", "ts": now, "value": 41}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_computes_and_publishes_an_evaluation_and_an_enterprise_reads_its_result() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    weiyuan::demo::load_reports_demo(&app.store).await.unwrap();
    app.store.assign_generated_floor_areas().await.unwrap();
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    b.goto(&app.url("/evaluation")).await;
    b.wait_el("#compute-form").await;
    // The year before the last, so the form's default is not what is typed.
    let last = weiyuan_server::reports::last_month();
    let year = if last.month == 12 { last.year - 1 } else { last.year - 2 };
    b.type_into("#f-first_month", &format!("{year}-01")).await;
    b.click("#compute").await;
    b.wait_url("/evaluation/runs/").await;
    b.wait_el("#results tbody tr").await;
    b.wait_text("#run-status", "草稿").await;
    // Judged enterprises come first, ranked, with their class; a full page of them.
    assert_eq!(b.count("#results tbody tr .class-cell").await, 50);
    assert!(b.text("#results tbody tr").await.starts_with('1'), "rank 1 leads");
    assert!(b.text("#results").await.contains("万元/亩"));
    b.screenshot("evaluation-run").await;
    b.click("#publish").await;
    b.wait_text("#run-status", "已发布").await;
    // The parks' grading: the rubric's nine dimensions, the stars section, a plain title.
    b.goto(&app.url("/grading")).await;
    b.wait_el("#rubric").await;
    assert_eq!(b.count("#rubric tbody tr").await, 9);
    assert_eq!(b.count("#stars").await, 1);
    let title = b
        .cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": "return document.title", "args": []})))
        .await;
    assert_eq!(title.as_str(), Some("园区绩效评价 · 微园"), "{title}");
    // The rubric opens as a form the county can change: moving 5 points without moving them
    // back is refused in words.
    b.click("#rubric-link").await;
    b.wait_el("#rubric-form").await;
    assert_eq!(b.count("#dimensions tbody tr").await, 9);
    b.type_into("#f-integrity-points", "10").await;
    b.click("#save-rubric").await;
    b.wait_text("#form-error", "各维度分值合计须为 100，现为 105.00").await;
    b.type_into("#f-integrity-points", "5").await;
    b.click("#save-rubric").await;
    b.wait_text("#done", "评价细则已保存").await;
    // The townships against their targets, and the bulletin that names them.
    b.goto(&app.url("/supervision")).await;
    b.wait_el("#supervision tbody tr").await;
    b.click("#bulletin-link").await;
    b.wait_el("#summary").await;
    assert!(b.text("#summary").await.contains("序时进度"));
    b.screenshot("bulletin").await;
    // The county sets 萧江镇's own targets for the year; the supervision then assesses them.
    b.goto(&app.url("/supervision")).await;
    b.wait_el("#targets-link").await;
    b.click("#targets-link").await;
    b.wait_el("#targets-form").await;
    b.type_into("#f-330326103-admitted", "12").await;
    b.type_into("#f-330326103-tax_per_mu", "abc").await;
    b.click("#save-targets").await;
    b.wait_text("#form-error", "萧江镇 亩均税收目标").await;
    b.type_into("#f-330326103-tax_per_mu", "8.5").await;
    b.click("#save-targets").await;
    b.wait_text("#done", "已保存").await;
    b.goto(&app.url("/supervision")).await;
    b.wait_el("#supervision tbody tr[data-township='330326103']").await;
    assert!(b.text("#supervision thead").await.contains("亩均税收"));
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    // The demo enterprise reads its own result: its land and how it was found, its class.
    b.login(&app, "enterprise", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-name").await;
    b.goto(&app.url("/evaluation/mine")).await;
    b.wait_url("/enterprises/").await;
    b.wait_el("#land-text").await;
    assert!(b.text("#land-text").await.contains("亩"));
    assert_eq!(b.count("#class").await + b.count("#reason").await, 1, "{}", b.page_text().await);
    assert!(b.count("#indicators tbody tr").await >= 3);
    b.screenshot("evaluation-enterprise").await;
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_publishes_a_policy_an_enterprise_applies_and_the_county_reviews_it() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    b.goto(&app.url("/policies/new")).await;
    b.wait_el("#policy-form").await;
    b.type_into("#f-title", "入园企业服务券").await;
    b.type_into("#f-source", "平阳县小微企业园高质量发展五年规划 六").await;
    b.type_into("#f-benefit", "服务券重点面向入园企业发放").await;
    b.type_into("#f-valid_from", "2026-02-31").await;
    b.type_into("#f-valid_to", "2099-12-31").await;
    b.select("#f-formula", "scale_up_reward").await;
    b.type_into("#f-amount", "5000").await;
    b.click("#save-policy").await;
    // Refused in Chinese, naming the field; what was typed stays.
    b.wait_el("#form-error").await;
    let error = b.text("#form-error").await;
    assert!(error.contains("有效期起") && error.contains("YYYY-MM-DD"), "{error}");
    b.type_into("#f-valid_from", "2020-01-01").await;
    b.click("#save-policy").await;
    b.wait_url("/policies/").await;
    b.wait_text("#policy-status", "草稿").await;
    assert!(b.text("#formula").await.contains("5,000"));
    b.click("#publish").await;
    b.wait_text("#policy-status", "已发布").await;
    b.screenshot("policy").await;
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    // The demo enterprise finds it among its policies, with the amount, and applies.
    b.login(&app, "enterprise", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-name").await;
    // Publishing told it: one unread notice beside the menu's policies link.
    b.wait_text("#nav-notices", "1").await;
    b.goto(&app.url("/policies")).await;
    b.wait_el("#offers").await;
    let offers = b.text("#offers").await;
    assert!(offers.contains("入园企业服务券") && offers.contains("符合"), "{offers}");
    b.click("#offers a").await;
    b.wait_el("#apply-form").await;
    assert!(b.text("#amount").await.contains("5,000"));
    assert_eq!(b.count("#nav-notices").await, 0, "opening the policy read its notice");
    b.type_into("#f-statement", "申请服务券").await;
    b.click("#apply").await;
    b.wait_url("/policy-applications/").await;
    b.wait_text("#application-status", "待乡镇审核").await;
    let url = b.url().await;
    let id: i64 = url.rsplit('/').next().unwrap().split('?').next().unwrap().parse().unwrap();
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    // The township's step (tested through the use case here), then the county in the browser.
    let a = app.store.policy_application(id).await.unwrap();
    let township = weiyuan_domain::Actor {
        user_id: 0,
        username: "township".into(),
        display_name: "township".into(),
        role: weiyuan_domain::Role::Township,
        township_code: Some(a.township_code.clone()),
        park_id: None,
        enterprise_id: None,
        agency_id: None,
        lang: Default::default(),
    };
    let form = weiyuan_domain::policies::ReviewForm {
        stage: "township".into(),
        decision: "approve".into(),
        comment: String::new(),
    };
    weiyuan_server::policies::decide(&app.store, &township, id, &form).await.unwrap();
    b.login(&app, "county", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url("/parks")).await;
    b.wait_el("#park-table").await;
    b.goto(&app.url("/policy-applications?status=county")).await;
    b.wait_el(&format!("#applications tr[data-application=\"{id}\"]")).await;
    b.click(&format!("#applications tr[data-application=\"{id}\"] a")).await;
    b.wait_el("#review-form").await;
    b.select("#f-decision", "return").await;
    b.click("#decide").await;
    b.wait_el("#form-error").await;
    assert!(b.text("#form-error").await.contains("理由"));
    b.select("#f-decision", "approve").await;
    b.click("#decide").await;
    b.wait_text("#application-status", "已通过").await;
    assert_eq!(b.count("#steps tbody tr").await, 3);
    b.screenshot("policy-application").await;
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_offers_a_service_an_enterprise_requests_it_and_rates_it() {
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    let py08 = app.park_id("PY08").await;
    b.login(&app, "wanyang", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-name").await;
    b.goto(&app.url("/services")).await;
    b.wait_el("#service-form").await;
    // A response time of 0 hours is refused, naming the field, in Chinese.
    b.select("#f-park_id", &py08.to_string()).await;
    b.select("#f-category", "finance").await;
    b.type_into("#f-name", "融资对接").await;
    b.type_into("#f-provider_name", "园区运营公司").await;
    b.type_into("#f-response_hours", "0").await;
    b.click("#add-service").await;
    b.wait_el("#form-error").await;
    assert!(b.text("#form-error").await.contains("响应时限"), "{}", b.text("#form-error").await);
    b.type_into("#f-response_hours", "24").await;
    b.click("#add-service").await;
    b.wait_text("#catalogue", "融资对接").await;
    // One function of three: the park is short of the target.
    b.wait_text(&format!("#functions tr[data-park=\"{py08}\"]"), "未达标").await;
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    b.login(&app, "enterprise", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-name").await;
    b.goto(&app.url("/services")).await;
    b.wait_el("#catalogue .request-form").await;
    b.type_into("#catalogue .f-detail", "流动资金贷款 300 万元").await;
    b.click("#catalogue .request").await;
    b.wait_url("/service-requests/").await;
    b.wait_text("#request-state", "待受理").await;
    let id: i64 = b.url().await.rsplit('/').next().unwrap().split('?').next().unwrap().parse().unwrap();
    // The enterprise attaches its documents from the page: a page disguised as a picture is
    // refused with the reason and nothing stored; a real PNG is stored and confirmed.
    let dir = TempDir::new("wy-attach");
    let (fake, png) = (dir.0.join("营业执照.png"), dir.0.join("财务报表.png"));
    std::fs::write(&fake, "<html><script>alert(1)</script></html>").unwrap();
    std::fs::write(&png, [&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[0u8; 64][..]].concat()).unwrap();
    b.type_into("#f-file", fake.to_str().unwrap()).await;
    b.click("#attach").await;
    b.wait_el("#form-error").await;
    assert!(b.text("#form-error").await.contains("文件"), "{}", b.text("#form-error").await);
    assert_eq!(b.count("#attachments a").await, 0);
    b.type_into("#f-file", png.to_str().unwrap()).await;
    b.click("#attach").await;
    b.wait_text("#attachments", "财务报表.png").await;
    assert!(b.page_text().await.contains("附件已上传"));
    assert_eq!(b.count("#attachments a").await, 1);
    drop(dir);
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    b.login(&app, "wanyang", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-name").await;
    b.goto(&app.url("/service-requests")).await;
    b.click(&format!("#requests tr[data-request=\"{id}\"] a")).await;
    b.wait_el("#step-form").await;
    b.select("#f-step", "accept").await;
    b.click("#take-step").await;
    b.wait_text("#request-state", "办理中").await;
    b.select("#f-step", "complete").await;
    b.type_into("#f-note", "贷款已发放").await;
    b.click("#take-step").await;
    b.wait_text("#request-state", "待确认").await;
    b.click("#logout").await;
    b.wait_el("#login-submit").await;

    b.login(&app, "enterprise", PASSWORD).await;
    b.wait_el("#todos").await;
    b.goto(&app.url(&format!("/parks/{}", app.park_id("PY08").await))).await;
    b.wait_el("#park-name").await;
    b.goto(&app.url(&format!("/service-requests/{id}"))).await;
    b.wait_el("#f-rating").await;
    b.select("#f-rating", "5").await;
    b.click("#take-step").await;
    b.wait_text("#request-state", "已完成").await;
    assert!(b.text("#rating").await.contains('5'));
    assert_eq!(b.count("#steps tbody tr").await, 4);
    b.screenshot("service-request").await;
    b.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_reads_a_parks_operating_rate_and_explains_a_stop() {
    use weiyuan_domain::operation::{day_start, parse_day};
    let Some(app) = App::spawn(Backend::Sqlite).await else { return };
    let Some(b) = Browser::start().await else { return app.stop().await };
    let county = app.token("county").await;
    let (park, _, ents) = app.park_with(&county, &[], &["C3311", "C3311", "C3311"]).await;
    // Three metered enterprises: one as usual, one at a fifth of its use, one stopped for the
    // last week; four weeks of history before it.
    let sys = weiyuan_store::AuditCtx::system("test");
    let (from, to) = (parse_day("2026-10-12").unwrap(), parse_day("2026-11-15").unwrap());
    let stop_from = parse_day("2026-11-09").unwrap();
    let mut readings = Vec::new();
    for (i, e) in ents.iter().enumerate() {
        let draft = weiyuan_domain::telemetry::DeviceDraft {
            kind: "electricity_meter".into(),
            serial: format!("BR-OP-{park}-{i}"),
            name: "总表".into(),
            enterprise_id: Some(*e),
            active: true,
            ..Default::default()
        };
        let d = app.store.create_device(&weiyuan::demo::county_desk(park).unwrap(), &sys, &draft, "x").await.unwrap();
        let mut register = 1000.0;
        for day in from - 1..=to {
            let usual = if weiyuan_domain::operation::weekday(day) < 5 { 800.0 } else { 80.0 };
            register += match (i, day >= stop_from) {
                (1, true) => usual * 0.2,
                (2, true) => 0.0,
                _ => usual,
            };
            readings.push(weiyuan_store::telemetry::Reading {
                device_id: d.id,
                park_id: park,
                metric: "energy_kwh".into(),
                ts: day_start(day) + 12 * 3_600_000,
                value: register,
            });
        }
    }
    app.store.ingest(&readings).await.unwrap();
    weiyuan_server::operation::check_due(&app.store, day_start(to + 1) + 3 * 3_600_000).await.unwrap();

    b.login(&app, "xiaojiang", PASSWORD).await;
    b.wait_el("#nav-operation").await;
    b.click("#nav-operation").await;
    b.wait_el("#park-rates").await;
    b.wait_el(".trend-chart svg").await;
    b.click(&format!("#park-rates tr[data-park='{park}'] a")).await;
    b.wait_url(&format!("/operation/parks/{park}")).await;
    b.wait_el("#enterprises").await;
    b.wait_el(".trend-chart svg").await;
    // Sunday 15 Nov: one running, one reduced, one stopped: two of three at work.
    b.wait_text("#rate", "66.67%").await;
    assert_eq!(b.count("#enterprises tbody tr[data-status='stopped']").await, 1);
    b.screenshot("operation-park").await;
    // The stopped count leads to the stopped enterprise, and on to its days explained.
    b.click("#rate-cards [data-status='stopped'] a").await;
    b.wait_url("status=stopped").await;
    b.wait_el("#enterprises tbody tr[data-status='stopped']").await;
    assert_eq!(b.count("#enterprises tbody tr").await, 1);
    b.click("#enterprises tbody tr a").await;
    b.wait_el("#decision").await;
    b.wait_text("#status", "停产").await;
    assert!(b.text("#days").await.contains("2026-11-15"));
    b.screenshot("operation-enterprise").await;
    // The stop notice (five stopped working days) is explained by the township.
    b.goto(&app.url("/operation/stops")).await;
    b.wait_el("#stops .explain-form").await;
    b.select("#stops .explain-form select", "renovation").await;
    b.type_into("#stops .explain-form input[name='comment']", "车间改造").await;
    b.click("#stops .explain-form button").await;
    b.wait_url("show=all").await;
    b.wait_text("#stops .explanation", "车间改造").await;
    b.quit().await;
    app.stop().await;
}
