//! Conditions on typed columns. A typed column holds a value of its type or
//! `NULL` (`load` rejects records whose field has another JSON type), so a
//! literal of another type can never match and compiles to a constant.

use sea_query::{Alias, Condition, Expr, ExprTrait};
use serde_json::Value;

use super::dialect::{Affix, Fragment};
use super::json_path;
use super::{always, sql_value, text, Dialect, Gap, Schema};
use crate::ast::{Condition as FilterCondition, Operator};
use crate::eval::{instant, lower};
use crate::sql::schema::{Column, ColumnType};

fn col(c: &Column) -> Expr {
    Expr::col(Alias::new(&c.column))
}

/// `lower(x)` as the dialect spells a Unicode lowercase.
pub(super) fn lower_expr(d: Dialect, x: Expr) -> Expr {
    d.apply(d.lower(), x)
}

/// How the conditions on one column are compiled.
#[derive(Clone, Copy, Debug)]
pub(super) struct Mode {
    /// Text compares case-insensitively.
    pub ci: bool,
    /// The condition must be TRUE or FALSE, never `NULL`: it stands under
    /// a negation (an odd number of `NOT` lists, or the `NOT` of `ne` and
    /// `nin`). Elsewhere a `NULL` where the answer is FALSE gives the same
    /// rows (a `WHERE` keeps only TRUE, and `AND`/`OR` never turn `NULL`
    /// into TRUE), so the `IS NOT NULL` guards are left out and the
    /// comparison stays the plain one an index serves.
    pub two_valued: bool,
}

impl Mode {
    fn negated(self) -> Mode {
        Mode {
            two_valued: !self.two_valued,
            ..self
        }
    }

    /// `e`, after `x IS NOT NULL` when the condition must be two-valued.
    /// `e` must be `NULL` or FALSE where `x` is `NULL` (every comparison,
    /// `LOWER` and substring test siftql writes here is).
    fn guard(self, x: &Expr, e: impl sea_query::IntoCondition) -> Condition {
        let all = Condition::all();
        let all = if self.two_valued {
            all.add(x.clone().is_not_null())
        } else {
            all
        };
        all.add(e)
    }
}

fn is_texty(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Text | ColumnType::Timestamp)
}

fn is_numeric(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Integer | ColumnType::Float)
}

/// The column side of a code-point comparison of `c`'s text (lowercased
/// when `ci`): the dialect's key column where it keeps one
/// ([`SqlDialect::text_key`](super::SqlDialect::text_key)), else the
/// expression as [`SqlDialect::binary_text`](super::SqlDialect::binary_text)
/// writes it.
fn key_expr(d: Dialect, c: &Column, ci: bool) -> Expr {
    match d.text_key(&c.column, ci) {
        Some(key) => Expr::col(Alias::new(key)),
        None => {
            let x = if ci { lower_expr(d, col(c)) } else { col(c) };
            d.apply(d.binary_text().0, x)
        }
    }
}

/// `c <op> lit`, comparing text by code point (case-folded when `ci`).
fn text_cmp(d: Dialect, c: &Column, op: &str, lit: &str, ci: bool) -> Expr {
    let lit = if ci { lower(lit) } else { lit.to_owned() };
    let literal = d.binary_text().1;
    d.frag(
        format!("? {op} {literal}"),
        vec![key_expr(d, c, ci), text(lit)],
    )
}

/// The equality of one column value with one literal (two-valued when
/// `m` says so).
fn eq_one(d: Dialect, c: &Column, v: &Value, m: Mode) -> Result<Condition, Gap> {
    let x = col(c);
    Ok(match (v, c.ty) {
        (Value::Null, _) => Condition::all().add(x.is_null()),
        (Value::String(s), ty) if is_texty(ty) => m.guard(&x, text_cmp(d, c, "=", s, m.ci)),
        (Value::Number(_), ty) if is_numeric(ty) => {
            m.guard(&x, x.clone().eq(sql_value(v).ok_or(Gap::StructuredValue)?))
        }
        (Value::Bool(b), ColumnType::Bool) => m.guard(&x, x.clone().eq(*b)),
        _ => always(false),
    })
}

