//! Conditions on paths inside JSON columns.
//!
//! A path is walked the way the evaluator walks it — objects by key, arrays
//! of objects element by element — and what is found becomes rows `c` of a
//! subquery, written by the dialect ([`SqlDialect::json_rows`]):
//!
//! * SQLite: `json_each(siftql_leaves(json, path, mode))`, where
//!   `siftql_leaves` (registered by `sql::sqlite`) does the walk;
//! * PostgreSQL: `jsonb_path_query(json, 'lax $."a"."b"')` — lax mode unwraps
//!   arrays met on the way, exactly that walk;
//! * MySQL: `JSON_TABLE` once per way the path can cross arrays.
//!
//! Which rows, [`Candidates`] says: the values found; "the value, or for an
//! array any element"; or the elements of array values only.
//!
//! Every operator is then plain SQL over those rows; `EXISTS` keeps each
//! condition two-valued.
//!
//! [`SqlDialect::json_rows`]: super::SqlDialect::json_rows
//! [`SqlDialect::json_evaluator_test`]: super::SqlDialect::json_evaluator_test

use std::cell::Cell;

use sea_query::{Condition, Expr};
use serde_json::Value;

use super::column::{affix, instant_or_text, lower_expr, range_symbol};
use super::dialect::{Affix, Candidates, ColumnDirect, DirectRows, Fragment};
use super::{always, text, Dialect, Gap};
use crate::ast::Operator;
use crate::eval::{instant, lower};

/// A JSON condition builder for one column and path.
pub(super) struct At<'a> {
    d: Dialect,
    column: &'a str,
    path: &'a [String],
    object_root: bool,
    walks: &'a Cell<usize>,
}

