//! One evaluation of the filter per request: the statistics of the whole
//! filtered set and one page of it, read together, as
//! [`Config::one_pass`](crate::Config::one_pass) or the dialect's
//! [`OnePass`] says.
//!
//! - [`OnePass::Rows`] (every dialect's choice): the key, status, document
//!   count and sort columns of every filtered row are read once
//!   ([`Driver::scan`], nothing copied but the rows that may make the
//!   page); the statistics are counted here and the page chosen with
//!   [`Sort::compare`]; then the page's documents are read by key, in the
//!   same snapshot ([`Driver::begin_snapshot`]).
//! - [`OnePass::Materialized`]: one statement. A materialized CTE holds
//!   those columns; it is grouped by status for the statistics and, in a
//!   `UNION ALL`, ordered and limited for the page, whose documents are
//!   joined in by key. No rows but the page travel, but on PostgreSQL the
//!   CTE's scan is not parallel, which made it 1.5–2.3× slower than
//!   `Rows` on the benchmark's requests; MariaDB has no `AS MATERIALIZED`.
//!
//! With a residual (a filter compiled by `compile_rechecked` with a
//! condition the database cannot say), only `Rows` runs: each candidate's
//! document is read with its columns and rechecked, and only the rows that
//! pass are counted and may make the page.
//!
//! Either way statuses are counted by exact text (MariaDB's `GROUP BY`
//! would merge `completed` and `COMPLETED` under its collation, and
//! `completé` with them), then merged here by [`by_status`] as filters
//! compare them, the same on every database.

use std::collections::{BTreeMap, HashMap};

use sea_query::{
    Alias, CommonTableExpression, Condition, Expr, ExprTrait, Func, JoinType, Query,
    SelectStatement, UnionType, WithClause,
};
use siftql::eval::Predicate;
use siftql::sql::driver::{passes, Driver};
use siftql::sql::load::{Cell, CellRef};
use siftql::sql::{Dialect, OnePass, Schema, Sort};
use siftql::Error;

/// What a request reads of its filtered set.
pub(crate) struct Filtered {
    /// How many rows match.
    pub(crate) total: u64,
    /// The sum of their `num_documents_clustered`.
    pub(crate) documents: f64,
    /// How many match, by status: spellings that filters match together
    /// counted together (see [`by_status`]); rows without one are only in
    /// the total.
    pub(crate) by_status: BTreeMap<String, u64>,
    /// The page's documents, in order: up to one more than the page size,
    /// which tells that another page follows.
    pub(crate) docs: Vec<String>,
}

/// The page a request asks for.
pub(crate) struct Window<'a> {
    /// Only rows after this position (sort values, key).
    pub(crate) after: Option<(&'a [Cell], &'a str)>,
    /// Rows skipped first (used without `after`).
    pub(crate) offset: u64,
    /// Rows returned at most.
    pub(crate) limit: u64,
}

/// The column names a pass reads.
struct Columns {
    key: String,
    status: String,
    documents: String,
    doc: String,
    /// Every column the pass reads, each once: key, status, document
    /// count, then the sort columns not among them.
    read: Vec<String>,
    /// Where each sort column is in `read`.
    sort: Vec<usize>,
}

impl Columns {
    fn new(schema: &Schema, sort: &Sort) -> Columns {
        let name = |field: &str| {
            schema
                .columns
                .iter()
                .find(|c| c.field == field)
                .map_or_else(|| field.to_owned(), |c| c.column.clone())
        };
        let key = name(sort.key_field());
        let status = name("status");
        let documents = name("num_documents_clustered");
        let mut read = vec![key.clone(), status.clone(), documents.clone()];
        let sort = sort
            .fields()
            .map(|f| {
                let c = name(f);
                read.iter().position(|r| *r == c).unwrap_or_else(|| {
                    read.push(c);
                    read.len() - 1
                })
            })
            .collect();
        Columns {
            key,
            status,
            documents,
            doc: schema.document.clone().unwrap_or_else(|| "doc".to_owned()),
            read,
            sort,
        }
    }
}

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// The statement(s) of a pass, as text and values: what an answer is
/// cached under (with the page it asks for).
pub(crate) fn cache_key(
    schema: &Schema,
    d: Dialect,
    pass: OnePass,
    condition: &Condition,
    sort: &Sort,
    window: &Window,
) -> String {
    let c = Columns::new(schema, sort);
    let select = match pass {
        OnePass::Materialized => materialized(schema, d, &c, condition, sort, window),
        OnePass::Rows => rows_select(schema, &c, condition, None),
    };
    let (sql, values) = siftql::sql::build(&select, d);
    format!(
        "{pass:?}\n{sql}\n{values:?}\n{sort:?}\n{:?}\n{}\n{}",
        window.after, window.offset, window.limit
    )
}