/// `x in [..]`: one membership test for the literals of the column's kind
/// (`IN (…)`, comparing text by code point), and `x IS NULL` for `null`;
/// literals of another kind can never match.
fn in_list(d: Dialect, c: &Column, items: &[Value], m: Mode) -> Result<Condition, Gap> {
    let x = col(c);
    let ci = m.ci;
    let (mut texts, mut numbers, mut bools) = (Vec::new(), Vec::new(), Vec::new());
    let mut any = Condition::any();
    for item in items {
        match (item, c.ty) {
            (Value::String(s), ty) if is_texty(ty) => texts.push(s),
            (Value::Number(_), ty) if is_numeric(ty) => {
                numbers.push(sql_value(item).ok_or(Gap::StructuredValue)?)
            }
            (Value::Bool(b), ColumnType::Bool) => bools.push(*b),
            // A single literal, `null`, and literals of another kind: as `eq`.
            _ => any = any.add(eq_one(d, c, item, m)?),
        }
    }
    match texts.as_slice() {
        [] => {}
        [one] => any = any.add(eq_one(d, c, &Value::String((*one).clone()), m)?),
        many => {
            let items: Vec<String> = many
                .iter()
                .map(|s| if ci { lower(s) } else { (*s).clone() })
                .collect();
            let keyed = d.text_key(&c.column, ci).is_some();
            let (template, exprs) = match d.text_in_one(&items) {
                Some((template, list)) if !keyed => {
                    let x = if ci {
                        lower_expr(d, x.clone())
                    } else {
                        x.clone()
                    };
                    (template.to_owned(), vec![x, list])
                }
                _ => {
                    let literal = d.binary_text().1;
                    let template = format!("? IN ({})", vec![literal; many.len()].join(", "));
                    let mut exprs = vec![key_expr(d, c, ci)];
                    exprs.extend(items.into_iter().map(text));
                    (template, exprs)
                }
            };
            any = any.add(m.guard(&x, d.frag(template, exprs)));
        }
    }
    match numbers.len() {
        0 => {}
        1 => any = any.add(m.guard(&x, x.clone().eq(numbers.remove(0)))),
        _ => any = any.add(m.guard(&x, x.clone().is_in(numbers))),
    }
    bools.sort_unstable();
    bools.dedup();
    for b in bools {
        any = any.add(eq_one(d, c, &Value::Bool(b), m)?);
    }
    Ok(any)
}

/// The SQL symbol of a range operator.
pub(super) fn range_symbol(op: Operator) -> &'static str {
    use Operator::*;
    match op {
        Gt => ">",
        Gte => ">=",
        Lt => "<",
        Lte => "<=",
        Eq | Ne | In | Nin | Contains | StartsWith | EndsWith | Regex | Exists | IsNull | Text
        | Phrase | Words | GeoRadius | GeoBoundingBox | GeoPolygon => {
            unreachable!("`{op}` is not a range operator")
        }
    }
}

/// `x <op> lit` for the range operators.
fn range(d: Dialect, c: &Column, op: Operator, v: &Value, m: Mode) -> Result<Condition, Gap> {
    let sym = range_symbol(op);
    let x = col(c);
    let ci = m.ci;
    Ok(match (v, c.ty) {
        (Value::Number(_), ty) if is_numeric(ty) => {
            let lit = sql_value(v).ok_or(Gap::StructuredValue)?;
            m.guard(&x, x.clone().binary(binary(sym), lit))
        }
        (Value::String(s), ColumnType::Timestamp) if instant(s).is_some() => {
            let lit = d.fragment(d.instant_literal(instant(s).unwrap_or_default()));
            let e = d.frag(format!("? {sym} ?"), vec![instant_expr(d, x.clone()), lit]);
            m.guard(&x, e)
        }
        // Text against an RFC 3339 literal compares as instants when the
        // text is one too, which needs a parser in the database.
        (Value::String(s), ColumnType::Text) if instant(s).is_some() => {
            let nanos = instant(s).unwrap_or_default();
            let xs = if ci {
                lower_expr(d, x.clone())
            } else {
                x.clone()
            };
            let lit = if ci { lower(s) } else { s.clone() };
            // A `CASE`: kept guarded.
            let e = instant_or_text(d, sym, x.clone(), nanos, xs, text(lit))?;
            Condition::all().add(x.is_not_null()).add(e)
        }
        (Value::String(s), ty) if is_texty(ty) => m.guard(&x, text_cmp(d, c, sym, s, ci)),
        _ => always(false),
    })
}

