//! `weiyuan`: the platform's one binary.
//!
//! ```text
//! weiyuan demo  [--bind ADDR:PORT] [--database-url URL]   load the demo data, then serve
//! weiyuan serve [--bind ADDR:PORT] [--database-url URL]   serve without demo data
//! weiyuan user add --username NAME --role ROLE [--scope S] --password-stdin
//! weiyuan user passwd --username NAME --password-stdin
//! weiyuan migrate [--database-url URL]
//! ```

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use weiyuan::{config, demo};
use weiyuan_domain::access::Lang;
use weiyuan_domain::lottery;
use weiyuan_server::error::AppError;
use weiyuan_server::exchange::{self, FileFormat, Kind};
use weiyuan_server::i18n;
use weiyuan_store::{AuditCtx, Store};

#[derive(Parser)]
#[command(name = "weiyuan", version, about = "微园 Weiyuan — small and micro enterprise park platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// sqlite://PATH (default sqlite://data/weiyuan.db) or postgres://USER@HOST/DB
    #[arg(long, env = "WEIYUAN_DATABASE_URL")]
    database_url: Option<String>,
    /// Config file with `bind = "..."` and `database_url = "..."` lines
    #[arg(long, env = "WEIYUAN_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: Db,
    /// Address and port to listen on (default 127.0.0.1:8080)
    #[arg(long, env = "WEIYUAN_BIND")]
    bind: Option<String>,
    /// Map tile URL template ({z}/{x}/{y}), e.g. Tianditu with its key; none draws parks without tiles
    #[arg(long, env = "WEIYUAN_TILE_URL")]
    tile_url: Option<String>,
    /// Subscribe to telemetry on this MQTT broker, e.g. mqtt://127.0.0.1:1883
    #[arg(long, env = "WEIYUAN_MQTT_URL")]
    mqtt_url: Option<String>,
    /// The topic filter devices publish under
    #[arg(long, env = "WEIYUAN_MQTT_TOPIC", default_value = "weiyuan/telemetry/#")]
    mqtt_topic: String,
    /// Share the subscription with the other servers of this group ($share/GROUP/...)
    #[arg(long, env = "WEIYUAN_MQTT_SHARED_GROUP")]
    mqtt_shared_group: Option<String>,
    /// This server's MQTT client id: the broker keeps its session (and the messages queued while
    /// it is down) under this id, so set it once per server and keep it (default weiyuan-HOSTNAME,
    /// with a warning)
    #[arg(long, env = "WEIYUAN_MQTT_CLIENT_ID")]
    mqtt_client_id: Option<String>,
    /// The bearer token a scraper must send for /metrics (config `metrics_token`); without one,
    /// /metrics answers only on this machine (loopback)
    #[arg(long, env = "WEIYUAN_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform
    Serve(ServeArgs),
    /// Load the demo data set (idempotent), print the logins, then serve
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Load the demo data and exit without serving
        #[arg(long)]
        no_serve: bool,
        /// Also load a larger data set: `province` (1,200 parks, 100,800 enterprises, 36 months of reports)
        #[arg(long)]
        scale: Option<String>,
    },
    /// Benchmark helpers (see docs/benchmarks.md)
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Play a realistic day of devices for the demo parks against a running server (HTTP or MQTT)
    Simulate {
        /// The server to send to over HTTP (default http://127.0.0.1:8080)
        #[arg(long)]
        url: Option<String>,
        /// Publish over MQTT to this broker instead (the server subscribes with --mqtt-url)
        #[arg(long)]
        mqtt_url: Option<String>,
        /// How many demo parks (by code) get simulated devices
        #[arg(long, default_value_t = 3)]
        parks: usize,
        /// The day to play (YYYY-MM-DD, Asia/Shanghai; default today, from midnight to now)
        #[arg(long)]
        day: Option<String>,
        /// After catching up, go on in real time
        #[arg(long)]
        live: bool,
        /// Minutes between readings
        #[arg(long, default_value_t = 5)]
        step_minutes: i64,
        #[command(flatten)]
        db: Db,
    },
    /// Run the database migrations and exit
    Migrate(Db),
    /// Write a consistent backup of the database while the server runs (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump of one snapshot), with a digest of every table beside it
    Backup {
        /// The backup file to write (must not exist); its digest goes to FILE.digest.json
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Restore a backup into the database (SQLite: replaces the file, with --force when it
    /// exists; PostgreSQL: into an existing, empty database), then prove it identical to the
    /// backup's digest. Stop the servers first.
    Restore {
        /// The backup file written by `weiyuan backup`
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing SQLite database file
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Export parks, plans, progress, enterprises or monthly enterprise reports as xlsx or csv
    Export {
        /// parks | plans | progress | enterprises | reports
        kind: String,
        /// xlsx (default) or csv
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// The file to write
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Import parks, plans, progress, enterprises or monthly enterprise reports from an xlsx or csv file (all or nothing)
    Import {
        /// parks | plans | progress | enterprises | reports
        kind: String,
        /// The .xlsx or .csv file
        file: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Draw or verify a public lottery (摇号): order = f(seed, applicant list), see docs
    Lottery {
        #[command(subcommand)]
        command: LotteryCommand,
    },
    /// Manage users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Time one province-wide aggregation of the reports by park and month (36 months)
    Aggregate {
        #[command(flatten)]
        db: Db,
    },
    /// Ingest rate: http://… or mqtt://… (a running server on the same database), raw (the store
    /// alone), or influx://host:8086 (InfluxDB 1.x, the same readings)
    Ingest {
        #[arg(long)]
        to: String,
        #[arg(long, default_value_t = 1000)]
        devices: usize,
        #[arg(long, default_value_t = 200_000)]
        readings: usize,
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[command(flatten)]
        db: Db,
    },
    /// A full per-mu evaluation of every enterprise for twelve months, timed (reading, evaluating,
    /// and with --save the county's whole use case); --export writes the yearly figures as CSV
    Evaluate {
        /// The first of the twelve months (YYYY-MM)
        #[arg(long)]
        first_month: String,
        #[arg(long)]
        export: Option<PathBuf>,
        /// Also compute and save a draft run through the county's use case
        #[arg(long)]
        save: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Operation monitoring at province scale (PostgreSQL): meters and day rollups for every
    /// enterprise, the last day checked and timed, the park page and county overview over HTTP
    Operation {
        #[command(flatten)]
        db: Db,
    },
    /// Every policy (the published ones, or the seed's library) matched against every
    /// enterprise, timed; --export writes the facts matched on as CSV
    Policies {
        #[arg(long)]
        export: Option<PathBuf>,
        #[command(flatten)]
        db: Db,
    },
    /// Write a report workbook with one row per enterprise for a month none has filed
    Workbook {
        /// The month (YYYY-MM)
        #[arg(long)]
        month: String,
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum LotteryCommand {
    /// Print the commitment (before the draw) and the order (after the seed is revealed)
    Draw {
        #[arg(long)]
        seed: String,
        /// A file with one applicant id (credit code) per line
        #[arg(long)]
        applicants: PathBuf,
    },
    /// Recompute a published draw: exits non-zero when the seed or the order does not match
    Verify {
        #[arg(long)]
        seed: String,
        #[arg(long)]
        commitment: String,
        #[arg(long)]
        applicants: PathBuf,
        /// The published order, one id per line, winners first
        #[arg(long)]
        order: PathBuf,
    },
}

fn read_lines(path: &PathBuf) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user
    Add {
        #[arg(long)]
        username: String,
        /// county | township | operator | enterprise
        #[arg(long)]
        role: String,
        /// Township (code or name), park (id, code or name) or enterprise (id or name), by role
        #[arg(long, default_value = "")]
        scope: String,
        /// Name shown in the interface (default: the username)
        #[arg(long)]
        display_name: Option<String>,
        /// zh-CN (default) or en
        #[arg(long, default_value = "zh-CN")]
        lang: String,
        /// Read the password from standard input (first line)
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Set a new password for a user and end its sessions
    Passwd {
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: Db,
    },
}

struct Resolved {
    database_url: String,
    bind: String,
    secure_cookies: bool,
    tile_url: Option<String>,
    mqtt: Option<weiyuan_server::telemetry::mqtt::MqttConfig>,
    import_limits: weiyuan_server::exchange::ImportLimits,
    webhook_allow_hosts: Vec<String>,
    mqtt_client_id: Option<String>,
    metrics_token: Option<String>,
}

fn resolve(db: &Db, bind: Option<&String>) -> anyhow::Result<Resolved> {
    let file = config::load(db.config.as_deref())?;
    let database_url =
        db.database_url.clone().or(file.database_url).unwrap_or_else(|| config::DEFAULT_DATABASE_URL.into());
    let bind = bind.cloned().or(file.bind).unwrap_or_else(|| config::DEFAULT_BIND.into());
    Ok(Resolved {
        database_url,
        bind,
        secure_cookies: file.secure_cookies.unwrap_or(false),
        tile_url: file.tile_url,
        mqtt: None,
        import_limits: file.import_limits,
        webhook_allow_hosts: file.webhook_allow_hosts,
        mqtt_client_id: file.mqtt_client_id,
        metrics_token: file.metrics_token,
    })
}

fn resolve_serve(a: &ServeArgs) -> anyhow::Result<Resolved> {
    let mut r = resolve(&a.db, a.bind.as_ref())?;
    if a.tile_url.is_some() {
        r.tile_url = a.tile_url.clone();
    }
    if let Some(t) = a.metrics_token.clone().filter(|t| !t.trim().is_empty()) {
        r.metrics_token = Some(t);
    }
    if let Some(url) = a.mqtt_url.clone().filter(|u| !u.is_empty()) {
        let client_id = match a.mqtt_client_id.clone().filter(|c| !c.trim().is_empty()).or(r.mqtt_client_id.clone()) {
            Some(id) => id,
            None => {
                // Derived from the host only (not the port), so a server restarted on another
                // port still finds its session; two servers on one host must be given ids.
                let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default().trim().to_string();
                let id = format!("weiyuan-{}", if host.is_empty() { "server" } else { host.as_str() });
                tracing::warn!(
                    client_id = %id,
                    "MQTT client id derived from the host name: set --mqtt-client-id (or mqtt_client_id in \
                     the config) to a fixed, unique id per server, so the broker keeps this server's \
                     session and queued messages whatever changes about the host"
                );
                id
            }
        };
        r.mqtt = Some(weiyuan_server::telemetry::mqtt::MqttConfig {
            url,
            topic: a.mqtt_topic.clone(),
            shared_group: a.mqtt_shared_group.clone().filter(|g| !g.is_empty()),
            client_id,
        });
    }
    Ok(r)
}

async fn open(url: &str) -> anyhow::Result<Store> {
    config::prepare_sqlite_dir(url).with_context(|| url.to_string())?;
    Store::connect(url).await.with_context(|| redact(url).to_string())
}

/// The file of a SQLite URL.
fn sqlite_path(url: &str) -> Option<String> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(path.split('?').next().unwrap_or(path).to_string())
}

/// Hide a password in a database URL before printing it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The county's user administration, as the CLI holds it.
fn cli_admin() -> anyhow::Result<weiyuan_domain::access::UserAdmin> {
    cli_actor().user_admin().map_err(|d| anyhow!("the CLI's county user was refused: {d:?}"))
}

/// The CLI acts with the county's rights (it runs on the server, as its operator).
fn cli_actor() -> weiyuan_domain::Actor {
    weiyuan_domain::Actor {
        user_id: 0,
        username: "cli".into(),
        display_name: "cli".into(),
        role: weiyuan_domain::Role::County,
        township_code: None,
        park_id: None,
        enterprise_id: None,
        agency_id: None,
        lang: Lang::ZhCn,
    }
}

fn read_password() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s.lines().next().unwrap_or("").to_string())
}

/// Print a service error in the CLI's language (zh-CN unless WEIYUAN_LANG=en).
fn describe(e: &AppError) -> String {
    let lang = std::env::var("WEIYUAN_LANG").ok().and_then(|l| Lang::parse(&l)).unwrap_or_default();
    let mut out = e.message(lang);
    for f in e.fields(lang) {
        out.push_str(&format!("\n  {}（{}）：{}", i18n::field_label(lang, &f.field), f.field, f.message));
    }
    out
}

async fn serve(r: Resolved, store: Store) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(&r.bind).await.with_context(|| format!("cannot listen on {}", r.bind))?;
    let addr = listener.local_addr()?;
    println!(
        "微园 Weiyuan listening on http://{addr}  (database: {}, {})",
        store.backend().name(),
        redact(&r.database_url)
    );
    let mut state = weiyuan_server::AppState::new(store);
    state.secure_cookies = r.secure_cookies;
    state.import_limits = r.import_limits;
    state.destinations = weiyuan_server::alarms::destinations::Destinations::new(r.webhook_allow_hosts.clone());
    state.tile_url = r.tile_url.clone().filter(|u| !u.is_empty());
    state.metrics_token = r.metrics_token.clone().map(|t| std::sync::Arc::from(t.trim()));
    weiyuan_server::telemetry::spawn_retention(state.store.clone());
    weiyuan_server::alarms::spawn_jobs(state.store.clone(), state.destinations.clone());
    weiyuan_server::policies::spawn_notices(state.store.clone());
    weiyuan_server::services::spawn_escalation(state.store.clone());
    weiyuan_server::operation::spawn_checks(state.store.clone());
    if let Some(m) = &r.mqtt {
        println!("MQTT: subscribing to {} on {} as {}", m.filter(), m.url, m.client_id);
        weiyuan_server::telemetry::mqtt::spawn(state.clone(), m.clone()).map_err(anyhow::Error::msg)?;
    }
    Ok(weiyuan_server::serve(state, listener).await?)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(a) => {
            let r = resolve_serve(&a)?;
            let store = open(&r.database_url).await?;
            serve(r, store).await
        }
        Command::Demo { serve: a, no_serve, scale } => {
            let r = resolve_serve(&a)?;
            let store = open(&r.database_url).await?;
            let loaded = demo::load(&store).await?;
            match scale.as_deref() {
                None => {}
                Some("province") => {
                    let started = std::time::Instant::now();
                    let (p, e, n) =
                        weiyuan::scale::load(&store, weiyuan::scale::PROVINCE, &|line| eprintln!("{line}")).await?;
                    println!(
                        "Province scale: {p} parks, {e} enterprises, {n} reports in {:.1} s.",
                        started.elapsed().as_secs_f64()
                    );
                }
                Some(other) => bail!("unknown scale {other:?}: province"),
            }
            println!(
                "Demo data: {} parks, {} buildings, {} units, {} users, {} enterprises, {} progress reports created (existing records kept).",
                loaded.parks_created,
                loaded.buildings_created,
                loaded.units_created,
                loaded.users_created,
                loaded.enterprises_created,
                loaded.reports_created
            );
            println!("Demo logins (password {:?} unless changed since):", demo::DEMO_PASSWORD);
            for (user, name, role, _) in demo::DEMO_USERS {
                println!("  {user:<11} {role:<10} {name}");
            }
            if no_serve {
                return Ok(());
            }
            println!("Open http://{}/ in a browser.", r.bind);
            serve(r, store).await
        }
        Command::Bench { command: BenchCommand::Ingest { to, devices, readings, batch, concurrency, db } } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            let plan = weiyuan::ingest_bench::Plan { devices, readings, batch, concurrency };
            let devs = weiyuan::ingest_bench::devices(&store, devices).await?;
            let rate = if to == "raw" {
                weiyuan::ingest_bench::raw(&store, &plan, &devs).await?
            } else if to.starts_with("http") {
                weiyuan::ingest_bench::http(&to, &plan, &devs).await?
            } else if to.starts_with("mqtt") {
                weiyuan::ingest_bench::mqtt(&to, &store, &plan, &devs).await?
            } else if to.starts_with("influx") {
                weiyuan::ingest_bench::influx(&to, &plan, &devs).await?
            } else {
                bail!("--to {to:?}: http://…, mqtt://…, raw or influx://…");
            };
            println!(
                "{to} ({}): {} readings in {:.2} s = {:.0} readings/s (batches of {batch}, {concurrency} at a time, {devices} devices)",
                store.backend().name(),
                rate.readings,
                rate.seconds,
                rate.per_second()
            );
            Ok(())
        }
        Command::Simulate { url, mqtt_url, parks, day, live, step_minutes, db } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            let devices = weiyuan::simulate::ensure_devices(&store, parks).await?;
            let now = weiyuan_store::now_ms();
            let from = match &day {
                Some(d) => weiyuan_domain::time::parse_shanghai_date(d).context("write the day as YYYY-MM-DD")?,
                None => weiyuan_domain::telemetry::Bucket::Day.start(now),
            };
            let to = if live { None } else { Some((from + 86_400_000).min(now)) };
            let target = match mqtt_url {
                Some(url) => weiyuan::simulate::Target::Mqtt { url },
                None => weiyuan::simulate::Target::Http(url.unwrap_or_else(|| format!("http://{}", r.bind))),
            };
            println!("Simulating {} devices in {parks} parks.", devices.len());
            let sent = weiyuan::simulate::play(&devices, &target, from, to, step_minutes.max(1) * 60_000, &|l| {
                println!("{l}")
            })
            .await?;
            println!("Sent {sent} readings.");
            Ok(())
        }
        Command::Bench { command: BenchCommand::Aggregate { db } } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            let months = weiyuan::scale::report_months(36);
            let (from, to) = (months[0], months[months.len() - 1]);
            let filter = weiyuan_store::reports::ReportFilter::default();
            for run in 1..=3 {
                let started = std::time::Instant::now();
                let rows = store
                    .report_totals(
                        &weiyuan_domain::access::ParkScope::All,
                        &filter,
                        from,
                        to,
                        weiyuan_store::reports::GroupBy::ParkMonth,
                    )
                    .await?;
                let reports: i64 = rows.iter().map(|t| t.reports).sum();
                println!(
                    "run {run}: {} groups (park × month) over {reports} reports in {} ms",
                    rows.len(),
                    started.elapsed().as_millis()
                );
            }
            Ok(())
        }
        Command::Bench { command: BenchCommand::Evaluate { first_month, export, save, db } } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            let first = weiyuan_domain::progress::Month::parse(&first_month).context("write the month as YYYY-MM")?;
            weiyuan::evaluation_bench::run(&store, first, export.as_deref(), save).await
        }
        Command::Bench { command: BenchCommand::Operation { db } } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            weiyuan::operation_bench::run(&store).await
        }
        Command::Bench { command: BenchCommand::Policies { export, db } } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            weiyuan::policies_bench::run(&store, export.as_deref()).await
        }
        Command::Bench { command: BenchCommand::Workbook { month, output, db } } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            let month = weiyuan_domain::progress::Month::parse(&month).context("write the month as YYYY-MM")?;
            let parks = store.list_parks(&weiyuan_domain::access::ParkScope::All).await?;
            let mut rows = Vec::new();
            for p in &parks {
                for e in store.list_enterprises(p.id).await? {
                    let seed = format!("{}-{month}", e.credit_code);
                    let (_, f, _, _) = demo::generated_enterprise_reports(&seed, false, &[month], None).remove(0);
                    rows.push(exchange::report_row(&p.code, &e.credit_code, &e.name, month, &f, ""));
                }
            }
            let bytes = exchange::report_workbook(&rows).map_err(|e| anyhow!("{e:?}"))?;
            std::fs::write(&output, bytes).with_context(|| output.display().to_string())?;
            println!("{} rows for {month} written to {}", rows.len(), output.display());
            Ok(())
        }
        Command::Migrate(db) => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            println!("schema version {}", store.schema_version().await?);
            Ok(())
        }
        Command::Backup { to, db } => {
            let r = resolve(&db, None)?;
            if let Some(path) = sqlite_path(&r.database_url).filter(|p| !std::path::Path::new(p).exists()) {
                bail!("{path}: no such database (a typing mistake?); nothing backed up");
            }
            let store = open(&r.database_url).await?;
            let digest = store.backup(&r.database_url, &to).await.map_err(|e| match e {
                weiyuan_store::StoreError::Conflict(_) => {
                    anyhow!("{}: already exists; choose a new file", to.display())
                }
                other => anyhow!(other).context(to.display().to_string()),
            })?;
            let rows: i64 = digest.iter().map(|t| t.rows).sum();
            println!(
                "backup written: {} ({} tables, {rows} rows); digest {}",
                to.display(),
                digest.len(),
                weiyuan_store::backup::digest_path(&to).display()
            );
            Ok(())
        }
        Command::Restore { from, force, db } => {
            let r = resolve(&db, None)?;
            config::prepare_sqlite_dir(&r.database_url)?;
            let differ = weiyuan_store::backup::restore(&r.database_url, &from, force).await.map_err(|e| match e {
                weiyuan_store::StoreError::Conflict(_) => {
                    anyhow!(
                        "{}: the database exists; stop the servers and add --force to replace it",
                        redact(&r.database_url)
                    )
                }
                other => anyhow!(other).context(from.display().to_string()),
            })?;
            if !differ.is_empty() {
                bail!("restored, but these tables differ from the backup: {}", differ.join(", "));
            }
            println!(
                "restored {} into {}; every table matches the backup's digest",
                from.display(),
                redact(&r.database_url)
            );
            Ok(())
        }
        Command::Export { kind, format, output, db } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            let kind = Kind::parse(&kind)
                .with_context(|| format!("unknown kind {kind:?}: parks, plans, progress, enterprises or reports"))?;
            let format =
                FileFormat::parse(&format).with_context(|| format!("unknown format {format:?}: xlsx or csv"))?;
            let (bytes, _) =
                exchange::export(&store, &cli_actor(), kind, format).await.map_err(|e| anyhow!(describe(&e)))?;
            std::fs::write(&output, &bytes).with_context(|| output.display().to_string())?;
            println!("wrote {} ({} bytes)", output.display(), bytes.len());
            Ok(())
        }
        Command::Import { kind, file, db } => {
            let r = resolve(&db, None)?;
            let store = open(&r.database_url).await?;
            let kind = Kind::parse(&kind)
                .with_context(|| format!("unknown kind {kind:?}: parks, plans, progress, enterprises or reports"))?;
            let name = file.display().to_string();
            let format = FileFormat::of_path(&name).with_context(|| format!("{name}: only .xlsx and .csv files"))?;
            let bytes = std::fs::read(&file).with_context(|| name.clone())?;
            let lang = std::env::var("WEIYUAN_LANG").ok().and_then(|l| Lang::parse(&l)).unwrap_or_default();
            let bar = |stage: &str, done: usize, total: usize| {
                let label = if stage == "check" { "校验 checking" } else { "写入 writing" };
                eprint!("\r{label} {done}/{total}   ");
            };
            let upload = exchange::Upload { kind, format, bytes: &bytes };
            let ctx = AuditCtx::system("cli");
            let result = exchange::import(&store, &cli_actor(), &ctx, upload, &r.import_limits, &bar).await;
            eprintln!();
            match result {
                Ok(s) => {
                    println!("{name}: {} rows, {} written, {} unchanged", s.rows, s.written, s.unchanged);
                    Ok(())
                }
                Err(e) => {
                    let messages = e.messages(lang);
                    Err(anyhow!(
                        "{name}: nothing imported, {} problem(s):\n  {}",
                        messages.len(),
                        messages.join("\n  ")
                    ))
                }
            }
        }
        Command::Lottery { command } => match command {
            LotteryCommand::Draw { seed, applicants } => {
                let list = read_lines(&applicants)?;
                println!("commitment {}", lottery::commitment(&seed));
                println!("list_hash {}", lottery::list_hash(&list));
                for (i, id) in lottery::draw(&seed, &list).iter().enumerate() {
                    println!("{} {id}", i + 1);
                }
                Ok(())
            }
            LotteryCommand::Verify { seed, commitment, applicants, order } => {
                let order: Vec<String> = read_lines(&order)?
                    .into_iter()
                    .map(|l| l.split_whitespace().last().unwrap_or("").to_string())
                    .collect();
                match lottery::verify(&seed, &commitment, &read_lines(&applicants)?, &order) {
                    Ok(()) => {
                        println!("verified: the seed matches its commitment and the order recomputes");
                        Ok(())
                    }
                    Err(code) => Err(anyhow!(i18n::t(Lang::ZhCn, code).to_string())),
                }
            }
        },
        Command::User { command } => match command {
            UserCommand::Add { username, role, scope, display_name, lang, password_stdin: _, db } => {
                let r = resolve(&db, None)?;
                let store = open(&r.database_url).await?;
                let form = weiyuan_server::users::UserForm {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    role,
                    scope,
                    password: read_password()?,
                    lang,
                };
                let new = weiyuan_server::users::prepare(&store, &form).await.map_err(|e| anyhow!(describe(&e)))?;
                let user = store
                    .create_user(&cli_admin()?, &AuditCtx::system("cli"), &new)
                    .await
                    .map_err(|e| anyhow!(describe(&AppError::from(e))))?;
                println!("created user {} (id {}, role {})", user.username, user.id, user.role.code());
                Ok(())
            }
            UserCommand::Passwd { username, password_stdin: _, db } => {
                let r = resolve(&db, None)?;
                let store = open(&r.database_url).await?;
                let user = store.find_user(&username).await?.with_context(|| format!("no user {username:?}"))?;
                let password = read_password()?;
                weiyuan_server::users::check_password("password", &password, &[&user.username, &user.display_name])
                    .map_err(|e| anyhow!(describe(&AppError::Invalid(e))))?;
                let hash = weiyuan_server::auth::hash_password(&password);
                store.set_password(&cli_admin()?, &AuditCtx::system("cli"), user.id, &hash).await?;
                println!("password of {username} changed; its sessions were ended");
                Ok(())
            }
        },
    }
}

/// mimalloc instead of glibc's malloc: under 64 connections glibc kept 400 MB of freed memory in
/// its per-thread arenas (docs/benchmarks.md); mimalloc returns it to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Log lines carry the request's id (its span); WEIYUAN_LOG_FORMAT=json writes one JSON
    // object a line, for a log collector.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("WEIYUAN_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().with_current_span(true).init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The chain of contexts and causes, each said once (a database error repeats its
            // cause in its own message).
            let mut message = e.to_string();
            for cause in e.chain().skip(1).map(|c| c.to_string()) {
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_not_printed() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://data/w.db"), "sqlite://data/w.db");
    }
}
