//! The filter AST: what a filter *means*, shared by every face of siftql.
//!
//! A [`Filter`] is a root [`Group`]. A group holds optional `AND`, `OR` and
//! `NOT` lists of [`Node`]s and a `case_sensitive` flag; a node is either a
//! [`Condition`] or a nested group. This is exactly the shape of the List
//! Clusters filter JSON, so the JSON codec is a one-to-one mapping and the DSL
//! printer/parser pair is built to be its exact inverse (see [`crate::parse`]).
//!
//! Every node carries a [`Span`] into the DSL source it was parsed from (JSON
//! input has no byte positions, its spans are empty). Spans are ignored by
//! `PartialEq` and `Hash`, so two filters compare equal when they mean the same
//! tree, wherever they came from.

mod print;
mod visit;

pub use crate::span::Span;
pub use print::write_dsl;
pub use visit::{Fold, GroupParts, NodeRef, Nodes, Scope};

use std::fmt;

/// A whole filter: the root group of the List Clusters `filters` object.
///
/// * `FromStr` parses the DSL, `Display` prints canonical DSL.
/// * `Serialize` writes canonical JSON, `Deserialize` accepts every JSON form
///   of [SPEC §1](crate::json) (shorthand keys, `NOT` as an object, …).
///
/// ```
/// let f: siftql::Filter = r#"status = "active" and not department = "HR""#.parse()?;
/// assert_eq!(
///     f.to_json_string(),
///     r#"{"AND":[{"field":"status","operator":"eq","value":"active"}],"NOT":[{"field":"department","operator":"eq","value":"HR"}]}"#
/// );
/// assert_eq!(f.to_string(), r#"status = "active" and not department = "HR""#);
/// # Ok::<(), siftql::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    /// The root group.
    pub root: Group,
}

impl Filter {
    /// The filter that matches everything (`{}`, DSL `true`).
    pub fn match_all() -> Filter {
        Filter::default()
    }

    /// The filter that matches nothing (`{"OR": []}`, DSL `false`).
    pub fn match_none() -> Filter {
        Filter {
            root: Group::any(Vec::new()),
        }
    }

    /// Every node of the tree in depth-first pre-order, without recursion.
    pub fn nodes(&self) -> Nodes<'_> {
        Nodes::new(&self.root)
    }

    /// Nesting depth in groups: `{}` is 1, each nested group adds one.
    pub fn depth(&self) -> usize {
        self.nodes()
            .filter(|n| matches!(n.node, NodeRef::Group(_)))
            .map(|n| n.depth + 1)
            .max()
            .unwrap_or(1)
    }

    /// Number of nodes (groups and conditions, the root included).
    pub fn node_count(&self) -> usize {
        self.nodes().count()
    }
}

impl From<Group> for Filter {
    fn from(root: Group) -> Filter {
        Filter { root }
    }
}

/// A group: `AND` items all match, at least one `OR` item matches (when the
/// list is present), no `NOT` item matches. Absent lists impose nothing;
/// `Some(vec![])` is kept distinct from `None` because the JSON distinguishes
/// `"OR": []` (false) from no `OR` key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Group {
    /// Items that must all match.
    pub and: Option<Vec<Node>>,
    /// Items of which at least one must match.
    pub or: Option<Vec<Node>>,
    /// Items of which none may match.
    pub not: Option<Vec<Node>>,
    /// Makes every condition inside case-sensitive.
    pub case_sensitive: bool,
    /// Where the group was written in the DSL source.
    pub span: Span,
}

impl Group {
    /// A group with only an `AND` list.
    pub fn all(items: Vec<Node>) -> Group {
        let mut g = Group::default();
        g.and = Some(items);
        g
    }

    /// A group with only an `OR` list.
    pub fn any(items: Vec<Node>) -> Group {
        let mut g = Group::default();
        g.or = Some(items);
        g
    }

    /// A group with only a `NOT` list.
    pub fn none(items: Vec<Node>) -> Group {
        let mut g = Group::default();
        g.not = Some(items);
        g
    }

