//! [`Schema::check`]: a filter type-checked against a schema before anything
//! runs, the way a compiler checks a program. It finds what is valid but
//! almost surely a mistake, as [`Warning`]s: unknown fields, values a column
//! never holds, operators its type cannot satisfy, `exists false` on the
//! key, and conditions of one `AND` list that contradict each other.
//!
//! Every warning is a fact about the schema, never a guess about the data:
//! a typed column holds only its type or null (`load` refuses anything
//! else), and the key column (`cluster_id`) is in every row. Paths inside
//! JSON columns and the document can hold anything, so only their names
//! are checked.

use std::rc::Rc;

use serde_json::{Number, Value};

use super::schema::{Column, ColumnType, Place, Schema};
use crate::ast::{Condition, Filter, Group, ListKind, Node, Operand, Operator};
use crate::error::{Error, Warning, WarningCode};
use crate::span::Span;

impl Schema {
    /// Type-checks `filter` against this schema.
    ///
    /// Returns the warnings in the order of the conditions, or an error for
    /// what compiling would refuse: a field a closed schema does not have
    /// ([`ErrorCode::UnknownField`](crate::ErrorCode::UnknownField), with
    /// did-you-mean). The warnings ([`WarningCode`]):
    ///
    /// * `W0401` a field an open schema has no column for (looked up in the
    ///   document, where it may never be), with did-you-mean;
    /// * `W0402` a value of a type the column never holds
    ///   (`num_clusters = "abc"`, `status > 5`);
    /// * `W0403` an operator the column's type cannot satisfy (`regex` on a
    ///   number, a range on a boolean);
    /// * `W0404` `exists false` or `is null` on the key column, which every
    ///   row has;
    /// * `W0405` conditions of one `AND` list that no value satisfies
    ///   together (`num_clusters > 5 and num_clusters < 3`,
    ///   `status = a and status = b`).
    ///
    /// A warning carries the condition's span (DSL input) and its JSON
    /// pointer in the canonical form (`/AND/1`); for JSON input
    /// [`Warning::locate_json`] finds the span in the text.
    ///
    /// ```
    /// use siftql::{sql::Schema, Filter, WarningCode};
    ///
    /// let f: Filter = "stauts = completed and num_clusters > 5 and num_clusters < 3".parse()?;
    /// let warnings = Schema::clusters().check(&f)?;
    /// let codes: Vec<_> = warnings.iter().map(|w| w.code()).collect();
    /// assert_eq!(codes, [WarningCode::UnknownField, WarningCode::Contradiction]);
    /// assert_eq!(warnings[0].help(), Some("did you mean `status`?"));
    /// # Ok::<(), siftql::Error>(())
    /// ```
    pub fn check(&self, filter: &Filter) -> Result<Vec<Warning>, Error> {
        let mut warnings = Vec::new();
        // Where each group is: its parent's entry, list and index (entry 0
        // is the root). Pointers are written out only for warnings, so a
        // deep filter costs linear time; the groups still to visit are on
        // the heap, so it cannot overflow the stack either.
        let mut trail: Vec<(usize, ListKind, usize)> = vec![(0, ListKind::And, 0)];
        // Each group comes with what its `AND` list inherits: a group in an
        // `AND` list must match for its parent to, so its own `AND` items
        // hold together with the parent's.
        let mut groups: Vec<(&Group, usize, Bounds)> = vec![(&filter.root, 0, Bounds::default())];
        while let Some((group, at, mut bounds)) = groups.pop() {
            let mut nested = Vec::new();
            for (kind, items) in group.lists() {
                for (i, node) in items.into_iter().flatten().enumerate() {
                    let c = match node {
                        Node::Group(g) => {
                            trail.push((at, kind, i));
                            nested.push((g.as_ref(), trail.len() - 1, kind));
                            continue;
                        }
                        Node::Condition(c) => c,
                    };
                    let pointer = || pointer(&trail, at, kind, i);
                    let place = self.place(&c.field).map_err(|e| {
                        located(e, c.span, &pointer(), "not a field of this schema")
                    })?;
                    let before = warnings.len();
                    let found = self.condition(c, &place, &mut warnings);
                    if let (ListKind::And, Some(column)) = (kind, found) {
                        bounds.add(c, column, &mut warnings);
                    }
                    if warnings.len() > before {
                        let p = pointer();
                        for w in &mut warnings[before..] {
                            w.set_place(p.clone(), c.field.as_str());
                        }
                    }
                }
            }
            for (g, entry, kind) in nested {
                let inherited = match kind {
                    ListKind::And => bounds.clone(),
                    ListKind::Or | ListKind::Not => Bounds::default(),
                };
                groups.push((g, entry, inherited));
            }
        }
        // Groups were visited last-in first-out; the warnings go in source
        // order (DSL) or pointer order (JSON).
        warnings.sort_by_cached_key(order);
        Ok(warnings)
    }