/// `x <sym> literal` as instants when the text `x` is an RFC 3339 date-time
/// or date, else `xs <sym> lit` as text (the evaluator's rule for strings
/// against an RFC 3339 literal).
pub(super) fn instant_or_text(
    d: Dialect,
    sym: &str,
    x: Expr,
    nanos: i128,
    xs: Expr,
    lit: Expr,
) -> Result<Expr, Gap> {
    let parse = d.parse_instant().ok_or(Gap::InstantRange)?;
    let literal = d.instant_literal(nanos);
    let template = format!(
        "CASE WHEN {parse} IS NOT NULL THEN {parse} {sym} {} ELSE {} END",
        literal.text,
        d.text_compare(sym)
    );
    let mut exprs = vec![x.clone(), x];
    exprs.extend(literal.params);
    exprs.extend([xs, lit]);
    Ok(d.frag(template, exprs))
}

/// A timestamp column's text (an RFC 3339 date-time or date, validated when
/// loaded) as an instant the dialect orders and compares.
pub(super) fn instant_expr(d: Dialect, x: Expr) -> Expr {
    d.apply(&d.instant(), x)
}

fn binary(sym: &str) -> sea_query::BinOper {
    use sea_query::BinOper::*;
    match sym {
        ">" => GreaterThan,
        ">=" => GreaterThanOrEqual,
        "<" => SmallerThan,
        _ => SmallerThanOrEqual,
    }
}

/// Substring, prefix or suffix match on a text column.
fn text_match(d: Dialect, c: &Column, affix: Affix, needle: &str, ci: bool) -> Expr {
    let x = col(c);
    let (x, needle) = if ci {
        (lower_expr(d, x), lower(needle))
    } else {
        (x, needle.to_owned())
    };
    let Fragment { text: sql, params } = d.text_match(affix, &needle);
    let mut exprs = vec![x.clone()];
    exprs.extend(params);
    let exact = d.frag(sql, exprs);
    if affix != Affix::Prefix {
        return exact;
    }
    // The strings that start with `p` are those from `p` up to (not
    // including) its successor in code-point order: a range an index on
    // the column's comparison key serves, written before the exact test.
    let Some(upper) = prefix_successor(&needle) else {
        return exact;
    };
    let literal = d.binary_text().1;
    let key = key_expr(d, c, ci);
    let range = d.frag(
        format!("? >= {literal} AND ? < {literal}"),
        vec![key.clone(), text(needle), key, text(upper)],
    );
    d.frag("? AND ?", vec![range, exact])
}

