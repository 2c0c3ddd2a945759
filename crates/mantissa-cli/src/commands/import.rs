//! `mantissa import`: read an existing resource into state at an address the stack declares. The
//! operation is the engine's ([`mantissa_engine::operation::import`]); this command takes the lock
//! around it and says what was done.

use super::ExitCode;
use crate::cli::ImportArgs;
use crate::cloud::Cloud;
use crate::interrupt::{Interrupts, SAVING};
use crate::printer::Printer;
use crate::session::Session;
use anyhow::Result;
use mantissa_engine::operation::import::{ImportRequest, declared, import};
use mantissa_engine::{Context, DesiredResource, LINEAGE_TAG, LockInfo, Provider, ResourceGraph, StateBackend};

pub async fn run(args: &ImportArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let provider = session.provider().await;
    let graph = session.check(provider.as_ref())?;
    // Checked before the lock: a typo should not cost a lock round trip.
    let declared = declared(&graph, &args.address)?;
    let backend = session.backend().await?;
    let lock = LockInfo::new("import", &backend.describe());
    let interrupts = Interrupts::install(printer)?;
    let op = locked(&session, &graph, provider.as_ref(), declared, backend.as_ref(), args, &interrupts);
    interrupts.run_locked(backend.as_ref(), &lock, args.lock_timeout, &args.env.env, op).await
}

async fn locked(
    session: &Session<'_>,
    graph: &ResourceGraph,
    provider: &dyn Provider,
    resource: &DesiredResource,
    backend: &dyn StateBackend,
    args: &ImportArgs,
    interrupts: &Interrupts,
) -> Result<ExitCode> {
    let printer = interrupts.printer();
    let (state, fresh) = session.state(backend).await?;
    let cx = Context::new(&session.project, graph, provider, &state.lineage);
    let warn = |message: String| printer.warn(message);
    let shield = || interrupts.shield(SAVING);
    let request = ImportRequest {
        resource,
        id: &args.id,
        backend,
        state,
        env_arg: &args.env.env,
        warn: &warn,
        before_save: &shield,
    };
    let imported = import(&cx, request).await?;

    if fresh {
        printer.info(format!(
            "Started a new state for environment {} in {} (lineage {}).",
            session.env_name(),
            backend.describe(),
            imported.lineage
        ));
    }
    printer.out(format!(
        "Imported {} ({} {}); run `mantissa plan -e {}` to see what differs from the \
         configuration.",
        imported.address, imported.type_name, imported.id, args.env.env
    ));
    if imported.needs_tags {
        printer.info(format!(
            "It keeps its current tags until the next apply tags it with this state's lineage \
             ({LINEAGE_TAG}) and address: until then, plan shows {} as an update.",
            imported.address
        ));
    }
    Ok(0)
}
