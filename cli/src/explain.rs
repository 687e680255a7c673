//! `siftql index` and `siftql explain`: the indexes siftql's SQL is written
//! for, and the database's plan for a filter.

use std::io::{self, Write};

use siftql::sql::index::create_indexes_with_json;
use siftql::sql::{build, compile_with};

use crate::db::{bindings, clusters, open, open_existing};
use crate::Failure;

#[derive(clap::Args)]
pub struct IndexArgs {
    /// The database: `sqlite:PATH` (default `sqlite:siftql.db`), `postgres://…` or `mysql://…`.
    #[arg(long, default_value = "sqlite:siftql.db")]
    db: String,
    /// The table (the default cluster schema under another name).
    #[arg(long, default_value = "clusters")]
    table: String,
    /// Also index this JSON column (repeatable): on PostgreSQL a GIN
    /// index that serves case-sensitive equality, `in` and containment
    /// inside it.
    #[arg(long = "json", value_name = "FIELD")]
    json: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// The database: `sqlite:PATH` (default `sqlite:siftql.db`), `postgres://…` or `mysql://…`.
    #[arg(long, default_value = "sqlite:siftql.db")]
    db: String,
    /// The table (the default cluster schema under another name).
    #[arg(long, default_value = "clusters")]
    table: String,
    /// A value for a dynamic operand: `--bind inputs.q='"text"'` (JSON).
    #[arg(long = "bind", value_name = "NAME=JSON")]
    binds: Vec<String>,
    /// The filter (DSL, or JSON when it starts with `{`), one argument: quote it.
    #[arg(required = true, value_name = "EXPR")]
    expr: Vec<String>,
}

fn failure(e: siftql::Error) -> Failure {
    Failure::Other(e.message().to_owned())
}

/// Creates the table if it is missing and the indexes for its schema.
pub fn index(args: IndexArgs) -> Result<(), Failure> {
    let mut db = open(&args.db)?;
    let schema = clusters(args.table);
    siftql::sql::index::json_indexes(&schema, db.dialect(), &args.json)
        .map_err(crate::db::json_field)?;
    db.create_table(&schema).map_err(failure)?;
    let n = create_indexes_with_json(db.as_mut(), &schema, &args.json).map_err(failure)?;
    eprintln!("{n} index(es) on {} (created where missing)", schema.table);
    Ok(())
}

/// The filter's SQL, its values, then the database's plan for it.
pub fn explain(mut args: ExplainArgs) -> Result<(), Failure> {
    let expr = crate::one_filter(std::mem::take(&mut args.expr))?.unwrap_or_default();
    let schema = clusters(args.table);
    let f = siftql::Filter::parse_any(&expr, &siftql::Limits::default())
        .map_err(|e| Failure::Bad(e, expr.clone()))?;
    let mut db = open_existing(&args.db, &schema.table)?;
    let compiled = compile_with(&f, &schema, db.dialect(), &bindings(&args.binds)?)
        .map_err(|e| Failure::Bad(e, expr.clone()))?;
    let select = compiled.select();
    let (sql, values) = build(&select, db.dialect());
    let plan = db.explain(&select).map_err(failure)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{sql}")?;
    writeln!(out, "{}", crate::db::values_json(&values))?;
    for line in plan {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
