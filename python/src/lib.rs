//! `siftql` for Python: the DSL, the strict JSON decoder with its
//! diagnostics, the evaluator and the SQL compiler of the Rust crate, as
//! the native module `siftql._siftql` (re-exported by `siftql/__init__.py`).
//!
//! Filters cross the boundary as canonical JSON: a `dict` goes to Rust
//! through `json.dumps` and comes back through `json.loads`, so a filter
//! means exactly what the Rust decoder says it means. Records are read in
//! place: [`PyRecord`] looks up only the fields a predicate asks for, and
//! `filter_lines` evaluates batches of lines with the interpreter released.

use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;
use siftql::eval::{Bindings, Found, Leaf, Predicate, RawBuffer, RawRecord, Record};
use siftql::sql::{build, compile_rechecked, compile_with, to_inline, Dialect, Schema};
use siftql::{Error, Filter, Limits};

create_exception!(
    _siftql,
    FilterError,
    PyValueError,
    "A filter (or a value given with it) that siftql refuses. `code` is the \
     stable error code (`E0103`), `span` the `(start, end)` byte range in the \
     text or `None`, `pointer` the JSON pointer or `None`, `help` the hint or \
     `None`; `str()` is the rendering with the source line and a caret."
);

/// A siftql error as a `FilterError`, rendered against `source`.
fn filter_error(py: Python<'_>, e: &Error, source: &str) -> PyErr {
    let err = FilterError::new_err(e.render(source));
    let value = err.value(py);
    let set = |name: &str, v: Bound<'_, PyAny>| value.setattr(name, v);
    let none = || py.None().into_bound(py);
    let attrs = (|| -> PyResult<()> {
        set("code", PyString::new(py, e.code().as_str()).into_any())?;
        set("message", PyString::new(py, e.message()).into_any())?;
        set(
            "span",
            match e.span() {
                Some(s) => PyTuple::new(py, [s.range().start, s.range().end])?.into_any(),
                None => none(),
            },
        )?;
        set(
            "pointer",
            e.pointer()
                .map_or_else(none, |p| PyString::new(py, p).into_any()),
        )?;
        set(
            "help",
            e.help()
                .map_or_else(none, |h| PyString::new(py, h).into_any()),
        )
    })();
    match attrs {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// The limits given as keyword arguments (`max_depth=…`); the defaults of
/// `siftql::Limits` for the others. An unknown keyword is a `TypeError`.
fn limits(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Limits> {
    let mut l = Limits::default();
    let Some(kwargs) = kwargs else {
        return Ok(l);
    };
    for (k, v) in kwargs.iter() {
        let name: String = k.extract()?;
        let n: usize = v.extract()?;
        match name.as_str() {
            "max_input_bytes" => l.max_input_bytes = n,
            "max_depth" => l.max_depth = n,
            "max_nodes" => l.max_nodes = n,
            "max_list_len" => l.max_list_len = n,
            "max_regex_bytes" => l.max_regex_bytes = n,
            "max_string_bytes" => l.max_string_bytes = n,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "unknown keyword argument `{name}`; the limits are max_input_bytes, \
                     max_depth, max_nodes, max_list_len, max_regex_bytes, max_string_bytes"
                )))
            }
        }
    }
    Ok(l)
}

/// A filter from what Python code holds: DSL or JSON text, a `Filter`, a
/// `dict` of the filter JSON, or a model with `to_dict()` / `model_dump()`
/// (the official client's request models).
fn filter_of(obj: &Bound<'_, PyAny>, limits: &Limits) -> PyResult<Filter> {
    let py = obj.py();
    if let Ok(f) = obj.cast::<PyFilter>() {
        return Ok(f.get().0.clone());
    }
    if let Ok(text) = obj.cast::<PyString>() {
        let text = text.to_cow()?;
        return Filter::parse_any(&text, limits).map_err(|e| filter_error(py, &e, &text));
    }
    let data = if obj.is_instance_of::<PyDict>() {
        obj.clone()
    } else if obj.hasattr("to_dict")? {
        obj.call_method0("to_dict")?
    } else if obj.hasattr("model_dump")? {
        let kwargs = PyDict::new(py);
        kwargs.set_item("by_alias", true)?;
        kwargs.set_item("exclude_none", true)?;
        obj.call_method("model_dump", (), Some(&kwargs))?
    } else {
        return Err(PyTypeError::new_err(format!(
            "a filter is DSL or JSON text, a dict, or a siftql.Filter; got {}",
            obj.get_type().name()?
        )));
    };
    let text: String = py
        .import("json")?
        .call_method1("dumps", (data,))?
        .extract()?;
    Filter::from_json_str_with(&text, limits).map_err(|e| filter_error(py, &e, &text))
}