    /// The warnings of one condition; the typed column it compares, if any.
    fn condition<'s>(
        &'s self,
        c: &Condition,
        place: &Place<'s>,
        out: &mut Vec<Warning>,
    ) -> Option<&'s Column> {
        let warn = |code, message: String, label: &str| {
            let w = Warning::new(code, message);
            if c.span.is_empty() {
                w
            } else {
                w.with_span(c.span, label)
            }
        };
        let column = match place {
            Place::Column(column) => column,
            Place::Json { column, .. } => {
                if self.document.as_deref() == Some(*column) {
                    out.push(self.unknown(c, column, warn));
                }
                return None;
            }
        };
        let Some((code, message, label)) = typed(c, column, self) else {
            return Some(column);
        };
        let mut w = warn(code, message, label);
        if let Some(help) = value_help(c, column) {
            w = w.with_help(help);
        }
        out.push(w);
        Some(column)
    }

    /// `W0401` for a field that lives only in the document.
    fn unknown(
        &self,
        c: &Condition,
        doc: &str,
        warn: impl Fn(WarningCode, String, &str) -> Warning,
    ) -> Warning {
        let path = c.field.as_str();
        // `status.x` where `status` is a typed column: text has no fields.
        let under = self.columns.iter().find(|col| {
            col.ty != ColumnType::Json
                && path
                    .strip_prefix(col.field.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        });
        let label = match under {
            Some(col) => format!(
                "`{}` holds {}, which has no fields",
                col.field,
                holds(col.ty)
            ),
            None => format!("no column holds it; it is looked up in the `{doc}` document"),
        };
        let w = warn(
            WarningCode::UnknownField,
            format!("unknown field `{}` for table `{}`", short(path), self.table),
            &label,
        );
        // A long list (the 44 cluster fields) would bury the warning.
        match self.field_help(path, 12) {
            Some(help) => w.with_help(help),
            None => w,
        }
    }
}

/// The JSON pointer of item `i` of list `kind` of the group at `at` in
/// `trail`.
fn pointer(trail: &[(usize, ListKind, usize)], mut at: usize, kind: ListKind, i: usize) -> String {
    let mut steps = vec![(kind, i)];
    while at != 0 {
        let (parent, kind, i) = trail[at];
        steps.push((kind, i));
        at = parent;
    }
    steps
        .iter()
        .rev()
        .map(|(kind, i)| format!("/{}/{i}", kind.key()))
        .collect()
}

/// Gives a closed schema's unknown-field error the condition's place.
fn located(e: Error, span: Span, pointer: &str, label: &str) -> Error {
    let e = e.with_pointer(pointer);
    if span.is_empty() {
        e
    } else {
        e.with_span(span, label)
    }
}

/// Where a warning sorts: by span start when the filter came from the DSL,
/// else by pointer, in canonical order (`AND`, `OR`, `NOT`, then index).
fn order(w: &Warning) -> (usize, Vec<usize>) {
    let start = w.span().map_or(0, |s| s.start as usize);
    let pointer = w
        .pointer()
        .unwrap_or("")
        .split('/')
        .skip(1)
        .map(|s| match s {
            "AND" => 0,
            "OR" => 1,
            "NOT" => 2,
            index => index.parse().unwrap_or(usize::MAX),
        })
        .collect();
    (start, pointer)
}

/// Text quoted in a message, cut to 80 characters (`…` after): a message
/// names a condition, it does not copy a 64 KiB value.
fn short(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// What a typed column holds, in words.
fn holds(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text => "text",
        ColumnType::Timestamp => "date-times (as text)",
        ColumnType::Integer | ColumnType::Float => "numbers",
        ColumnType::Bool => "booleans",
        ColumnType::Json => "JSON",
    }
}

