//! Rust `regex` patterns written in another engine's syntax, matching
//! exactly the same texts.
//!
//! The pattern is parsed with `regex-syntax` as the evaluator's `regex`
//! parses it (Unicode, case folding when case-insensitive), and its HIR —
//! where every class, `.`, `\w`, `\d`, `\s` and case-folded letter is
//! already an explicit set of code points — is written back out:
//!
//! * classes as bracket expressions of code-point escapes, so no engine's
//!   own idea of `\w` or of case is used;
//! * `^`/`$` (no `m` flag) as start and end of the text, `(?m)` line anchors
//!   as look-arounds on `\n`;
//! * word boundaries (`\b`, `\B`, `\b{start}`, …) as look-arounds on the
//!   word class, ASCII or Unicode as the pattern says;
//! * groups as non-capturing groups, repetition as bounds; laziness is
//!   dropped, since only whether the text matches is asked.
//!
//! [`Flavor::Postgres`] is PostgreSQL's ARE (`~`); [`Flavor::Pcre`] is the
//! syntax MariaDB's PCRE2 and MySQL 8's ICU share (`REGEXP`), led by
//! `(?-i)` so that a case-insensitive collation does not fold case.
//! Constructs with no exact translation are refused with
//! [`Untranslatable`]: CRLF line anchors, byte-oriented classes (`(?-u)`
//! on non-ASCII), a NUL character on PostgreSQL (whose text cannot hold
//! one), a repetition bound over PostgreSQL's 255, and translations over
//! [`MAX_TRANSLATED_BYTES`] ([`MAX_PCRE_TRANSLATED_BYTES`] for PCRE).

use std::fmt::Write;
use std::sync::OnceLock;

use regex_syntax::hir::{Class, ClassUnicode, Hir, HirKind, Look};

/// The regular-expression syntax a translation is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// PostgreSQL advanced regular expressions (`~`).
    Postgres,
    /// PCRE2 (MariaDB `REGEXP`) and ICU (MySQL 8 `REGEXP`), in the syntax
    /// both read.
    Pcre,
}

/// The largest translation written for PostgreSQL (bytes, with a bounded
/// repetition's group counted once per copy): a pattern whose classes
/// expand beyond this (say, many Unicode word boundaries) is refused.
pub const MAX_TRANSLATED_BYTES: usize = 256 * 1024;

/// The same for [`Flavor::Pcre`]: PCRE2 (as MariaDB builds it) refuses a
/// compiled pattern over 64 K code units, which three Unicode word
/// boundaries (153 KB of translation) exceed and two (102 KB) do not.
pub const MAX_PCRE_TRANSLATED_BYTES: usize = 112 * 1024;

/// PostgreSQL's largest repetition bound (`RE_DUP_MAX`).
const POSTGRES_MAX_BOUND: u32 = 255;

/// Why a pattern has no exact translation: the construct, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Untranslatable(pub &'static str);

/// `pattern` (Rust `regex` syntax; `ci`: case-insensitive, as the
/// evaluator's `case_insensitive(true)`) in `flavor`'s syntax. An invalid
/// pattern is refused too (the filter's check reports it first).
pub fn translate(pattern: &str, ci: bool, flavor: Flavor) -> Result<String, Untranslatable> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(ci)
        .build()
        .parse(pattern)
        .map_err(|_| Untranslatable("an invalid pattern"))?;
    let mut w = Writer {
        flavor,
        out: String::new(),
    };
    if flavor == Flavor::Pcre {
        w.out.push_str("(?-i)");
    }
    let cost = w.hir(&hir)?;
    let most = match flavor {
        Flavor::Postgres => MAX_TRANSLATED_BYTES,
        Flavor::Pcre => MAX_PCRE_TRANSLATED_BYTES,
    };
    if cost > most {
        return Err(Untranslatable("a pattern whose translation is too long"));
    }
    Ok(w.out)
}

struct Writer {
    flavor: Flavor,
    out: String,
}