/// Reads the statistics and the page of the rows `condition` selects that
/// pass `residual` (all of them when there is none; with one, `pass` must
/// be [`OnePass::Rows`], which reads each candidate's document to recheck
/// it).
pub(crate) fn run(
    db: &mut dyn Driver,
    schema: &Schema,
    pass: OnePass,
    condition: &Condition,
    residual: Option<&Predicate>,
    sort: &Sort,
    window: &Window,
) -> Result<Filtered, Error> {
    let c = Columns::new(schema, sort);
    let mut out = match pass {
        OnePass::Materialized => {
            let select = materialized(schema, db.dialect(), &c, condition, sort, window);
            from_materialized(db.rows(&select)?, &c, sort)?
        }
        OnePass::Rows => {
            db.begin_snapshot()?;
            let out = from_rows(db, schema, &c, condition, residual, sort, window);
            match out {
                Ok(f) => {
                    db.commit()?;
                    f
                }
                Err(e) => {
                    let _ = db.rollback();
                    return Err(e);
                }
            }
        }
    };
    out.by_status = by_status(std::mem::take(&mut out.by_status));
    Ok(out)
}

/// The statistics row's and the page rows' shared shape: status, count,
/// document sum, document, key, sort values.
fn materialized(
    schema: &Schema,
    d: Dialect,
    c: &Columns,
    condition: &Condition,
    sort: &Sort,
    window: &Window,
) -> SelectStatement {
    let f = Alias::new("siftql_f");
    let p = Alias::new("siftql_p");
    let t = Alias::new("siftql_t");
    let mut filtered = Query::select();
    for r in &c.read {
        filtered.column(Alias::new(r));
    }
    filtered
        .from(Alias::new(&schema.table))
        .cond_where(condition.clone());
    let mut cte = CommonTableExpression::new()
        .query(filtered)
        .table_name(f.clone())
        .to_owned();
    cte.materialized(true);

    let null = || Expr::cust("NULL");
    let mut stats = Query::select();
    stats
        .expr(col(&c.status))
        .expr(Func::count(Expr::cust("*")))
        .expr(Func::sum(col(&c.documents)))
        .expr(null())
        .expr(null());
    for _ in &c.sort {
        stats.expr(null());
    }
    stats.from(f.clone()).group_by_col(Alias::new(&c.status));

    // The key and each sort column once.
    let mut page = Query::select();
    page.column(Alias::new(&c.key));
    let mut picked = vec![0];
    for &i in &c.sort {
        if !picked.contains(&i) {
            picked.push(i);
            page.column(Alias::new(&c.read[i]));
        }
    }
    page.from(f.clone());
    if let Some((values, key)) = window.after {
        // The values were checked against the sort when the cursor was.
        if let Ok(after) = sort.after(d, values, key) {
            page.cond_where(after);
        }
    } else {
        page.offset(window.offset);
    }
    sort.order_by(&mut page, d);
    page.limit(window.limit + 1);

    let mut rows = Query::select();
    rows.expr(null())
        .expr(null())
        .expr(null())
        .expr(d.apply(
            d.document_text(),
            Expr::col((t.clone(), Alias::new(&c.doc))),
        ))
        .expr(Expr::col((p.clone(), Alias::new(&c.key))));
    for &i in &c.sort {
        rows.expr(Expr::col((p.clone(), Alias::new(&c.read[i]))));
    }
    rows.from_subquery(page, p.clone()).join_as(
        JoinType::InnerJoin,
        Alias::new(&schema.table),
        t.clone(),
        Expr::col((t, Alias::new(&c.key))).equals((p, Alias::new(&c.key))),
    );
    stats.union(UnionType::All, rows);
    stats.with_cte(WithClause::new().cte(cte).to_owned());
    stats
}