impl<'a> At<'a> {
    /// `object_root`: the column is the document, which holds a whole
    /// record (an object). `walks` counts the walks (subqueries) made.
    pub(super) fn new(
        d: Dialect,
        column: &'a str,
        path: &'a [String],
        object_root: bool,
        walks: &'a Cell<usize>,
    ) -> Result<At<'a>, Gap> {
        d.json_path(path)?;
        Ok(At {
            d,
            column,
            path,
            object_root,
            walks,
        })
    }

    fn exists(&self, rows: Candidates, test: Option<Fragment>) -> Condition {
        self.exists_joined(rows, &Fragment::default(), test)
    }

    /// [`At::exists`] with more joins after the rows `c`.
    fn exists_joined(
        &self,
        rows: Candidates,
        join: &Fragment,
        test: Option<Fragment>,
    ) -> Condition {
        let mut any = Condition::any();
        for Fragment {
            text: from,
            params: mut exprs,
        } in self
            .d
            .json_rows(self.column, self.path, rows, self.object_root)
        {
            exprs.extend(join.params.iter().cloned());
            let sql = match &test {
                Some(t) => {
                    exprs.extend(t.params.iter().cloned());
                    format!(
                        "EXISTS (SELECT 1 FROM {from}{} WHERE {})",
                        join.text, t.text
                    )
                }
                None => format!("EXISTS (SELECT 1 FROM {from}{})", join.text),
            };
            self.walks.set(self.walks.get() + 1);
            let general = self.d.frag(sql, exprs);
            let direct = match join.text.is_empty() {
                true => self
                    .d
                    .json_rows_direct(self.column, self.path, rows, self.object_root),
                false => None,
            };
            any = any.add(match direct {
                Some(direct) => self.direct(direct, test.as_ref(), general),
                None => general,
            });
        }
        any
    }

    /// `CASE WHEN when THEN EXISTS (direct rows) WHEN none THEN FALSE ELSE
    /// general END`: two-valued, as `general` is.
    fn direct(&self, direct: DirectRows, test: Option<&Fragment>, general: Expr) -> Expr {
        let DirectRows { when, rows, none } = direct;
        let mut f = Fragment::new("CASE WHEN ", Vec::new());
        f.push(&when.text).params.extend(when.params);
        f.push(" THEN EXISTS (SELECT 1 FROM ")
            .push(&rows.text)
            .params
            .extend(rows.params);
        if let Some(t) = test {
            f.push(" WHERE ")
                .push(&t.text)
                .params
                .extend(t.params.iter().cloned());
        }
        f.push(")");
        if let Some(none) = none {
            f.push(" WHEN ").push(&none.text).params.extend(none.params);
            f.push(" THEN FALSE");
        }
        f.param(" ELSE ? END", general);
        self.d.frag(f.text, f.params)
    }

    /// `phrase`, `words` and the geo operators. A dialect that registers
    /// the evaluator's own code as functions hands candidates to it
    /// ([`SqlDialect::json_evaluator_test`]); otherwise
    /// `geo_radius` and `geo_bounding_box` are computed in SQL (`sql::geo`)
    /// on the points among the values found and the elements of arrays
    /// found.
    fn evaluator_op(&self, op: Operator, v: &Value) -> Result<Condition, Gap> {
        use Operator::*;
        let geo = match op {
            Phrase | Words => false,
            GeoRadius | GeoBoundingBox | GeoPolygon => true,
            Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
            | Exists | IsNull | Text => return Err(Gap::JsonOperator(op)),
        };
        if let Some((rows, test)) = self.d.json_evaluator_test(op) {
            let value = if geo {
                v.to_string()
            } else {
                v.as_str().unwrap_or_default().to_owned()
            };
            return Ok(self.exists(rows, Some(Fragment::new(test, vec![text(value)]))));
        }
        let (from, test) = match op {
            GeoRadius => self.d.geo_radius(v)?,
            GeoBoundingBox => (Fragment::default(), super::geo::bounding_box(&*self.d, v)),
            Phrase | Words | GeoPolygon => return Err(Gap::JsonOperator(op)),
            Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
            | Exists | IsNull | Text => return Err(Gap::JsonOperator(op)),
        };
        let mut any = Condition::any();
        for rows in [Candidates::Found, Candidates::Elements] {
            for (point, is_point) in self.d.geo_points() {
                let join = Fragment::new(format!("{point}{}", from.text), from.params.clone());
                any = any.add(self.exists_joined(
                    rows,
                    &join,
                    Some(Fragment::new(
                        format!("{is_point} AND {}", test.text),
                        test.params.clone(),
                    )),
                ));
            }
        }
        Ok(any)
    }

    /// Some value is found at the path (even `null`).
    pub(super) fn found(&self) -> Condition {
        self.exists(Candidates::Found, None)
    }

    /// The candidate's text, lowercased when `ci`.
    fn text(&self, ci: bool) -> Expr {
        let x = Expr::cust(self.d.json_text());
        if ci {
            lower_expr(self.d, x)
        } else {
            x
        }
    }

    /// The test "candidate is a number and `<op>` this literal", exactly.
    fn number_compare(&self, op: &str, n: &serde_json::Number) -> Result<Fragment, Gap> {
        let lit = self.d.json_number_literal(n)?;
        Ok(Fragment::new(
            format!(
                "{} AND {} {op} {}",
                self.d.json_is_number(),
                self.d.json_number(),
                lit.text
            ),
            lit.params,
        ))
    }

    /// `in [..]`: one walk of the path, each candidate tested against every
    /// literal of its kind in one `IN`; `null` in the list also matches
    /// missing.
    fn in_list(&self, items: &[Value], ci: bool) -> Result<Condition, Gap> {
        if items.len() <= 1 {
            return items.iter().try_fold(Condition::any(), |acc, item| {
                Ok(acc.add(self.eq(item, ci)?))
            });
        }
        let (mut texts, mut numbers, mut tests) = (Vec::new(), Vec::new(), Vec::new());
        let mut null = false;
        for item in items {
            match item {
                Value::Null => null = true,
                Value::Bool(_) => tests.push(self.eq_test(item, ci)?),
                Value::Number(n) => numbers.push(self.d.json_number_literal(n)?),
                Value::String(s) => texts.push(text(if ci { lower(s) } else { s.clone() })),
                Value::Array(_) | Value::Object(_) => return Err(Gap::StructuredValue),
            }
        }
        if null {
            tests.push(Fragment::new(self.d.json_is_null(), vec![]));
        }
        if !numbers.is_empty() {
            let marks: Vec<&str> = numbers.iter().map(|n| n.text.as_str()).collect();
            let sql = format!(
                "{} AND {} IN ({})",
                self.d.json_is_number(),
                self.d.json_number(),
                marks.join(", ")
            );
            tests.push(Fragment::new(
                sql,
                numbers
                    .iter()
                    .flat_map(|n| n.params.iter().cloned())
                    .collect(),
            ));
        }
        if !texts.is_empty() {
            let sql = format!(
                "{} AND ? IN ({})",
                self.d.json_is_text(),
                vec!["?"; texts.len()].join(", ")
            );
            let mut exprs = vec![self.text(ci)];
            exprs.extend(texts);
            tests.push(Fragment::new(sql, exprs));
        }
        let test = Fragment::new(
            tests
                .iter()
                .map(|t| format!("({})", t.text))
                .collect::<Vec<_>>()
                .join(" OR "),
            tests.into_iter().flat_map(|t| t.params).collect(),
        );
        let hit = self.exists(Candidates::ValueOrElements, Some(test));
        Ok(if null {
            Condition::any().add(self.found().not()).add(hit)
        } else {
            self.probed(hit, items, ci, false)
        })
    }

    /// The test "candidate equals this scalar literal".
    fn eq_test(&self, v: &Value, ci: bool) -> Result<Fragment, Gap> {
        Ok(match v {
            Value::Null => Fragment::new(self.d.json_is_null(), vec![]),
            Value::Bool(b) => Fragment::new(self.d.json_is_bool(*b), vec![]),
            Value::Number(n) => self.number_compare("=", n)?,
            Value::String(s) => {
                let lit = if ci { lower(s) } else { s.clone() };
                Fragment::new(
                    format!("{} AND ? = ?", self.d.json_is_text()),
                    vec![self.text(ci), text(lit)],
                )
            }
            _ => return Err(Gap::StructuredValue),
        })
    }

    /// `exact`, with the dialect's index probe for "a value or an element
    /// equals one of `values`" before it where there is one (case-sensitive
    /// tests only: the probe compares exactly). The probe holds wherever
    /// `exact` does, so `probe AND exact` means `exact`, negated too.
    fn probed(&self, exact: Condition, values: &[Value], ci: bool, string: bool) -> Condition {
        if ci && values.iter().any(Value::is_string) {
            return exact;
        }
        match self
            .d
            .json_index_probe(self.column, self.path, self.object_root, values, string)
        {
            Some(p) => Condition::all().add(self.d.fragment(p)).add(exact),
            None => exact,
        }
    }

    /// `hit` (a test on the value-or-elements candidates that can only hold
    /// for strings), decided without the walk where the dialect reads the
    /// path's one value directly ([`SqlDialect::json_text_direct`]):
    /// `test` of that string's text when it is one, false where there is no
    /// string candidate, `hit` elsewhere. Two-valued, as `hit` is.
    ///
    /// [`SqlDialect::json_text_direct`]: super::SqlDialect::json_text_direct
    fn text_direct(&self, hit: Condition, test: impl FnOnce(Expr) -> Expr) -> Condition {
        let Some((is_string, text, none)) =
            self.d
                .json_text_direct(self.column, self.path, self.object_root)
        else {
            return hit;
        };
        // CASE: each arm evaluates only what it needs (the string's text is
        // read once).
        let mut f = Fragment::new("CASE WHEN ", Vec::new());
        f.push(&is_string.text).params.extend(is_string.params);
        f.param(" THEN ?", test(self.d.fragment(text)));
        f.push(" WHEN ").push(&none.text).params.extend(none.params);
        f.param(" THEN FALSE ELSE ? END", Expr::from(hit));
        Condition::all().add(self.d.fragment(f))
    }

    /// The column itself, where the dialect reads it without a walk.
    fn column_direct(&self) -> Option<ColumnDirect> {
        match self.path.is_empty() && !self.object_root {
            true => self.d.json_column_direct(self.column),
            false => None,
        }
    }

    /// `contains v` on the column itself, two-valued: for a string `v`, a
    /// string holding it or an array with an element equal to it; for
    /// another `v`, an array with an element equal to it.
    fn column_contains(&self, c: ColumnDirect, v: &Value, ci: bool) -> Result<Condition, Gap> {
        let d = self.d;
        let test = self.eq_test(v, ci)?;
        // The substring test of a string's text `t`.
        let within = |t: Expr| {
            let t = if ci { lower_expr(d, t) } else { t };
            let lit = v.as_str().map(|s| if ci { lower(s) } else { s.to_owned() });
            lit.map(|lit| Fragment::new(d.json_contains(), vec![t, text(lit)]))
        };
        self.walks.set(self.walks.get() + 1);
        let f = match c {
            ColumnDirect::Typed {
                kind,
                string,
                array,
                text: t,
                elements,
                has_string,
            } => {
                let mut f = Fragment::new("CASE ", kind.params);
                f.push(&kind.text);
                if let Some(w) = within(d.fragment(t)) {
                    f.push(&format!(" WHEN {string} THEN "))
                        .push(&w.text)
                        .params
                        .extend(w.params);
                }
                f.push(&format!(" WHEN {array} THEN "));
                match (has_string, v) {
                    (Some(h), Value::String(s)) if !ci => {
                        f.push(&h.text).params.extend(h.params);
                        f.params.push(text(s.as_str()));
                    }
                    _ => {
                        f.push("EXISTS (SELECT 1 FROM ")
                            .push(&elements.text)
                            .params
                            .extend(elements.params);
                        f.push(" WHERE ")
                            .push(&test.text)
                            .params
                            .extend(test.params);
                        f.push(")");
                    }
                }
                f.push(" ELSE FALSE END");
                f
            }
            ColumnDirect::Walk {
                rows,
                scalar,
                element,
            } => {
                let mut f = Fragment::new("EXISTS (SELECT 1 FROM ", rows.params);
                f.push(&rows.text).push(" WHERE ");
                if let Some(w) = within(Expr::cust(d.json_text())) {
                    f.push(&format!("({scalar} AND {} AND ", d.json_is_text()));
                    f.push(&w.text).params.extend(w.params);
                    f.push(") OR ");
                }
                f.push(&format!("({element} AND "))
                    .push(&test.text)
                    .params
                    .extend(test.params);
                f.push("))");
                f
            }
        };
        Ok(Condition::all().add(d.fragment(f)))
    }

    /// `eq v`: the value or an element equals `v`; `eq null` also matches missing.
    fn eq(&self, v: &Value, ci: bool) -> Result<Condition, Gap> {
        if let Value::String(s) = v {
            let lit = if ci { lower(s) } else { s.clone() };
            let d = self.d;
            let hit = match d.json_string_eq(self.column, self.path, &lit, ci) {
                Some(f) => {
                    self.walks.set(self.walks.get() + 1);
                    Condition::all().add(d.fragment(f))
                }
                None => self.exists(Candidates::ValueOrElements, Some(self.eq_test(v, ci)?)),
            };
            let hit = self.text_direct(hit, |t| {
                let t = if ci { lower_expr(d, t) } else { t };
                let (column, literal) = d.binary_text();
                d.frag(format!("{column} = {literal}"), vec![t, text(lit)])
            });
            return Ok(self.probed(hit, std::slice::from_ref(v), ci, false));
        }
        let hit = self.exists(Candidates::ValueOrElements, Some(self.eq_test(v, ci)?));
        Ok(if v.is_null() {
            Condition::any().add(self.found().not()).add(hit)
        } else {
            self.probed(hit, std::slice::from_ref(v), ci, false)
        })
    }

    /// A string test on the candidates `rows`: `sql` takes the candidate's
    /// text, then `params`.
    fn string_op(&self, rows: Candidates, ci: bool, sql: &str, params: Vec<Expr>) -> Condition {
        let mut exprs = vec![self.text(ci)];
        exprs.extend(params);
        self.exists(
            rows,
            Some(Fragment::new(
                format!("{} AND {sql}", self.d.json_is_text()),
                exprs,
            )),
        )
    }

    fn range(&self, op: Operator, v: &Value, ci: bool) -> Result<Condition, Gap> {
        let sym = range_symbol(op);
        let rows = Candidates::ValueOrElements;
        Ok(match v {
            Value::Number(n) => self.exists(rows, Some(self.number_compare(sym, n)?)),
            Value::String(s) => {
                let lit = text(if ci { lower(s) } else { s.clone() });
                match instant(s) {
                    // Instants when both sides are RFC 3339; text otherwise.
                    Some(nanos) => {
                        let e = instant_or_text(
                            self.d,
                            sym,
                            Expr::cust(self.d.json_text()),
                            nanos,
                            self.text(ci),
                            lit,
                        )?;
                        self.exists(
                            rows,
                            Some(Fragment::new(
                                format!("{} AND ?", self.d.json_is_text()),
                                vec![e],
                            )),
                        )
                    }
                    None => self.string_op(rows, ci, &self.d.text_compare(sym), vec![lit]),
                }
            }
            _ => always(false),
        })
    }

    pub(super) fn condition(&self, op: Operator, v: &Value, ci: bool) -> Result<Condition, Gap> {
        use Operator::*;
        Ok(match op {
            Eq => self.eq(v, ci)?,
            Ne => self.eq(v, ci)?.not(),
            In | Nin => {
                let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
                let hit = self.in_list(items, ci)?;
                if op == Nin {
                    hit.not()
                } else {
                    hit
                }
            }
            Gt | Gte | Lt | Lte => self.range(op, v, ci)?,
            Contains => {
                if let Some(direct) = self.column_direct() {
                    let exact = self.column_contains(direct, v, ci)?;
                    return Ok(self.probed(exact, std::slice::from_ref(v), ci, v.is_string()));
                }
                let elements = self.exists(Candidates::Elements, Some(self.eq_test(v, ci)?));
                let exact = match v {
                    Value::String(s) => {
                        let lit = if ci { lower(s) } else { s.clone() };
                        Condition::any()
                            .add(self.string_op(
                                Candidates::Found,
                                ci,
                                self.d.json_contains(),
                                vec![text(lit)],
                            ))
                            .add(elements)
                    }
                    _ => elements,
                };
                self.probed(exact, std::slice::from_ref(v), ci, v.is_string())
            }
            StartsWith | EndsWith | Text => {
                let s = v.as_str().unwrap_or_default();
                let ci = ci || op == Text;
                let rows = Candidates::ValueOrElements;
                if s.is_empty() {
                    // Every string starts with, ends with and contains "".
                    return Ok(
                        self.exists(rows, Some(Fragment::new(self.d.json_is_text(), vec![])))
                    );
                }
                let lit = if ci { lower(s) } else { s.to_owned() };
                match affix(op) {
                    Affix::Prefix => {
                        self.string_op(rows, ci, self.d.json_starts(), vec![text(&lit), text(lit)])
                    }
                    Affix::Suffix => {
                        self.string_op(rows, ci, self.d.json_ends(), vec![text(&lit), text(lit)])
                    }
                    Affix::Infix => {
                        self.string_op(rows, ci, self.d.json_contains(), vec![text(lit)])
                    }
                }
            }
            Regex => {
                let p = v.as_str().unwrap_or_default();
                let Fragment { text: sql, params } = self.d.regex(p, ci)?;
                let mut exprs = vec![Expr::cust(self.d.json_text())];
                exprs.extend(params);
                self.exists(
                    Candidates::ValueOrElements,
                    Some(Fragment::new(
                        format!("{} AND {sql}", self.d.json_is_text()),
                        exprs,
                    )),
                )
            }
            Exists => {
                if v.as_bool().unwrap_or(true) {
                    self.found()
                } else {
                    self.found().not()
                }
            }
            IsNull => {
                if v.as_bool().unwrap_or(true) {
                    Condition::any().add(self.found().not()).add(self.exists(
                        Candidates::Found,
                        Some(Fragment::new(self.d.json_is_null(), vec![])),
                    ))
                } else {
                    self.exists(
                        Candidates::Found,
                        Some(Fragment::new(self.d.json_not_null(), vec![])),
                    )
                }
            }
            Phrase | Words | GeoRadius | GeoBoundingBox | GeoPolygon => self.evaluator_op(op, v)?,
        })
    }
}