/// A filter's canonical JSON as Python objects, through `json.loads`
/// (which builds them faster than object-by-object calls from Rust: it
/// shares the repeated keys).
fn filter_dict<'py>(py: Python<'py>, f: &Filter) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?
        .call_method1("loads", (f.to_json_string(),))
}

/// A filter, parsed once: `str()` is its canonical DSL, `to_dict()` its
/// canonical JSON as Python objects; equal filters compare and hash equal.
#[pyclass(name = "Filter", module = "siftql", frozen, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
struct PyFilter(Filter);

#[pymethods]
impl PyFilter {
    /// Parses DSL or JSON text, or reads a `dict` of filter JSON.
    #[new]
    #[pyo3(signature = (filter, **limits))]
    fn new(filter: &Bound<'_, PyAny>, limits: Option<&Bound<'_, PyDict>>) -> PyResult<PyFilter> {
        Ok(PyFilter(filter_of(filter, &self::limits(limits)?)?))
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "siftql.Filter({})",
            serde_json::to_string(&self.0.to_string())
                .map_err(|e| { PyValueError::new_err(e.to_string()) })?
        ))
    }

    /// The canonical filter JSON as Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        filter_dict(py, &self.0)
    }

    /// The canonical filter JSON text.
    fn to_json(&self) -> String {
        self.0.to_json_string()
    }
}

/// `siftql.parse(dsl, **limits)`: the canonical filter JSON of a DSL (or
/// JSON) filter, as Python objects.
#[pyfunction]
#[pyo3(signature = (dsl, **limits))]
fn parse<'py>(
    py: Python<'py>,
    dsl: &str,
    limits: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let f =
        Filter::parse_any(dsl, &self::limits(limits)?).map_err(|e| filter_error(py, &e, dsl))?;
    filter_dict(py, &f)
}

/// `siftql.loads(json_str, **limits)`: filter JSON in any accepted form,
/// checked strictly, as canonical Python objects.
#[pyfunction]
#[pyo3(signature = (json, **limits))]
fn loads<'py>(
    py: Python<'py>,
    json: &str,
    limits: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let f = Filter::from_json_str_with(json, &self::limits(limits)?)
        .map_err(|e| filter_error(py, &e, json))?;
    filter_dict(py, &f)
}

/// `siftql.to_dsl(filter, **limits)`: the canonical one-line DSL.
#[pyfunction]
#[pyo3(signature = (filter, **limits))]
fn to_dsl(filter: &Bound<'_, PyAny>, limits: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    Ok(filter_of(filter, &self::limits(limits)?)?.to_string())
}

/// `siftql.to_json(filter, **limits)`: the canonical filter JSON text.
#[pyfunction]
#[pyo3(signature = (filter, **limits))]
fn to_json(filter: &Bound<'_, PyAny>, limits: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    Ok(filter_of(filter, &self::limits(limits)?)?.to_json_string())
}

/// A schema from `None` (the cluster schema), JSON text, or a `dict`.
fn schema_of(py: Python<'_>, schema: Option<&Bound<'_, PyAny>>) -> PyResult<Schema> {
    let Some(schema) = schema.filter(|s| !s.is_none()) else {
        return Ok(Schema::clusters());
    };
    let text: String = if let Ok(s) = schema.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else {
        py.import("json")?
            .call_method1("dumps", (schema,))?
            .extract()?
    };
    Schema::from_json_str(&text).map_err(|e| filter_error(py, &e, &text))
}

