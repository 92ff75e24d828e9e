//! The world an import fuzz target runs in: one SQLite database per process, in the temporary
//! directory (`TMPDIR`; scripts/fuzz gives each run its own and removes it), holding the demo's
//! parks, plans and enterprises, so that rows can name real parks and pass to the deeper checks.

use std::sync::OnceLock;
use weiyuan_server::error::AppError;
use weiyuan_server::exchange::{FileFormat, ImportError, ImportLimits, Kind, Upload, import as run_import};
use weiyuan_store::{AuditCtx, Store};

struct World {
    runtime: tokio::runtime::Runtime,
    store: Store,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let path = std::env::temp_dir().join(format!("wy-fuzz-{}.db", std::process::id()));
        let url = format!("sqlite://{}", path.display());
        let store = runtime.block_on(async {
            let store = Store::connect(&url).await.expect("a SQLite store in TMPDIR");
            weiyuan::demo::load_base(&store).await.expect("the demo's parks and enterprises");
            store
        });
        World { runtime, store }
    })
}

/// Import `bytes` as a file of `kind` in `format`, as the county. Refusals are the importer's
/// answer; a panic, an abort, an allocation past the limit or an internal error (a 500) is a bug.
pub fn import(kind: &str, format: &str, bytes: &[u8]) {
    let w = world();
    let actor = weiyuan::demo::demo_county();
    let ctx = AuditCtx::from(&actor);
    let upload = Upload { kind: Kind::parse(kind).unwrap(), format: FileFormat::parse(format).unwrap(), bytes };
    let limits = ImportLimits::default();
    let outcome = w.runtime.block_on(run_import(&w.store, &actor, &ctx, upload, &limits, &|_, _, _| {}));
    if let Err(ImportError::App(e @ AppError::Internal(_))) = outcome {
        panic!("an internal error (a 500) on an uploaded file: {e:?}");
    }
}