impl Writer {
    /// Writes `hir`; returns its cost: the bytes written, with what a
    /// bounded repetition repeats counted once per copy (engines compile a
    /// copy of the group for each).
    fn hir(&mut self, hir: &Hir) -> Result<usize, Untranslatable> {
        let start = self.out.len();
        // Cost beyond the bytes written.
        let mut extra = 0;
        match hir.kind() {
            HirKind::Empty => self.out.push_str("(?:)"),
            HirKind::Literal(lit) => {
                let text = std::str::from_utf8(&lit.0)
                    .map_err(|_| Untranslatable("a byte literal that is not UTF-8"))?;
                for c in text.chars() {
                    self.char(c)?;
                }
            }
            HirKind::Class(Class::Unicode(class)) => self.class(class, false)?,
            HirKind::Class(Class::Bytes(class)) => {
                // ASCII-only byte classes are character classes too.
                let Some(class) = class.to_unicode_class() else {
                    return Err(Untranslatable("a byte class beyond ASCII (`(?-u)`)"));
                };
                self.class(&class, false)?;
            }
            HirKind::Look(look) => self.look(*look)?,
            HirKind::Repetition(rep) => {
                if self.flavor == Flavor::Postgres
                    && rep.max.unwrap_or(rep.min).max(rep.min) > POSTGRES_MAX_BOUND
                {
                    return Err(Untranslatable("a repetition bound over 255"));
                }
                self.out.push_str("(?:");
                let before = self.out.len();
                let cost = self.hir(&rep.sub)?;
                let copies = match rep.max {
                    Some(n) => n.max(1),
                    None => rep.min.max(1) + u32::from(rep.min > 1),
                };
                extra += (cost * copies as usize).saturating_sub(self.out.len() - before);
                self.out.push(')');
                match (rep.min, rep.max) {
                    (0, None) => self.out.push('*'),
                    (1, None) => self.out.push('+'),
                    (0, Some(1)) => self.out.push('?'),
                    (m, None) => write!(self.out, "{{{m},}}").expect("a String"),
                    (m, Some(n)) if m == n => write!(self.out, "{{{m}}}").expect("a String"),
                    (m, Some(n)) => write!(self.out, "{{{m},{n}}}").expect("a String"),
                }
            }
            HirKind::Capture(cap) => {
                self.out.push_str("(?:");
                extra += self.sub(&cap.sub)?;
                self.out.push(')');
            }
            HirKind::Concat(items) => {
                for h in items {
                    extra += self.sub(h)?;
                }
            }
            HirKind::Alternation(items) => {
                self.out.push_str("(?:");
                for (i, h) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push('|');
                    }
                    extra += self.sub(h)?;
                }
                self.out.push(')');
            }
        }
        Ok(self.out.len() - start + extra)
    }

    /// Writes a part of a node; returns its cost beyond the bytes written.
    fn sub(&mut self, hir: &Hir) -> Result<usize, Untranslatable> {
        let before = self.out.len();
        let cost = self.hir(hir)?;
        Ok(cost.saturating_sub(self.out.len() - before))
    }

    /// One code point, as an escape unless an ASCII letter or digit.
    fn char(&mut self, c: char) -> Result<(), Untranslatable> {
        if c.is_ascii_alphanumeric() {
            self.out.push(c);
            return Ok(());
        }
        self.escape(c)
    }

    fn escape(&mut self, c: char) -> Result<(), Untranslatable> {
        let n = u32::from(c);
        match self.flavor {
            Flavor::Postgres if n == 0 => {
                return Err(Untranslatable(
                    "a NUL character (PostgreSQL text holds none)",
                ))
            }
            Flavor::Postgres if n <= 0xFFFF => write!(self.out, "\\u{n:04X}"),
            Flavor::Postgres => write!(self.out, "\\U{n:08X}"),
            Flavor::Pcre => write!(self.out, "\\x{{{n:X}}}"),
        }
        .expect("a String");
        Ok(())
    }

    /// A bracket expression of the class's ranges (`negate`: its
    /// complement). PostgreSQL text holds no NUL, so a range from NUL
    /// starts at U+0001 there; a class left empty matches nothing.
    fn class(&mut self, class: &ClassUnicode, negate: bool) -> Result<(), Untranslatable> {
        let mut ranges: Vec<(char, char)> = class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect();
        if self.flavor == Flavor::Postgres {
            ranges.retain_mut(|(a, b)| {
                if *a == '\0' {
                    *a = '\u{1}';
                }
                *a <= *b && *b != '\0'
            });
        }
        if ranges.is_empty() {
            return Err(Untranslatable("a class that matches nothing"));
        }
        self.out.push('[');
        if negate {
            self.out.push('^');
        }
        for (a, b) in ranges {
            self.escape(a)?;
            if b != a {
                self.out.push('-');
                self.escape(b)?;
            }
        }
        self.out.push(']');
        Ok(())
    }

    fn look(&mut self, look: Look) -> Result<(), Untranslatable> {
        let (start, end) = match self.flavor {
            Flavor::Postgres => ("^", "$"),
            Flavor::Pcre => ("\\A", "\\z"),
        };
        match look {
            Look::Start => self.out.push_str(start),
            Look::End => self.out.push_str(end),
            Look::StartLF => {
                write!(self.out, "(?:{start}|(?<=").expect("a String");
                self.escape('\n')?;
                self.out.push_str("))");
            }
            Look::EndLF => {
                write!(self.out, "(?:{end}|(?=").expect("a String");
                self.escape('\n')?;
                self.out.push_str("))");
            }
            Look::StartCRLF | Look::EndCRLF => {
                return Err(Untranslatable("a CRLF line anchor (`(?Rm)`)"))
            }
            Look::WordAscii
            | Look::WordAsciiNegate
            | Look::WordStartAscii
            | Look::WordEndAscii
            | Look::WordStartHalfAscii
            | Look::WordEndHalfAscii => self.boundary(look, ascii_word())?,
            Look::WordUnicode
            | Look::WordUnicodeNegate
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartHalfUnicode
            | Look::WordEndHalfUnicode => self.boundary(look, unicode_word())?,
        }
        Ok(())
    }

    /// A word-boundary assertion as look-arounds on the word class `w`.
    fn boundary(&mut self, look: Look, w: &ClassUnicode) -> Result<(), Untranslatable> {
        // Each part: (behind, ahead), true meaning "is a word character".
        let parts: &[(Option<bool>, Option<bool>)] = match look {
            Look::WordAscii | Look::WordUnicode => {
                &[(Some(true), Some(false)), (Some(false), Some(true))]
            }
            Look::WordAsciiNegate | Look::WordUnicodeNegate => {
                &[(Some(true), Some(true)), (Some(false), Some(false))]
            }
            Look::WordStartAscii | Look::WordStartUnicode => &[(Some(false), Some(true))],
            Look::WordEndAscii | Look::WordEndUnicode => &[(Some(true), Some(false))],
            Look::WordStartHalfAscii | Look::WordStartHalfUnicode => &[(Some(false), None)],
            Look::WordEndHalfAscii | Look::WordEndHalfUnicode => &[(None, Some(false))],
            _ => unreachable!("only word boundaries come here"),
        };
        self.out.push_str("(?:");
        for (i, (behind, ahead)) in parts.iter().enumerate() {
            if i > 0 {
                self.out.push('|');
            }
            if let Some(word) = behind {
                self.out.push_str(if *word { "(?<=" } else { "(?<!" });
                self.class(w, false)?;
                self.out.push(')');
            }
            if let Some(word) = ahead {
                self.out.push_str(if *word { "(?=" } else { "(?!" });
                self.class(w, false)?;
                self.out.push(')');
            }
        }
        self.out.push(')');
        Ok(())
    }
}