/// `siftql.check(filter, schema=None, **limits)`: the warnings the filter
/// draws against the schema (default: the cluster schema), as dicts with
/// `code`, `message`, `span`, `pointer`, `help` and `rendered` (the caret
/// rendering). A closed schema's unknown field raises `FilterError`.
#[pyfunction]
#[pyo3(signature = (filter, schema = None, **limits))]
fn check<'py>(
    py: Python<'py>,
    filter: &Bound<'py, PyAny>,
    schema: Option<&Bound<'py, PyAny>>,
    limits: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyList>> {
    let f = filter_of(filter, &self::limits(limits)?)?;
    let source = match filter.cast::<PyString>() {
        Ok(s) => s.to_cow()?.into_owned(),
        Err(_) => f.to_json_string(),
    };
    let warnings = schema_of(py, schema)?
        .check(&f)
        .map_err(|e| filter_error(py, &e, &source))?;
    let json = source.trim_start().starts_with('{');
    let out = PyList::empty(py);
    for w in warnings {
        let w = if json { w.locate_json(&source) } else { w };
        let d = PyDict::new(py);
        d.set_item("code", w.code().as_str())?;
        d.set_item("message", w.message())?;
        d.set_item("span", w.span().map(|s| (s.range().start, s.range().end)))?;
        d.set_item("pointer", w.pointer())?;
        d.set_item("help", w.help())?;
        d.set_item("rendered", w.render(&source))?;
        out.append(d)?;
    }
    Ok(out)
}

/// Bindings for dynamic values (`$inputs.q`) from a `dict` of JSON values.
fn bindings_of(py: Python<'_>, bindings: Option<&Bound<'_, PyAny>>) -> PyResult<Bindings> {
    let Some(b) = bindings.filter(|b| !b.is_none()) else {
        return Ok(Bindings::new());
    };
    let text: String = py.import("json")?.call_method1("dumps", (b,))?.extract()?;
    serde_json::from_str(&text)
        .map_err(|e| PyTypeError::new_err(format!("bindings must be a dict of JSON values: {e}")))
}

/// `siftql.Predicate(filter, bindings=None, **limits)`: a filter compiled
/// for evaluation.
#[pyclass(name = "Predicate", module = "siftql", frozen)]
struct PyPredicate(Predicate);

/// Lines handed to the evaluator at once, with the interpreter released
/// (and shared out over the cores).
const BATCH: usize = 8192;

#[pymethods]
impl PyPredicate {
    #[new]
    #[pyo3(signature = (filter, bindings = None, **limits))]
    fn new(
        py: Python<'_>,
        filter: &Bound<'_, PyAny>,
        bindings: Option<&Bound<'_, PyAny>>,
        limits: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyPredicate> {
        let f = filter_of(filter, &self::limits(limits)?)?;
        let b = bindings_of(py, bindings)?;
        let p = Predicate::compile(&f, &b).map_err(|e| filter_error(py, &e, &f.to_string()))?;
        Ok(PyPredicate(p))
    }

    /// Whether a record (a `dict`, as `json.loads` gives) matches. Only the
    /// fields the filter names are read.
    fn matches(&self, record: &Bound<'_, PyAny>) -> bool {
        self.0.matches(&PyRecord(record))
    }

    /// The records of an iterable that match, in order, as a list.
    fn filter<'py>(&self, records: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(records.py());
        for r in records.try_iter()? {
            let r = r?;
            if self.0.matches(&PyRecord(&r)) {
                out.append(r)?;
            }
        }
        Ok(out)
    }

    /// The lines (`str` or `bytes`, one JSON object each) that match, as a
    /// list of the same objects. Lines are evaluated in batches with the
    /// interpreter released, on every core, so other threads run meanwhile; no Python
    /// object is made for a record. Blank lines are skipped; a line that is
    /// not a JSON object raises `ValueError` naming its number.
    fn filter_lines<'py>(&self, lines: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let py = lines.py();
        let out = PyList::empty(py);
        let mut iter = lines.try_iter()?;
        let mut batch: Vec<Bound<'py, PyAny>> = Vec::with_capacity(BATCH);
        let mut text = String::new();
        let mut ends: Vec<usize> = Vec::with_capacity(BATCH);
        let mut first_line = 1usize;
        loop {
            batch.clear();
            ends.clear();
            text.clear();
            for line in iter.by_ref().take(BATCH) {
                let line = line?;
                if let Ok(s) = line.cast::<PyString>() {
                    text.push_str(&s.to_cow()?);
                } else if let Ok(b) = line.cast::<PyBytes>() {
                    let bytes = b.as_bytes();
                    let s = std::str::from_utf8(bytes).map_err(|e| {
                        PyValueError::new_err(format!(
                            "line {}: not UTF-8 ({e})",
                            first_line + batch.len()
                        ))
                    })?;
                    text.push_str(s);
                } else {
                    return Err(PyTypeError::new_err(format!(
                        "line {}: expected str or bytes, got {}",
                        first_line + batch.len(),
                        line.get_type().name()?
                    )));
                }
                ends.push(text.len());
                batch.push(line);
            }
            if batch.is_empty() {
                return Ok(out);
            }
            let predicate = &self.0;
            let (hits, failed) = py.detach(|| evaluate(predicate, &text, &ends));
            for (line, hit) in batch.iter().zip(&hits) {
                if *hit {
                    out.append(line)?;
                }
            }
            if let Some((i, e)) = failed {
                return Err(PyValueError::new_err(format!(
                    "line {}: {e}",
                    first_line + i
                )));
            }
            first_line += batch.len();
        }
    }
}

