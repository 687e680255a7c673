//! Warnings: the filter type-checked against the schema
//! (`Schema::check`), printed on stderr before a command runs.

use siftql::sql::Schema;
use siftql::Filter;

use crate::Failure;

/// `--deny-warnings`, shared by the commands that take a filter.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct WarnArgs {
    /// Treat warnings as errors: print them, then exit with status 2
    /// before anything runs.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Prints the warnings `filter` (parsed from `text`) draws against
/// `schema` on stderr. A closed schema's unknown field is an error (exit
/// 2); with `--deny-warnings` so is any warning.
pub fn report(schema: &Schema, filter: &Filter, text: &str, args: WarnArgs) -> Result<(), Failure> {
    let warnings = schema
        .check(filter)
        .map_err(|e| Failure::Bad(e, text.to_owned()))?;
    let json = text.trim_start().starts_with('{');
    let n = warnings.len();
    for w in warnings {
        let w = if json { w.locate_json(text) } else { w };
        eprintln!("{}", w.render(text));
    }
    if args.deny_warnings && n > 0 {
        return Err(Failure::BadInput(format!(
            "{n} warning(s) denied by --deny-warnings"
        )));
    }
    Ok(())
}

/// The schema of `--schema FILE` (JSON, or TOML when the name ends in
/// `.toml`), or the cluster-record schema.
pub fn schema(path: Option<&str>) -> Result<Schema, Failure> {
    let Some(path) = path else {
        return Ok(Schema::clusters());
    };
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Other(format!("{path}: {e}")))?;
    let parsed = if path.ends_with(".toml") {
        Schema::from_toml_str(&text)
    } else {
        Schema::from_json_str(&text)
    };
    parsed.map_err(|e| Failure::Bad(e, text))
}