/// The class `pattern` (one class, as `regex-syntax` reads it).
fn class_of(pattern: &str) -> ClassUnicode {
    match regex_syntax::parse(pattern).map(Hir::into_kind) {
        Ok(HirKind::Class(Class::Unicode(c))) => c,
        other => unreachable!("{pattern} is one Unicode class, not {other:?}"),
    }
}

/// `\w` in Unicode mode, parsed once.
fn unicode_word() -> &'static ClassUnicode {
    static W: OnceLock<ClassUnicode> = OnceLock::new();
    W.get_or_init(|| class_of(r"\w"))
}

/// `\w` in ASCII mode: `[0-9A-Za-z_]`, parsed once.
fn ascii_word() -> &'static ClassUnicode {
    static W: OnceLock<ClassUnicode> = OnceLock::new();
    W.get_or_init(|| class_of(r"[0-9A-Za-z_]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_digits_stay_and_the_rest_is_escaped() {
        assert_eq!(translate("ab1", false, Flavor::Postgres).unwrap(), "ab1");
        assert_eq!(
            translate("a.b", false, Flavor::Pcre).unwrap(),
            r"(?-i)a[\x{0}-\x{9}\x{B}-\x{10FFFF}]b"
        );
        assert_eq!(
            translate(r"a\+é", false, Flavor::Postgres).unwrap(),
            r"a\u002B\u00E9"
        );
        assert_eq!(
            translate("😀", false, Flavor::Pcre).unwrap(),
            r"(?-i)\x{1F600}"
        );
        assert_eq!(
            translate("😀", false, Flavor::Postgres).unwrap(),
            r"\U0001F600"
        );
    }

    #[test]
    fn refusals_name_the_construct() {
        let refused = |p: &str, f| translate(p, false, f).unwrap_err().0;
        assert_eq!(
            refused("(?Rm)^a", Flavor::Postgres),
            "a CRLF line anchor (`(?Rm)`)"
        );
        assert_eq!(
            refused("\\x00", Flavor::Postgres),
            "a NUL character (PostgreSQL text holds none)"
        );
        assert_eq!(
            refused("a{256}", Flavor::Postgres),
            "a repetition bound over 255"
        );
        assert!(translate("a{256}", false, Flavor::Pcre).is_ok());
        assert_eq!(
            refused("[a&&b]", Flavor::Pcre),
            "a class that matches nothing"
        );
        assert_eq!(refused("(", Flavor::Pcre), "an invalid pattern");
    }
}
