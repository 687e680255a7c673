//! Walking the tree without recursion: a pre-order iterator ([`Nodes`]) and a
//! bottom-up [`Fold`] that backends implement.
//!
//! Both keep their state on the heap, so a tree of any depth built through the
//! public API can be walked without overflowing the stack.

use super::{Condition, Filter, Group, ListKind, Node};

/// A borrowed node: the root group has no [`Node`] around it, so visits hand
/// out this instead.
#[derive(Clone, Copy, Debug)]
pub enum NodeRef<'a> {
    /// A condition.
    Condition(&'a Condition),
    /// A group (the root included).
    Group(&'a Group),
}

/// One step of [`Nodes`].
#[derive(Clone, Copy, Debug)]
pub struct Visit<'a> {
    /// 0 for the root group, 1 for its items, …
    pub depth: usize,
    /// The list the node sits in (`None` for the root).
    pub list: Option<ListKind>,
    /// The node.
    pub node: NodeRef<'a>,
}

/// Pre-order, depth-first iterator over a filter's nodes ([`Filter::nodes`]).
#[derive(Debug)]
pub struct Nodes<'a> {
    stack: Vec<Visit<'a>>,
}

impl<'a> Nodes<'a> {
    pub(crate) fn new(root: &'a Group) -> Nodes<'a> {
        Nodes {
            stack: vec![Visit {
                depth: 0,
                list: None,
                node: NodeRef::Group(root),
            }],
        }
    }
}

impl<'a> Iterator for Nodes<'a> {
    type Item = Visit<'a>;

    fn next(&mut self) -> Option<Visit<'a>> {
        let visit = self.stack.pop()?;
        if let NodeRef::Group(g) = visit.node {
            // Pushed in reverse so that items come out in canonical order.
            for (kind, list) in g.lists().into_iter().rev() {
                for node in list.into_iter().flatten().rev() {
                    self.stack.push(Visit {
                        depth: visit.depth + 1,
                        list: Some(kind),
                        node: match node {
                            Node::Condition(c) => NodeRef::Condition(c),
                            Node::Group(g) => NodeRef::Group(g),
                        },
                    });
                }
            }
        }
        Some(visit)
    }
}

/// What is in force where a node stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// True when the node or any group around it has `case_sensitive: true`
    /// (SPEC §3: `false` never switches sensitivity off inside a sensitive group).
    pub case_sensitive: bool,
    /// 0 for the root group, 1 for its items, …
    pub depth: usize,
    /// True when the node stands inside an odd number of `NOT` lists, so
    /// that what it matches is excluded (its polarity is negative).
    pub negated: bool,
}

/// The folded items of one group, list by list, in the group's order.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupParts<T> {
    /// Results of the `AND` items (`None` when the list is absent).
    pub and: Option<Vec<T>>,
    /// Results of the `OR` items.
    pub or: Option<Vec<T>>,
    /// Results of the `NOT` items.
    pub not: Option<Vec<T>>,
}

impl<T> GroupParts<T> {
    fn list(&mut self, kind: ListKind) -> &mut Option<Vec<T>> {
        match kind {
            ListKind::And => &mut self.and,
            ListKind::Or => &mut self.or,
            ListKind::Not => &mut self.not,
        }
    }
}

