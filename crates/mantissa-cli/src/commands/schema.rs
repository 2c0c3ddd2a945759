//! `mantissa schema`: writes the JSON Schemas (draft-07) of the environment file, `stack.yaml`
//! and module files, with each resource type's properties schema from the provider. The
//! repository commits them under schemas/; `mantissa schema --out schemas/` regenerates them.

use super::ExitCode;
use crate::cli::SchemaArgs;
use crate::cloud::Cloud;
use crate::printer::Printer;
use anyhow::{Context as _, Result};
use mantissa_config::schema::{environment_schema, module_schema, stack_schema};
use serde_json::Value;

/// The schema files by name, as written.
pub fn schemas(cloud: &dyn Cloud) -> Vec<(&'static str, String)> {
    let types = cloud.json_schemas();
    let module = module_schema(types.iter().map(|(name, schema)| (*name, schema)));
    [
        ("environment.schema.json", environment_schema()),
        ("stack.schema.json", stack_schema()),
        ("module.schema.json", module),
    ]
    .into_iter()
    .map(|(file, schema)| (file, pretty(&schema)))
    .collect()
}

fn pretty(v: &Value) -> String {
    let mut text = serde_json::to_string_pretty(v).expect("a JSON value serialises");
    text.push('\n');
    text
}

pub fn run(args: &SchemaArgs, printer: Printer, cloud: &dyn Cloud) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    for (file, text) in schemas(cloud) {
        let path = args.out.join(file);
        let unchanged = std::fs::read_to_string(&path).is_ok_and(|old| old == text);
        if unchanged {
            printer.info(format!("{} is up to date", path.display()));
            continue;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        printer.out(format!("wrote {}", path.display()));
    }
    Ok(0)
}
