//! `mantissa policy`: the least-privilege IAM policy of the identity that runs plan, apply and
//! destroy for an environment (or, with `--read-only`, plan and drift), generated from the
//! resource types its stack uses and the operations their code calls, scoped to the
//! environment's names. Built from the configuration alone: no AWS call, no credentials.

use super::ExitCode;
use crate::cli::PolicyArgs;
use crate::cloud::{Cloud, PolicyRequest};
use crate::printer::Printer;
use crate::session::Session;
use anyhow::Result;
use mantissa_engine::operation::names::physical_names;

/// IAM's limit on a customer managed policy, in characters not counting white space.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

pub fn run(args: &PolicyArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    let session = Session::load(&args.env.env, cloud)?;
    let provider = session.offline_provider();
    session.check(provider.as_ref())?;
    let resources = physical_names(&session.project, provider.as_ref())?;
    let env = &session.project.env;
    let doc = cloud.deployer_policy(&PolicyRequest { env, resources: &resources, read_only: args.read_only });
    if env.account_id.is_none() {
        printer.warn(format!(
            "{} pins no account_id: the policy's ARNs match any account (`*`). Pin it to scope them to one.",
            env.path.display()
        ));
    }
    let size = serde_json::to_string(&doc)?.chars().filter(|c| !c.is_whitespace()).count();
    if size > MANAGED_POLICY_LIMIT {
        printer.warn(format!(
            "the policy is {size} characters, over IAM's {MANAGED_POLICY_LIMIT} for a managed policy: attach it to a role \
             as an inline policy (10,240 for all of a role's inline policies) or split its statements over two managed policies"
        ));
    }
    printer.out(serde_json::to_string_pretty(&doc)?);
    Ok(0)
}