/// Evaluates the lines of `text` that end at `ends` (a batch), on every
/// core: the batch is cut into one run of lines per thread. Returns whether
/// each line matched, up to the first line that is not a JSON object, and
/// that line's index and error.
fn evaluate(
    predicate: &Predicate,
    text: &str,
    ends: &[usize],
) -> (Vec<bool>, Option<(usize, String)>) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let per = ends.len().div_ceil(threads).max(64);
    let runs: Vec<(usize, &[usize])> = ends
        .chunks(per)
        .enumerate()
        .map(|(k, run)| (k * per, run))
        .collect();
    let one = |(first, run): (usize, &[usize])| {
        let mut start = if first == 0 { 0 } else { ends[first - 1] };
        let mut hits = Vec::with_capacity(run.len());
        let mut buffer = RawBuffer::default();
        for (i, &end) in run.iter().enumerate() {
            let line = text[start..end].trim();
            start = end;
            if line.is_empty() {
                hits.push(false);
                continue;
            }
            match RawRecord::parse_reusing(line, buffer) {
                Ok(record) => {
                    hits.push(predicate.matches(&record));
                    buffer = record.into_buffer();
                }
                Err(e) => return (hits, Some((first + i, e.to_string()))),
            }
        }
        (hits, None)
    };
    let results: Vec<_> = if runs.len() == 1 {
        runs.into_iter().map(one).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = runs
                .into_iter()
                .map(|run| scope.spawn(move || one(run)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let mut hits = Vec::with_capacity(ends.len());
    for (run, failed) in results {
        hits.extend(run);
        if failed.is_some() {
            return (hits, failed);
        }
    }
    (hits, None)
}

/// A Python record (`dict`, `list`, scalars) read in place: each lookup
/// walks the path through the objects, as `siftql::eval` walks JSON (an
/// array met on the way is searched element by element, a number segment
/// indexes it). Values of types JSON lacks count as missing.
struct PyRecord<'a, 'py>(&'a Bound<'py, PyAny>);

impl Record for PyRecord<'_, '_> {
    fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
        walk(self.0, path, found);
    }
}

thread_local! {
    /// Python strings of the path segments looked up on this thread: a
    /// `dict` lookup with a string made once (its hash kept) instead of a
    /// new one for every record. Cleared when it grows past 4,096 keys.
    static KEYS: std::cell::RefCell<std::collections::HashMap<Box<str>, Py<PyString>>> =
        std::cell::RefCell::default();
}

/// The Python string for a path segment, from [`KEYS`].
fn key<'py>(py: Python<'py>, seg: &str) -> PyResult<Bound<'py, PyString>> {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(k) = keys.get(seg) {
            return Ok(k.bind(py).clone());
        }
        if keys.len() >= 4096 {
            keys.clear();
        }
        let k = PyString::new(py, seg);
        keys.insert(seg.into(), k.clone().unbind());
        Ok(k)
    })
}

/// Reports the values at `path` below `v`; true when `found` asked to stop.
fn walk<F: Found>(v: &Bound<'_, PyAny>, path: &[Box<str>], found: &mut F) -> bool {
    let Some((seg, rest)) = path.split_first() else {
        return leaf(v, found);
    };
    if let Ok(d) = v.cast::<PyDict>() {
        return match key(d.py(), seg).and_then(|k| d.get_item(k)) {
            Ok(Some(child)) => walk(&child, rest, found),
            _ => false,
        };
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let Ok(items) = v.try_iter() else {
            return false;
        };
        if let Ok(i) = seg.parse::<usize>() {
            return v.get_item(i).is_ok_and(|child| walk(&child, rest, found));
        }
        for item in items.flatten() {
            if item.is_instance_of::<PyDict>() && walk(&item, path, found) {
                return true;
            }
        }
    }
    false
}