/// A bottom-up fold over a filter: the shape every backend has (compile each
/// condition, then combine a group's compiled items).
///
/// [`Filter::fold`] drives it with an explicit stack, so an implementation
/// never recurses and is safe on trees of any depth.
///
/// ```
/// use siftql::{Condition, Filter, Fold, Group, GroupParts, Scope};
///
/// /// Counts the conditions that are case-sensitive where they stand.
/// struct Sensitive;
/// impl Fold for Sensitive {
///     type Output = usize;
///     type Error = std::convert::Infallible;
///     fn condition(&mut self, _: &Condition, scope: Scope) -> Result<usize, Self::Error> {
///         Ok(scope.case_sensitive as usize)
///     }
///     fn group(&mut self, _: &Group, parts: GroupParts<usize>, _: Scope) -> Result<usize, Self::Error> {
///         Ok([parts.and, parts.or, parts.not].into_iter().flatten().flatten().sum())
///     }
/// }
/// let f: Filter = "a = 1 and case_sensitive(b = 2 or c = 3)".parse().unwrap();
/// assert_eq!(f.fold(&mut Sensitive), Ok(2));
/// ```
pub trait Fold {
    /// What a node folds into.
    type Output;
    /// Why folding stops.
    type Error;
    /// Folds one condition.
    fn condition(
        &mut self,
        condition: &Condition,
        scope: Scope,
    ) -> Result<Self::Output, Self::Error>;
    /// Folds a group from its items' results.
    fn group(
        &mut self,
        group: &Group,
        parts: GroupParts<Self::Output>,
        scope: Scope,
    ) -> Result<Self::Output, Self::Error>;
}

struct Frame<'a, T> {
    group: &'a Group,
    scope: Scope,
    /// Where this group's result goes in its parent.
    slot: ListKind,
    list: usize,
    item: usize,
    parts: GroupParts<T>,
}

impl<'a, T> Frame<'a, T> {
    fn new(group: &'a Group, scope: Scope, slot: ListKind) -> Frame<'a, T> {
        let with_room = |l: &Option<Vec<Node>>| l.as_ref().map(|v| Vec::with_capacity(v.len()));
        Frame {
            group,
            scope,
            slot,
            list: 0,
            item: 0,
            parts: GroupParts {
                and: with_room(&group.and),
                or: with_room(&group.or),
                not: with_room(&group.not),
            },
        }
    }

    fn next_child(&mut self) -> Option<(ListKind, &'a Node)> {
        let lists = self.group.lists();
        while self.list < lists.len() {
            let (kind, list) = lists[self.list];
            if let Some(node) = list.and_then(|l| l.get(self.item)) {
                self.item += 1;
                return Some((kind, node));
            }
            self.list += 1;
            self.item = 0;
        }
        None
    }

    fn push(&mut self, kind: ListKind, out: T) {
        if let Some(list) = self.parts.list(kind) {
            list.push(out);
        }
    }
}

impl Filter {
    /// Runs a [`Fold`] over the filter, bottom-up, without recursion.
    pub fn fold<F: Fold>(&self, fold: &mut F) -> Result<F::Output, F::Error> {
        let root_scope = Scope {
            case_sensitive: self.root.case_sensitive,
            depth: 0,
            negated: false,
        };
        let mut stack = vec![Frame::new(&self.root, root_scope, ListKind::And)];
        loop {
            let top = stack.last_mut().expect("the root frame is popped last");
            let inner = Scope {
                case_sensitive: top.scope.case_sensitive,
                depth: top.scope.depth + 1,
                negated: top.scope.negated,
            };
            match top.next_child() {
                Some((kind, Node::Condition(c))) => {
                    let scope = Scope {
                        case_sensitive: inner.case_sensitive || c.case_sensitive,
                        negated: inner.negated ^ (kind == ListKind::Not),
                        ..inner
                    };
                    let out = fold.condition(c, scope)?;
                    top.push(kind, out);
                }
                Some((kind, Node::Group(g))) => {
                    let scope = Scope {
                        case_sensitive: inner.case_sensitive || g.case_sensitive,
                        negated: inner.negated ^ (kind == ListKind::Not),
                        ..inner
                    };
                    stack.push(Frame::new(g, scope, kind));
                }
                None => {
                    let frame = stack.pop().expect("checked above");
                    let out = fold.group(frame.group, frame.parts, frame.scope)?;
                    match stack.last_mut() {
                        Some(parent) => parent.push(frame.slot, out),
                        None => return Ok(out),
                    }
                }
            }
        }
    }
}
