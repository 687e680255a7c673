//! `siftql filter`: stream records through a compiled predicate.
//!
//! JSON Lines are read one line at a time into a reused buffer and indexed
//! in place ([`RawRecord`]), so memory stays flat whatever the input size,
//! and a matching line is written out byte for byte. A JSON array of records
//! or a List Clusters response (`{"results": [...]}`) is recognised from the
//! first value and read as a whole document.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use siftql::eval::{Predicate, RawBuffer, RawRecord};
use siftql::{Filter, Limits};

use crate::Failure;

#[derive(clap::Args)]
pub struct Args {
    /// The filter (DSL, or JSON when it starts with `{`).
    expr: String,
    /// Files of records; `-` or none reads standard input.
    files: Vec<String>,
    /// Print only the number of matching records.
    #[arg(long)]
    count: bool,
    /// A value for a dynamic operand: `--bind inputs.q='"text"'` (the value is JSON).
    #[arg(long = "bind", value_name = "NAME=JSON")]
    binds: Vec<String>,
    /// Skip records that are not valid JSON objects (and say how many) instead of stopping.
    #[arg(long)]
    skip_invalid: bool,
    /// The schema warnings are checked against (JSON, or TOML when it ends
    /// in `.toml`); the default is the cluster-record schema.
    #[arg(long)]
    schema: Option<String>,
    #[command(flatten)]
    warn: crate::lint::WarnArgs,
}

/// A filter that ends too early, followed by arguments that are not files,
/// was most likely split by the shell (`siftql filter status = x FILE`):
/// the hint shows it quoted.
fn split_hint(e: siftql::Error, expr: &str, files: &[String]) -> siftql::Error {
    let at_end = e
        .span()
        .is_some_and(|s| s.start as usize >= expr.trim_end().len());
    let pieces: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .take_while(|f| *f != "-" && !std::path::Path::new(f).exists())
        .collect();
    if !at_end || pieces.is_empty() {
        return e;
    }
    let rest: Vec<&str> = files[pieces.len()..].iter().map(String::as_str).collect();
    let quoted = crate::shell_quote(&format!("{expr} {}", pieces.join(" ")));
    e.with_help(format!(
        "the filter is one argument; quote it so the shell does not split it: siftql filter {quoted}{}",
        rest.iter().map(|f| format!(" {f}")).collect::<String>()
    ))
}

struct Run<W: Write> {
    predicate: Predicate,
    out: W,
    count_only: bool,
    skip_invalid: bool,
    matched: u64,
    skipped: u64,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let filter = Filter::parse_any(&args.expr, &Limits::default())
        .map_err(|e| Failure::Bad(split_hint(e, &args.expr, &args.files), args.expr.clone()))?;
    let schema = crate::lint::schema(args.schema.as_deref())?;
    crate::lint::report(&schema, &filter, &args.expr, args.warn)?;
    let bindings = crate::db::bindings(&args.binds)?;
    let predicate =
        Predicate::compile(&filter, &bindings).map_err(|e| Failure::Bad(e, args.expr.clone()))?;
    let stdout = io::stdout();
    let mut run = Run {
        predicate,
        out: BufWriter::with_capacity(1 << 16, stdout.lock()),
        count_only: args.count,
        skip_invalid: args.skip_invalid,
        matched: 0,
        skipped: 0,
    };
    let files = if args.files.is_empty() {
        vec!["-".to_owned()]
    } else {
        args.files
    };
    let result = files.iter().try_for_each(|name| {
        let label = if name == "-" {
            None
        } else {
            Some(name.as_str())
        };
        if name == "-" {
            run.input(BufReader::with_capacity(1 << 16, io::stdin().lock()), label)
        } else {
            let file = File::open(name).map_err(|e| Failure::Other(format!("{name}: {e}")))?;
            run.input(BufReader::with_capacity(1 << 16, file), label)
        }
    });
    match result {
        Err(Failure::Other(msg)) if msg == BROKEN_PIPE => return Ok(()),
        other => other?,
    }
    if run.count_only {
        writeln!(run.out, "{}", run.matched).map_err(io_failure)?;
    }
    match run.out.flush() {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        other => other.map_err(io_failure)?,
    }
    if run.skipped > 0 {
        eprintln!("skipped {} invalid record(s)", run.skipped);
    }
    Ok(())
}

const BROKEN_PIPE: &str = "broken pipe";

fn io_failure(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::Other(BROKEN_PIPE.to_owned())
    } else {
        Failure::Other(e.to_string())
    }
}

fn first_byte(r: &mut impl BufRead) -> io::Result<Option<u8>> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => return Ok(Some(buf[i])),
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

impl<W: Write> Run<W> {
    fn bad(&mut self, place: String, msg: impl std::fmt::Display) -> Result<(), Failure> {
        if self.skip_invalid {
            self.skipped += 1;
            Ok(())
        } else {
            Err(Failure::BadInput(format!("{place}: {msg}")))
        }
    }