fn from_materialized(rows: Vec<Vec<Cell>>, c: &Columns, sort: &Sort) -> Result<Filtered, Error> {
    let mut out = Filtered {
        total: 0,
        documents: 0.0,
        by_status: BTreeMap::new(),
        docs: Vec::new(),
    };
    let mut page = Vec::new();
    for mut r in rows {
        if r.len() != 5 + c.sort.len() {
            return Err(Error::new(
                siftql::ErrorCode::Database,
                "the database answered rows of another shape",
            ));
        }
        match r[1] {
            // A statistics row: its count is never NULL.
            Cell::Int(_) | Cell::Float(_) => {
                let n = count(&r[1]);
                out.total += n;
                out.documents += number(r[2].as_ref());
                if let Cell::Text(s) = &r[0] {
                    out.by_status.insert(s.clone(), n);
                }
            }
            _ => {
                let values = r.split_off(5);
                let key = match &r[4] {
                    Cell::Text(k) => k.clone(),
                    _ => String::new(),
                };
                let doc = match std::mem::replace(&mut r[3], Cell::Null) {
                    Cell::Text(s) => s,
                    _ => continue,
                };
                page.push((values, key, doc));
            }
        }
    }
    page.sort_by(|a, b| sort.compare((&a.0, &a.1), (&b.0, &b.1)));
    out.docs = page.into_iter().map(|(_, _, doc)| doc).collect();
    Ok(out)
}

/// `clusters_by_status`: the count of each spelling of a status, merged
/// so that spellings equal under the case folding filters use (the
/// Unicode lowercase of each character, SPEC §3) are one entry, since a
/// filter `status = completed` matches `COMPLETED`, `Completed` and
/// `completed` alike and the counts should add up to what it matches.
///
/// The entry is named by the group's most common spelling, ties going to
/// the first in code-point order. The rule reads only the counts of each
/// exact spelling, which every pass and every database gives the same
/// (not a row order, nor a collation of `cluster_id`), and the name is a
/// spelling the data really uses, which a filter on it matches; it changes
/// only when another spelling becomes as common.
fn by_status(exact: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    // Folded text → (name, its count, the group's count).
    let mut groups: HashMap<String, (String, u64, u64)> = HashMap::new();
    // In code-point order, so that a tie keeps the first spelling.
    for (spelling, n) in exact {
        let folded: String = spelling.chars().flat_map(char::to_lowercase).collect();
        match groups.get_mut(&folded) {
            Some((name, most, total)) => {
                *total += n;
                if n > *most {
                    *name = spelling;
                    *most = n;
                }
            }
            None => {
                groups.insert(folded, (spelling, n, n));
            }
        }
    }
    groups
        .into_values()
        .map(|(name, _, total)| (name, total))
        .collect()
}

fn count(c: &Cell) -> u64 {
    match c {
        Cell::Int(n) => u64::try_from(*n).unwrap_or(0),
        Cell::Float(f) => *f as u64,
        _ => 0,
    }
}

fn number(c: CellRef<'_>) -> f64 {
    match c {
        CellRef::Float(f) => f,
        CellRef::Int(i) => i as f64,
        _ => 0.0,
    }
}

/// The pass's columns of the rows `condition` selects, and the document's
/// text last when `document` gives the dialect (to recheck the rows).
fn rows_select(
    schema: &Schema,
    c: &Columns,
    condition: &Condition,
    document: Option<Dialect>,
) -> SelectStatement {
    let mut select = Query::select();
    for r in &c.read {
        select.column(Alias::new(r));
    }
    if let Some(d) = document {
        select.expr(d.apply(d.document_text(), col(&c.doc)));
    }
    select
        .from(Alias::new(&schema.table))
        .cond_where(condition.clone())
        .to_owned()
}