/// The column type's name with its article: `a text`, `an integer`.
fn a_type(ty: ColumnType) -> String {
    let name = ty.name();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// Whether a typed column can hold a value of `v`'s JSON type.
fn fits(ty: ColumnType, v: &Value) -> bool {
    match ty {
        ColumnType::Text | ColumnType::Timestamp => v.is_string(),
        ColumnType::Integer | ColumnType::Float => v.is_number(),
        ColumnType::Bool => v.is_boolean(),
        ColumnType::Json => true,
    }
}

/// Whether the condition is true when its positive test is false (`ne`,
/// `nin`): then a test that never holds makes it always true.
fn inverted(op: Operator) -> bool {
    matches!(op, Operator::Ne | Operator::Nin)
}

/// The warning a condition on a typed column earns, if any: code, message,
/// caret label.
fn typed(
    c: &Condition,
    column: &Column,
    schema: &Schema,
) -> Option<(WarningCode, String, &'static str)> {
    let Operand::Literal(v) = &c.value else {
        return None;
    };
    let op = c.operator;
    let (field, ty) = (short(c.field.as_str()), column.ty);
    let c = short(&c.to_string());
    let never = if inverted(op) {
        "always true"
    } else {
        "never true"
    };
    let wrong_value = |what: &Value| {
        Some((
            WarningCode::WrongValueType,
            format!(
                "`{field}` is {} column and never holds {}: `{c}` is {never}",
                a_type(ty),
                crate::check::kind(what)
            ),
            never,
        ))
    };
    let wrong_op = |needs: &str| {
        Some((
            WarningCode::WrongOperator,
            format!(
                "`{op}` needs {needs}, but `{field}` is {} column holding {}: `{c}` is {never}",
                a_type(ty),
                holds(ty)
            ),
            never,
        ))
    };
    let textual = matches!(ty, ColumnType::Text | ColumnType::Timestamp);
    let key = super::load::key_column(schema).is_some_and(|k| k.column == column.column);
    let never_null = || {
        Some((
            WarningCode::NeverNull,
            format!("`{field}` is the key and every row has it: `{c}` is {never}"),
            never,
        ))
    };
    match op {
        Operator::Eq | Operator::Ne if v.is_null() => key.then(never_null)?,
        Operator::Eq | Operator::Ne => (!fits(ty, v)).then(|| wrong_value(v))?,
        Operator::In | Operator::Nin => {
            let items = v.as_array()?;
            let fit = |item: &&Value| item.is_null() || fits(ty, item);
            let (i, bad) = items.iter().enumerate().find(|(_, item)| !fit(item))?;
            if !items.iter().any(|item| fit(&item)) {
                return wrong_value(bad);
            }
            // Another item can match: only this one is dead.
            Some((
                WarningCode::WrongValueType,
                format!(
                    "`{field}` is {} column and never holds {}: item {} of `{c}` never matches",
                    a_type(ty),
                    crate::check::kind(bad),
                    i + 1
                ),
                "an item never matches",
            ))
        }
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => match ty {
            ColumnType::Bool => wrong_op("numbers, strings or date-times"),
            _ if !fits(ty, v) => wrong_value(v),
            _ => None,
        },
        Operator::Contains if textual => (!v.is_string()).then(|| wrong_value(v))?,
        Operator::Contains => wrong_op("a string or an array"),
        Operator::StartsWith
        | Operator::EndsWith
        | Operator::Regex
        | Operator::Text
        | Operator::Phrase
        | Operator::Words => (!textual).then(|| wrong_op("a string"))?,
        Operator::GeoRadius | Operator::GeoBoundingBox | Operator::GeoPolygon => {
            wrong_op("a point (an object or an array)")
        }
        Operator::Exists | Operator::IsNull => {
            let absent = match op {
                Operator::Exists => v.as_bool() == Some(false),
                _ => v.as_bool() != Some(false),
            };
            (key && absent).then(never_null)?
        }
    }
}

/// A hint for a value of the wrong type: the condition it probably meant.
fn value_help(c: &Condition, column: &Column) -> Option<String> {
    let Operand::Literal(v) = &c.value else {
        return None;
    };
    let fixed = |value: Value, how: &str| {
        let mut meant = c.clone();
        meant.value = Operand::Literal(value);
        meant.span = Span::default();
        Some(format!("{how}: {}", short(&meant.to_string())))
    };
    match (column.ty, v) {
        (ColumnType::Integer | ColumnType::Float, Value::String(s)) => {
            let n: Number = serde_json::from_str(s.trim()).ok()?;
            fixed(Value::Number(n), "write the number without quotes")
        }
        (ColumnType::Bool, Value::String(s)) => fixed(
            Value::Bool(s.parse().ok()?),
            "write the boolean without quotes",
        ),
        (ColumnType::Text | ColumnType::Timestamp, Value::Number(n)) => fixed(
            Value::String(n.to_string()),
            "quote the value to compare text",
        ),
        _ => None,
    }
}

/// A bound of a range: the number, whether it is included, and the
/// condition that set it.
#[derive(Clone)]
struct Bound {
    value: f64,
    exact: bool,
    inclusive: bool,
    span: Span,
    /// The condition, as DSL (cut short), shared by the clones of nested
    /// groups.
    text: Rc<str>,
}

/// What the conditions of one `AND` list so far require of each typed
/// column: the tightest lower and upper bound of a number column, the value
/// a text column must equal.
#[derive(Clone, Default)]
struct Bounds {
    fields: Vec<FieldBounds>,
}

#[derive(Clone)]
struct FieldBounds {
    column: String,
    low: Option<Bound>,
    high: Option<Bound>,
    /// A text column's `eq` value lowercased, its condition's span and
    /// DSL.
    equal: Option<(Rc<str>, Span, Rc<str>)>,
}

impl Bounds {
    fn add(&mut self, c: &Condition, column: &Column, out: &mut Vec<Warning>) {
        let Operand::Literal(v) = &c.value else {
            return;
        };
        let entry = match self.fields.iter().position(|f| f.column == column.column) {
            Some(i) => &mut self.fields[i],
            None => {
                self.fields.push(FieldBounds {
                    column: column.column.clone(),
                    low: None,
                    high: None,
                    equal: None,
                });
                self.fields.last_mut().expect("just pushed")
            }
        };
        let conflict = match (column.ty, v) {
            (ColumnType::Integer | ColumnType::Float, Value::Number(n)) => entry.number(c, n),
            (ColumnType::Text, Value::String(s)) if c.operator == Operator::Eq => {
                let folded = crate::eval::lower(s);
                match &entry.equal {
                    Some((other, span, text)) if **other != *folded => {
                        Some((*span, Rc::clone(text)))
                    }
                    Some(_) => None,
                    None => {
                        let text = short(&c.to_string()).into();
                        entry.equal = Some((folded.into(), c.span, text));
                        None
                    }
                }
            }
            _ => None,
        };
        if let Some((span, other)) = conflict {
            let mut w = Warning::new(
                WarningCode::Contradiction,
                format!(
                    "`{c}` contradicts `{other}`: no value of `{}` satisfies both",
                    c.field
                ),
            );
            if !c.span.is_empty() {
                w = w.with_span(c.span, "never true together with");
                if !span.is_empty() {
                    w = w.with_note(span, "this one");
                }
            }
            out.push(w);
        }
    }
}

impl FieldBounds {
    /// Adds a numeric condition; the condition it contradicts, if any.
    fn number(&mut self, c: &Condition, n: &Number) -> Option<(Span, Rc<str>)> {
        let value = n.as_f64()?;
        // An `f64` literal is exactly its value; an integer is when it is
        // within 2^53. Rounding never reorders, so only equal bounds need
        // exact values to be judged.
        let exact = n.is_f64()
            || n.as_i64()
                .map(i64::unsigned_abs)
                .or(n.as_u64())
                .is_some_and(|u| u <= 1 << 53);
        let bound = |inclusive| Bound {
            value,
            exact,
            inclusive,
            span: c.span,
            text: short(&c.to_string()).into(),
        };
        let (low, high) = match c.operator {
            Operator::Eq => (Some(bound(true)), Some(bound(true))),
            Operator::Gt => (Some(bound(false)), None),
            Operator::Gte => (Some(bound(true)), None),
            Operator::Lt => (None, Some(bound(false))),
            Operator::Lte => (None, Some(bound(true))),
            _ => return None,
        };
        if let (Some(l), Some(h)) = (&low, &self.high) {
            if disjoint(l, h) {
                return Some((h.span, Rc::clone(&h.text)));
            }
        }
        if let (Some(l), Some(h)) = (&self.low, &high) {
            if disjoint(l, h) {
                return Some((l.span, Rc::clone(&l.text)));
            }
        }
        if let Some(l) = low {
            if self.low.as_ref().is_none_or(|o| tighter_low(&l, o)) {
                self.low = Some(l);
            }
        }
        if let Some(h) = high {
            if self.high.as_ref().is_none_or(|o| tighter_high(&h, o)) {
                self.high = Some(h);
            }
        }
        None
    }
}

/// Whether no number is at least `lo` and at most `hi` (as bounds say).
fn disjoint(lo: &Bound, hi: &Bound) -> bool {
    lo.value > hi.value
        || lo.value == hi.value && lo.exact && hi.exact && !(lo.inclusive && hi.inclusive)
}

fn tighter_low(new: &Bound, old: &Bound) -> bool {
    new.value > old.value || new.value == old.value && !new.inclusive
}

fn tighter_high(new: &Bound, old: &Bound) -> bool {
    new.value < old.value || new.value == old.value && !new.inclusive
}