    fn emit(&mut self, text: &[u8]) -> Result<(), Failure> {
        self.matched += 1;
        if !self.count_only {
            self.out.write_all(text).map_err(io_failure)?;
            self.out.write_all(b"\n").map_err(io_failure)?;
        }
        Ok(())
    }

    fn input(&mut self, mut r: impl BufRead, file: Option<&str>) -> Result<(), Failure> {
        let place = |line: usize| match file {
            Some(f) => format!("{f}: line {line}"),
            None => format!("line {line}"),
        };
        // A read that fails (a directory, a device error) names what was read.
        let io_failure = |e: io::Error| match io_failure(e) {
            Failure::Other(msg) if msg != BROKEN_PIPE => {
                Failure::Other(format!("{}: {msg}", file.unwrap_or("standard input")))
            }
            other => other,
        };
        match first_byte(&mut r).map_err(io_failure)? {
            None => return Ok(()),
            Some(b'[') => return self.document(r, file),
            Some(_) => {}
        }
        let mut line = Vec::with_capacity(4096);
        let mut buffer = RawBuffer::default();
        let mut n = 0;
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line).map_err(io_failure)? == 0 {
                return Ok(());
            }
            n += 1;
            let text = trim_line(&line);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let Ok(text) = std::str::from_utf8(text) else {
                self.bad(place(n), "not UTF-8")?;
                continue;
            };
            let record = match RawRecord::parse_reusing(text, buffer) {
                Ok(rec) => rec,
                Err(e) => {
                    buffer = RawBuffer::default();
                    if n == 1 && e.is_eof() {
                        // A pretty-printed document: its first line is not a whole value.
                        let mut rest = Vec::new();
                        r.read_to_end(&mut rest).map_err(io_failure)?;
                        let mut all = line.clone();
                        all.extend_from_slice(&rest);
                        return self.document(io::Cursor::new(all), file);
                    }
                    let (place, msg) = at_column(place(n), &e);
                    self.bad(place, msg)?;
                    continue;
                }
            };
            if n == 1 && is_response(&record) {
                let text = text.as_bytes().to_vec();
                let mut all = text;
                r.read_to_end(&mut all).map_err(io_failure)?;
                return self.document(io::Cursor::new(all), file);
            }
            if self.predicate.matches(&record) {
                let bytes = record.text().as_bytes();
                self.emit(bytes)?;
            }
            buffer = record.into_buffer();
        }
    }

    /// A whole JSON document: an array of records, a List Clusters response,
    /// or a single record.
    fn document(&mut self, mut r: impl Read, file: Option<&str>) -> Result<(), Failure> {
        let place = file.map_or_else(|| "input".to_owned(), str::to_owned);
        let mut text = String::new();
        r.read_to_string(&mut text)
            .map_err(|e| Failure::BadInput(format!("{place}: {e}")))?;
        let doc: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                let (place, msg) = at_column(format!("{place}: line {}", e.line()), &e);
                return self.bad(place, msg);
            }
        };
        let records = match doc {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Object(mut m) if m.get("results").is_some_and(|v| v.is_array()) => {
                match m.remove("results") {
                    Some(serde_json::Value::Array(items)) => items,
                    _ => unreachable!("checked above"),
                }
            }
            one @ serde_json::Value::Object(_) => vec![one],
            _ => {
                return self.bad(
                    place,
                    "expected JSON Lines, an array of records or {\"results\": [...]}",
                )
            }
        };
        for (i, record) in records.iter().enumerate() {
            if !record.is_object() {
                self.bad(format!("{place}: record {}", i + 1), "not a JSON object")?;
                continue;
            }
            if self.predicate.matches(record) {
                self.emit(record.to_string().as_bytes())?;
            }
        }
        Ok(())
    }
}

/// A JSON error's message without serde_json's ` at line L column C`
/// suffix, and the column: the caller says the place once, as the user
/// counts lines (`line 2, column 2: …`).
fn json_message(e: &serde_json::Error) -> (String, usize) {
    let text = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&at) {
        Some(msg) => (msg.to_owned(), e.column()),
        None => (text, 0),
    }
}

/// `place` (`FILE: line N`) with the column of a JSON error, then its
/// message.
fn at_column(place: String, e: &serde_json::Error) -> (String, String) {
    match json_message(e) {
        (msg, 0) => (place, msg),
        (msg, column) => (format!("{place}, column {column}"), msg),
    }
}

/// A List Clusters response on one line: `results` (an array) beside
/// `pagination` or `total_count`.
fn is_response(record: &RawRecord<'_>) -> bool {
    let v: serde_json::Value = match serde_json::from_str(record.text()) {
        Ok(v) => v,
        Err(_) => return false,
    };
    v.get("results").is_some_and(|r| r.is_array())
        && (v.get("pagination").is_some() || v.get("total_count").is_some())
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