    /// The three lists with their names, in canonical order.
    pub fn lists(&self) -> [(ListKind, Option<&Vec<Node>>); 3] {
        [
            (ListKind::And, self.and.as_ref()),
            (ListKind::Or, self.or.as_ref()),
            (ListKind::Not, self.not.as_ref()),
        ]
    }

    /// True when no list is present (`{}`).
    pub fn is_match_all(&self) -> bool {
        self.and.is_none() && self.or.is_none() && self.not.is_none()
    }

    fn take_children(&mut self, into: &mut Vec<Node>) {
        for items in [&mut self.and, &mut self.or, &mut self.not]
            .into_iter()
            .flatten()
        {
            into.append(items);
        }
    }
}

/// Dropping a deep tree must not recurse once per level: children that are
/// groups with children of their own are moved onto a heap stack and emptied
/// one at a time. (Because of this `Drop`, a `Group` cannot be built with
/// `..Default::default()`; assign the fields of a `Group::default()`, or use
/// [`Group::all`], [`Group::any`], [`Group::none`].)
impl Drop for Group {
    fn drop(&mut self) {
        let nested = |g: &Group| {
            g.lists()
                .iter()
                .flat_map(|(_, l)| l.map(|v| v.as_slice()).unwrap_or(&[]))
                .any(|n| matches!(n, Node::Group(g) if !g.is_match_all()))
        };
        if !nested(self) {
            return;
        }
        let mut stack = Vec::new();
        self.take_children(&mut stack);
        while let Some(node) = stack.pop() {
            if let Node::Group(mut g) = node {
                g.take_children(&mut stack);
            }
        }
    }
}

/// Which list of a group an item sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `NOT`
    Not,
}

impl ListKind {
    /// The JSON key: `AND`, `OR` or `NOT`.
    pub fn key(self) -> &'static str {
        match self {
            ListKind::And => "AND",
            ListKind::Or => "OR",
            ListKind::Not => "NOT",
        }
    }
}

/// An item of a group's list.
///
/// Both variants are boxed so a node is two words; a test pins that size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// A single comparison.
    Condition(Box<Condition>),
    /// A nested group.
    Group(Box<Group>),
}

impl Node {
    /// The node's span in the DSL source.
    pub fn span(&self) -> Span {
        match self {
            Node::Condition(c) => c.span,
            Node::Group(g) => g.span,
        }
    }
}

impl From<Condition> for Node {
    fn from(c: Condition) -> Node {
        Node::Condition(Box::new(c))
    }
}

impl From<Group> for Node {
    fn from(g: Group) -> Node {
        Node::Group(Box::new(g))
    }
}

/// One comparison: `field operator value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The dotted path of the field compared.
    pub field: FieldPath,
    /// What comparison is made.
    pub operator: Operator,
    /// What the field is compared with.
    pub value: Operand,
    /// Makes this condition case-sensitive (see [`Scope`]).
    pub case_sensitive: bool,
    /// Where the condition was written in the DSL source.
    pub span: Span,
}

impl Condition {
    /// A case-insensitive condition with an empty span.
    pub fn new(field: FieldPath, operator: Operator, value: impl Into<Operand>) -> Condition {
        Condition {
            field,
            operator,
            value: value.into(),
            case_sensitive: false,
            span: Span::default(),
        }
    }
}

/// The value side of a condition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A JSON literal.
    Literal(serde_json::Value),
    /// `{"type": "dynamic", "field": "inputs.q"}` (DSL `$inputs.q`): taken
    /// from the caller's bindings when the filter is compiled or evaluated.
    Dynamic(FieldPath),
}

impl From<serde_json::Value> for Operand {
    fn from(v: serde_json::Value) -> Operand {
        Operand::Literal(v)
    }
}

/// A dotted field path such as `llm_labeling.model_name`.
///
/// Segments are separated by `.` and are never empty. In the DSL a segment
/// that is not an identifier is written in backticks (`` `first name`.x ``).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(String);

