//! Encoding: the canonical JSON of a filter (see "Canonical output" in the
//! [module docs](super)).
//!
//! The layout is written once: [`group_entries`] says which keys a group
//! has, in order, and [`SerCondition`] writes a condition. Two drivers walk
//! the tree with them: the `Serialize` impl, which recurses through serde
//! (so it works with any serializer, up to [`MAX_SERIALIZE_DEPTH`]), and
//! [`Filter::to_json_string`], which keeps its work on a heap stack and
//! writes conditions through the same `Serialize` impl, so trees of any depth
//! come out byte for byte as `serde_json::to_string` writes them.

use serde::ser::{self, SerializeMap, SerializeSeq};
use serde_json::Value;

use crate::ast::{Condition, Filter, Group, ListKind, Node, Operand};
use crate::error::{Error, ErrorCode};

/// Deepest tree that `Serialize` (which recurses through serde) accepts;
/// [`Filter::to_json_string`] and `Display` have no such bound.
pub const MAX_SERIALIZE_DEPTH: usize = 512;

impl Filter {
    /// Canonical JSON text, compact. Works for trees of any depth.
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::with_capacity(64);
        write_canonical(self, &mut out);
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Canonical JSON as a `serde_json::Value`.
    ///
    /// Fails only for trees deeper than [`MAX_SERIALIZE_DEPTH`], which no
    /// parser produces but the public API can build.
    pub fn to_json_value(&self) -> Result<Value, Error> {
        serde_json::to_value(self).map_err(|e| Error::new(ErrorCode::TooDeep, e.to_string()))
    }
}

/// One key of a group's canonical object.
enum GroupEntry<'a> {
    /// `"AND"`, `"OR"` or `"NOT"` and its items.
    List(ListKind, &'a [Node]),
    /// `"case_sensitive": true`
    CaseSensitive,
}

/// The keys of a group's canonical object, in order: the lists that are
/// present (`AND`, `OR`, `NOT`), then `case_sensitive` only where it is true.
fn group_entries(g: &Group) -> impl Iterator<Item = GroupEntry<'_>> {
    g.lists()
        .into_iter()
        .filter_map(|(kind, list)| list.map(|items| GroupEntry::List(kind, items)))
        .chain(g.case_sensitive.then_some(GroupEntry::CaseSensitive))
}

/// One unit of pending output of [`write_canonical`].
enum JsonPiece<'a> {
    Str(&'static str),
    /// An object key and its colon.
    Key(&'static str),
    Group(&'a Group),
    Cond(&'a Condition),
}

/// The canonical JSON of `filter`, without recursion over groups.
fn write_canonical(filter: &Filter, out: &mut Vec<u8>) {
    let mut stack = vec![JsonPiece::Group(&filter.root)];
    let mut next = Vec::new();
    while let Some(piece) = stack.pop() {
        match piece {
            JsonPiece::Str(s) => out.extend_from_slice(s.as_bytes()),
            JsonPiece::Key(k) => {
                json(out, k);
                out.push(b':');
            }
            JsonPiece::Cond(c) => json(out, &SerCondition(c)),
            JsonPiece::Group(g) => {
                next.push(JsonPiece::Str("{"));
                for (i, entry) in group_entries(g).enumerate() {
                    if i > 0 {
                        next.push(JsonPiece::Str(","));
                    }
                    match entry {
                        GroupEntry::List(kind, items) => {
                            next.extend([JsonPiece::Key(kind.key()), JsonPiece::Str("[")]);
                            for (i, n) in items.iter().enumerate() {
                                if i > 0 {
                                    next.push(JsonPiece::Str(","));
                                }
                                next.push(match n {
                                    Node::Condition(c) => JsonPiece::Cond(c),
                                    Node::Group(g) => JsonPiece::Group(g),
                                });
                            }
                            next.push(JsonPiece::Str("]"));
                        }
                        GroupEntry::CaseSensitive => {
                            next.extend([JsonPiece::Key("case_sensitive"), JsonPiece::Str("true")]);
                        }
                    }
                }
                next.push(JsonPiece::Str("}"));
                stack.extend(next.drain(..).rev());
            }
        }
    }
}

fn json<T: ser::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(out, v).expect("a str, a Value or a condition always writes to a Vec");
}

impl ser::Serialize for Filter {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.depth() > MAX_SERIALIZE_DEPTH {
            return Err(ser::Error::custom(format_args!(
                "filter nests deeper than {MAX_SERIALIZE_DEPTH} groups; use Filter::to_json_string"
            )));
        }
        SerGroup(&self.root).serialize(s)
    }
}

struct SerGroup<'a>(&'a Group);
struct SerList<'a>(&'a [Node]);
/// A condition's canonical object: `field`, `operator`, `value`, then
/// `case_sensitive` only where it is true.
struct SerCondition<'a>(&'a Condition);
struct SerOperand<'a>(&'a Operand);

impl ser::Serialize for SerGroup<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for entry in group_entries(self.0) {
            match entry {
                GroupEntry::List(kind, items) => m.serialize_entry(kind.key(), &SerList(items))?,
                GroupEntry::CaseSensitive => m.serialize_entry("case_sensitive", &true)?,
            }
        }
        m.end()
    }
}

impl ser::Serialize for SerList<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for n in self.0 {
            match n {
                Node::Condition(c) => seq.serialize_element(&SerCondition(c))?,
                Node::Group(g) => seq.serialize_element(&SerGroup(g))?,
            }
        }
        seq.end()
    }
}

impl ser::Serialize for SerCondition<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("field", c.field.as_str())?;
        m.serialize_entry("operator", c.operator.name())?;
        m.serialize_entry("value", &SerOperand(&c.value))?;
        if c.case_sensitive {
            m.serialize_entry("case_sensitive", &true)?;
        }
        m.end()
    }
}

impl ser::Serialize for SerOperand<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Operand::Literal(v) => v.serialize(s),
            Operand::Dynamic(p) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", "dynamic")?;
                m.serialize_entry("field", p.as_str())?;
                m.end()
            }
        }
    }
}
