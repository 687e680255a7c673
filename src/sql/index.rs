//! The indexes siftql's SQL is written for, per dialect.
//!
//! The compiler writes each comparison over a key a database can index
//! (text by code point, lowercased when case-insensitive; a prefix as a
//! range of that key; `in` as one `IN`), and [`indexes`] lists the indexes
//! on those keys for a schema: what `siftql load`, `siftql index` and
//! [`create_indexes`] create. docs/sql.md lists, per dialect,
//! which filter shapes they serve; `siftql explain` shows the plan.

use super::driver::Driver;
use super::{Column, ColumnType, Dialect, Schema};
use crate::error::{Error, ErrorCode};

/// One index on one column: a name suffix, and the expression indexed
/// (SQL over the quoted column name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    /// Distinguishes the column's indexes in their names (`lower`, `text`).
    pub suffix: &'static str,
    /// The index key: `(LOWER("name") COLLATE "C")`, `"n"`, ….
    pub key: String,
    /// The index method, when not the default B-tree (`gin`).
    pub method: Option<&'static str>,
    /// An index of a JSON column: created only for the columns a caller
    /// names ([`json_indexes`]).
    pub json: bool,
}

/// The most bytes an index name may have on every dialect (PostgreSQL: 63).
const MAX_NAME: usize = 63;

fn index_name(table: &str, column: &Column, suffix: &str) -> String {
    let name = format!("siftql_{table}_{}_{suffix}", column.column);
    if name.len() <= MAX_NAME {
        return name;
    }
    // A long name: a prefix and a hash of the whole, so names stay distinct.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut cut = MAX_NAME - 17;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:016x}", &name[..cut])
}

/// The statements that create every index the dialect's SQL uses on the
/// schema's columns, in column order, where missing
/// ([`SqlDialect::index_statements`](super::SqlDialect::index_statements):
/// `CREATE INDEX IF NOT EXISTS …` each, or on MySQL one `ALTER TABLE`).
pub fn indexes(schema: &Schema, dialect: Dialect) -> Vec<String> {
    dialect.index_statements(&schema.table, &specs(schema, dialect, &[]))
}

/// The statements that create the indexes of the JSON columns of `fields`
/// (PostgreSQL: GIN `jsonb_path_ops` and `jsonb_typeof`, which serve
/// case-sensitive equality, `in` and containment inside them; none on
/// SQLite and MySQL). Not in [`indexes`]: a GIN index per JSON column
/// costs more to build and to keep than most tables repay (the cluster
/// schema has 18 JSON columns), so a caller names the ones it filters on.
/// A field that is not a JSON column of the schema is
/// [`ErrorCode::UnknownField`].
pub fn json_indexes(
    schema: &Schema,
    dialect: Dialect,
    fields: &[String],
) -> Result<Vec<String>, Error> {
    check_json_fields(schema, fields)?;
    let named: Vec<(String, IndexSpec)> = specs(schema, dialect, fields)
        .into_iter()
        .filter(|(_, spec)| spec.json)
        .collect();
    Ok(dialect.index_statements(&schema.table, &named))
}

fn check_json_fields(schema: &Schema, fields: &[String]) -> Result<(), Error> {
    for f in fields {
        if !schema
            .columns
            .iter()
            .any(|c| c.field == *f && c.ty == ColumnType::Json)
        {
            let json: Vec<&str> = schema
                .columns
                .iter()
                .filter(|c| c.ty == ColumnType::Json)
                .map(|c| c.field.as_str())
                .collect();
            return Err(Error::new(
                ErrorCode::UnknownField,
                format!("`{f}` is not a JSON column of table `{}`", schema.table),
            )
            .with_help(format!("JSON columns: {}", json.join(", "))));
        }
    }
    Ok(())
}

/// The indexes of the schema's typed columns, and of the JSON columns
/// among `json`, named.
fn specs(schema: &Schema, dialect: Dialect, json: &[String]) -> Vec<(String, IndexSpec)> {
    schema
        .columns
        .iter()
        .filter(|c| c.ty != ColumnType::Json || json.contains(&c.field))
        .flat_map(|c| {
            dialect
                .column_indexes(c.ty, &c.column)
                .into_iter()
                .map(move |spec| (c, spec))
        })
        .map(|(c, spec)| (index_name(&schema.table, c, spec.suffix), spec))
        .collect()
}

/// Creates [`indexes`] through a driver (each only if missing); returns how
/// many indexes the schema has.
pub fn create_indexes(driver: &mut dyn Driver, schema: &Schema) -> Result<usize, Error> {
    create_indexes_with_json(driver, schema, &[])
}

/// [`create_indexes`], and the indexes of the JSON columns of `json`
/// ([`json_indexes`]); returns how many indexes that is.
pub fn create_indexes_with_json(
    driver: &mut dyn Driver,
    schema: &Schema,
    json: &[String],
) -> Result<usize, Error> {
    check_json_fields(schema, json)?;
    let d = driver.dialect();
    let specs = specs(schema, d, json);
    for sql in d.index_statements(&schema.table, &specs) {
        driver.execute(&sql)?;
    }
    Ok(specs.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_stay_distinct() {
        let long = "t".repeat(80);
        let column = |name: &str| Column {
            field: name.to_owned(),
            column: name.to_owned(),
            ty: ColumnType::Text,
        };
        let a = index_name(&long, &column("a"), "lower");
        let b = index_name(&long, &column("b"), "lower");
        assert!(a.len() <= MAX_NAME && b.len() <= MAX_NAME);
        assert_ne!(a, b);
        assert_eq!(
            index_name("clusters", &column("status"), "lower"),
            "siftql_clusters_status_lower"
        );
    }
}