impl FieldPath {
    /// Checks that the path is non-empty and has no empty segment.
    pub fn new(path: impl Into<String>) -> Result<FieldPath, InvalidPath> {
        let path = path.into();
        if path.is_empty() {
            return Err(InvalidPath("the field path is empty"));
        }
        if path.split('.').any(str::is_empty) {
            return Err(InvalidPath("the field path has an empty segment"));
        }
        Ok(FieldPath(path))
    }

    /// The dotted path as written in JSON.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments between the dots.
    pub fn segments(&self) -> std::str::Split<'_, char> {
        self.0.split('.')
    }
}

impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::str::FromStr for FieldPath {
    type Err = InvalidPath;
    fn from_str(s: &str) -> Result<FieldPath, InvalidPath> {
        FieldPath::new(s)
    }
}

/// Why a string is not a [`FieldPath`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidPath(pub &'static str);

impl fmt::Display for InvalidPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for InvalidPath {}

/// Defines [`Operator`] from one list of `Variant = "json_name",` lines:
/// the enum, [`Operator::COUNT`], [`Operator::ALL`] and the name lookups.
/// Adding an operator is one line in the invocation below (and the compiler
/// then points at every `match` that must say what it means).
macro_rules! operators {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// The operators of the List Clusters filter language
        /// ([`Operator::COUNT`] of them).
        ///
        /// `FromStr` looks an operator up by its exact JSON name, like
        /// [`Operator::from_name`], with a did-you-mean error; it is
        /// implemented next to the JSON decoder, so the tree does not depend
        /// on the error type.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operator {
            $($(#[$doc])* $variant,)*
        }

        impl Operator {
            /// How many operators there are: the length of [`Operator::ALL`].
            pub const COUNT: usize = [$(Operator::$variant,)*].len();

            /// Every operator, in the official client's order.
            pub const ALL: [Operator; Operator::COUNT] = [$(Operator::$variant,)*];

            /// The JSON name (`eq`, `starts_with`, …).
            pub fn name(self) -> &'static str {
                match self {
                    $(Operator::$variant => $name,)*
                }
            }

            /// Looks an operator up by its exact JSON name.
            pub fn from_name(name: &str) -> Option<Operator> {
                match name {
                    $($name => Some(Operator::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

operators! {
    /// Equal (any element, for arrays).
    Eq = "eq",
    /// Not equal.
    Ne = "ne",
    /// Greater than.
    Gt = "gt",
    /// Less than.
    Lt = "lt",
    /// Greater than or equal.
    Gte = "gte",
    /// Less than or equal.
    Lte = "lte",
    /// Equal to one of a list.
    In = "in",
    /// Equal to none of a list.
    Nin = "nin",
    /// Substring, or array element.
    Contains = "contains",
    /// String prefix.
    StartsWith = "starts_with",
    /// String suffix.
    EndsWith = "ends_with",
    /// Regular expression search.
    Regex = "regex",
    /// Key present (`true`) or absent (`false`).
    Exists = "exists",
    /// Null or missing (`true`), or present and not null (`false`).
    IsNull = "is_null",
    /// Case-insensitive substring.
    Text = "text",
    /// Consecutive whole words.
    Phrase = "phrase",
    /// All words, after stemming.
    Words = "words",
    /// Within a radius of a point.
    GeoRadius = "geo_radius",
    /// Inside a bounding box.
    GeoBoundingBox = "geo_bounding_box",
    /// Inside a polygon.
    GeoPolygon = "geo_polygon",
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_do_not_affect_equality() {
        let a = Condition {
            span: Span::new(0, 5),
            ..Condition::new(
                FieldPath::new("a").unwrap(),
                Operator::Eq,
                serde_json::json!(1),
            )
        };
        let mut b = a.clone();
        b.span = Span::new(7, 9);
        assert_eq!(a, b);
        b.case_sensitive = true;
        assert_ne!(a, b);
    }
}