/// Reports one value; arrays and objects go as JSON.
fn leaf<F: Found>(v: &Bound<'_, PyAny>, found: &mut F) -> bool {
    if v.is_none() {
        return found(Leaf::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return found(Leaf::Bool(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        if let Ok(i) = v.extract::<i64>() {
            return found(Leaf::I64(i));
        }
        if let Ok(u) = v.extract::<u64>() {
            return found(Leaf::U64(u));
        }
        return v.extract::<f64>().is_ok_and(|f| found(Leaf::F64(f)));
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return found(Leaf::F64(f.value()));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return s.to_cow().is_ok_and(|s| found(Leaf::Str(&s)));
    }
    match json_value(v) {
        Some(j) => found(Leaf::Json(&j)),
        None => false,
    }
}

/// A `list`, `tuple` or `dict` of JSON values as a `serde_json::Value`.
fn json_value(v: &Bound<'_, PyAny>) -> Option<Value> {
    let py = v.py();
    if !(v.is_instance_of::<PyList>()
        || v.is_instance_of::<PyTuple>()
        || v.is_instance_of::<PyDict>())
    {
        return None;
    }
    let text: String = py
        .import("json")
        .ok()?
        .call_method1("dumps", (v,))
        .ok()?
        .extract()
        .ok()?;
    serde_json::from_str(&text).ok()
}

/// Bound SQL values as Python objects.
fn params<'py>(py: Python<'py>, values: &sea_query::Values) -> PyResult<Bound<'py, PyList>> {
    use sea_query::Value as V;
    let out = PyList::empty(py);
    for v in &values.0 {
        match v {
            V::Bool(Some(b)) => out.append(*b)?,
            V::BigInt(Some(i)) => out.append(*i)?,
            V::Int(Some(i)) => out.append(*i)?,
            V::Double(Some(f)) => out.append(*f)?,
            V::String(Some(s)) => out.append(s.as_str())?,
            _ => out.append(py.None())?,
        }
    }
    Ok(out)
}

/// `siftql.to_sql(filter, dialect="postgres", schema=None, inline=False,
/// bindings=None, recheck=False, **limits)`: `(sql, params)`, the `SELECT`
/// over the schema's table with its values bound (`inline=True` writes them
/// into the SQL, escaped, and gives no params). With `recheck=True` a
/// condition the dialect cannot say exactly is not refused: the SQL is a
/// superset prefilter and the result is `(sql, params, residual)`, where
/// `residual` is the `Predicate` each returned document must pass (`None`
/// when the SQL is exact).
#[pyfunction]
#[pyo3(signature = (filter, dialect = "postgres", schema = None, inline = false, bindings = None, recheck = false, **limits))]
#[allow(clippy::too_many_arguments)]
fn to_sql<'py>(
    py: Python<'py>,
    filter: &Bound<'py, PyAny>,
    dialect: &str,
    schema: Option<&Bound<'py, PyAny>>,
    inline: bool,
    bindings: Option<&Bound<'py, PyAny>>,
    recheck: bool,
    limits: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let f = filter_of(filter, &self::limits(limits)?)?;
    let source = f.to_string();
    let d: Dialect = dialect
        .parse()
        .map_err(|e: Error| filter_error(py, &e, dialect))?;
    let schema = schema_of(py, schema)?;
    let b = bindings_of(py, bindings)?;
    let compiled = if recheck {
        compile_rechecked(&f, &schema, d, &b)
    } else {
        compile_with(&f, &schema, d, &b)
    }
    .map_err(|e| filter_error(py, &e, &source))?;
    let select = compiled.select();
    let (sql, values) = if inline {
        (to_inline(&select, d), PyList::empty(py))
    } else {
        let (sql, values) = build(&select, d);
        (sql, params(py, &values)?)
    };
    if !recheck {
        return PyTuple::new(py, [sql.into_pyobject(py)?.into_any(), values.into_any()]);
    }
    let residual = match compiled.residual() {
        Some(_) => {
            let p = Predicate::compile(&f, &b).map_err(|e| filter_error(py, &e, &source))?;
            Bound::new(py, PyPredicate(p))?.into_any()
        }
        None => py.None().into_bound(py),
    };
    PyTuple::new(
        py,
        [
            sql.into_pyobject(py)?.into_any(),
            values.into_any(),
            residual,
        ],
    )
}

#[pymodule]
fn _siftql(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FilterError", m.py().get_type::<FilterError>())?;
    m.add_class::<PyFilter>()?;
    m.add_class::<PyPredicate>()?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(to_dsl, m)?)?;
    m.add_function(wrap_pyfunction!(to_json, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(to_sql, m)?)?;
    Ok(())
}