fn from_rows(
    db: &mut dyn Driver,
    schema: &Schema,
    c: &Columns,
    condition: &Condition,
    residual: Option<&Predicate>,
    sort: &Sort,
    window: &Window,
) -> Result<Filtered, Error> {
    let mut out = Filtered {
        total: 0,
        documents: 0.0,
        by_status: BTreeMap::new(),
        docs: Vec::new(),
    };
    let skip = if window.after.is_some() {
        0
    } else {
        usize::try_from(window.offset).unwrap_or(usize::MAX)
    };
    let take = usize::try_from(window.limit + 1).unwrap_or(usize::MAX);
    let end = skip.saturating_add(take);
    // The first `end` rows in order: rows are kept while they beat the
    // `end`-th best seen so far (`worst`); at twice `end` the kept rows are
    // cut back to `end`. Only kept rows are copied.
    let order =
        |a: &(Vec<Cell>, String), b: &(Vec<Cell>, String)| sort.compare((&a.0, &a.1), (&b.0, &b.1));
    let mut kept: Vec<(Vec<Cell>, String)> = Vec::new();
    let mut worst: Option<(Vec<Cell>, String)> = None;
    let d = db.dialect();
    let select = rows_select(schema, c, condition, residual.map(|_| d));
    db.scan(&select, &mut |r| {
        if let Some(p) = residual {
            // The document is the last cell.
            let CellRef::Text(doc) = r[c.read.len()] else {
                return Ok(());
            };
            if !passes(p, doc)? {
                return Ok(());
            }
        }
        out.total += 1;
        out.documents += number(r[2]);
        if let CellRef::Text(s) = r[1] {
            match out.by_status.get_mut(s) {
                Some(n) => *n += 1,
                None => {
                    out.by_status.insert(s.to_owned(), 1);
                }
            }
        }
        let CellRef::Text(key) = r[0] else {
            return Ok(());
        };
        let values: Vec<CellRef<'_>> = c.sort.iter().map(|&i| r[i]).collect();
        if let Some(after) = window.after {
            if !sort.compare((&values, key), after).is_gt() {
                return Ok(());
            }
        }
        if let Some(w) = &worst {
            if !sort.compare((&values, key), (&w.0, &w.1)).is_lt() {
                return Ok(());
            }
        }
        kept.push((values.iter().map(|v| v.to_cell()).collect(), key.to_owned()));
        if end > 0 && kept.len() >= end.saturating_mul(2) {
            kept.select_nth_unstable_by(end - 1, order);
            kept.truncate(end);
            worst = kept.last().cloned();
        }
        Ok(())
    })?;
    kept.sort_unstable_by(order);
    kept.truncate(end);
    let keys: Vec<&str> = kept.iter().skip(skip).map(|(_, k)| k.as_str()).collect();
    if keys.is_empty() {
        return Ok(out);
    }
    // The page's documents, by key: a plain `IN` on the key column, which
    // every database serves from the primary key (on MariaDB it may also
    // match keys that differ in case under the column's collation; the
    // exact key is looked up below).
    let select = Query::select()
        .column(Alias::new(&c.key))
        .expr(d.apply(d.document_text(), col(&c.doc)))
        .from(Alias::new(&schema.table))
        .and_where(col(&c.key).is_in(keys.iter().copied()))
        .to_owned();
    let mut docs: HashMap<String, String> = db
        .rows(&select)?
        .into_iter()
        .filter_map(|mut r| match (r.pop(), r.pop()) {
            (Some(Cell::Text(doc)), Some(Cell::Text(key))) => Some((key, doc)),
            _ => None,
        })
        .collect();
    out.docs = keys.iter().filter_map(|k| docs.remove(*k)).collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|&(s, n)| (s.to_owned(), n)).collect()
    }

    #[test]
    fn statuses_equal_under_case_folding_are_counted_together() {
        // The most common spelling names the group.
        assert_eq!(
            by_status(map(&[
                ("COMPLETED", 1),
                ("Completed", 1),
                ("completed", 2),
                ("FAILED", 1)
            ])),
            map(&[("FAILED", 1), ("completed", 4)])
        );
        // A tie goes to the first in code-point order.
        assert_eq!(
            by_status(map(&[("completed", 2), ("COMPLETED", 2), ("Completed", 1)])),
            map(&[("COMPLETED", 5)])
        );
        // Unicode lowercase, character by character, as filters fold: no
        // accent folding, and no word-final sigma rule (`Σ` is `σ`, never
        // `ς`).
        assert_eq!(
            by_status(map(&[
                ("ÉTÉ", 1),
                ("été", 1),
                ("ete", 1),
                ("ΣΑΣ", 1),
                ("σασ", 1),
                ("σας", 1)
            ])),
            map(&[("ete", 1), ("ÉTÉ", 2), ("ΣΑΣ", 2), ("σας", 1)])
        );
    }
}