/// The least string greater than every string that starts with `p`, in
/// code-point order (`ab` → `ac`), or `None` when there is none (`p` is
/// empty, or all U+10FFFF).
pub(super) fn prefix_successor(p: &str) -> Option<String> {
    let mut chars: Vec<char> = p.chars().collect();
    while let Some(c) = chars.pop() {
        let next = match c {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The affix a substring operator tests.
pub(super) fn affix(op: Operator) -> Affix {
    use Operator::*;
    match op {
        StartsWith => Affix::Prefix,
        EndsWith => Affix::Suffix,
        Contains | Text => Affix::Infix,
        Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Regex | Exists | IsNull | Phrase | Words
        | GeoRadius | GeoBoundingBox | GeoPolygon => {
            unreachable!("`{op}` is not a substring operator")
        }
    }
}

pub(super) fn condition(
    d: Dialect,
    schema: &Schema,
    c: &Column,
    cond: &FilterCondition,
    v: &Value,
    m: Mode,
    walks: &std::cell::Cell<usize>,
) -> Result<Condition, Gap> {
    let x = col(c);
    let texty = is_texty(c.ty);
    let ci = m.ci;
    Ok(match cond.operator {
        Operator::Eq => eq_one(d, c, v, m)?,
        Operator::Ne => eq_one(d, c, v, m.negated())?.not(),
        Operator::In => in_list(d, c, v.as_array().map(Vec::as_slice).unwrap_or_default(), m)?,
        Operator::Nin => {
            let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
            in_list(d, c, items, m.negated())?.not()
        }
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => {
            range(d, c, cond.operator, v, m)?
        }
        Operator::Contains | Operator::StartsWith | Operator::EndsWith | Operator::Text => {
            match v {
                Value::String(s) if texty => {
                    let ci = ci || cond.operator == Operator::Text;
                    m.guard(&x, text_match(d, c, affix(cond.operator), s, ci))
                }
                _ => always(false),
            }
        }
        Operator::Regex => match v {
            Value::String(p) if texty => {
                let Fragment { text, params } = d.regex(p, ci)?;
                let mut exprs = vec![x.clone()];
                exprs.extend(params);
                Condition::all()
                    .add(x.is_not_null())
                    .add(d.frag(text, exprs))
            }
            _ => always(false),
        },
        Operator::Exists => {
            let want = v.as_bool().unwrap_or(true);
            // A column cannot tell a missing field from null; the document can.
            let path: Vec<String> = cond.field.segments().map(str::to_owned).collect();
            let present = match schema
                .document
                .as_deref()
                .map(|doc| json_path::At::new(d, doc, &path, true, walks))
            {
                Some(Ok(at)) => at.found(),
                _ => Condition::all().add(x.is_not_null()),
            };
            if want {
                present
            } else {
                present.not()
            }
        }
        Operator::IsNull => {
            if v.as_bool().unwrap_or(true) {
                Condition::all().add(x.is_null())
            } else {
                Condition::all().add(x.is_not_null())
            }
        }
        // Only a dialect that runs the evaluator's code has these
        // (capability says so first).
        Operator::Phrase | Operator::Words => match v {
            Value::String(s) if texty => {
                let name = d
                    .evaluator_function(cond.operator)
                    .ok_or(Gap::Operator(cond.operator))?;
                Condition::all().add(d.frag(format!("{name}(?, ?)"), vec![x, text(s)]))
            }
            _ => always(false),
        },
        // A typed column holds text, a number or a boolean: never a point.
        Operator::GeoRadius | Operator::GeoBoundingBox | Operator::GeoPolygon => always(false),
    })
}

#[cfg(test)]
mod tests {
    use super::prefix_successor;

    /// Every string that starts with `p` sorts before the successor, and
    /// the successor itself does not start with `p`.
    #[test]
    fn prefix_successors_bound_the_strings_with_the_prefix() {
        for (p, want) in [
            ("ab", Some("ac")),
            ("a\u{10FFFF}", Some("b")),
            ("\u{D7FF}", Some("\u{E000}")),
            ("\u{10FFFF}\u{10FFFF}", None),
            ("", None),
            ("z", Some("{")),
        ] {
            assert_eq!(prefix_successor(p).as_deref(), want, "{p:?}");
        }
        for p in ["ab", "é", "a\u{10FFFF}", "\u{D7FF}x"] {
            let upper = prefix_successor(p).unwrap();
            for s in [
                p.to_string(),
                format!("{p}\u{10FFFF}\u{10FFFF}"),
                format!("{p}zz"),
            ] {
                assert!(
                    p <= s.as_str() && s.as_str() < upper.as_str(),
                    "{p:?} {s:?}"
                );
            }
            assert!(!upper.starts_with(p));
        }
    }
}
