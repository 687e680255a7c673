//! [`ClusterRecord`], the typed List Clusters record: its fields, generated
//! by `cluster_record!`, and how each kind of typed field is emitted
//! ([`Emit`]), read as one leaf ([`AsLeaf`]) and handed to [`Accessors`]
//! (the `access!` macro).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::json::{direct, walk};
use super::{Direct, Field, Found, Leaf, Record};
use crate::eval::Accessors;

/// Emits a typed field's value(s) at the end of a path, or walks into it when
/// the path goes on.
trait Emit {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F);
}

/// A typed field's value as one leaf: what [`Emit::emit`] reports for an
/// empty rest of the path.
trait AsLeaf {
    fn leaf(&self) -> Leaf<'_>;
}

/// Hands a typed field's reader to the [`Accessors`] method for its kind.
trait Access: Sized {
    fn access<R, T, G>(to: T, get: G) -> T::Output
    where
        T: Accessors<R>,
        G: for<'a> Fn(&'a R) -> &'a Field<Self> + Send + Sync + 'static;
}

/// `impl Access for T`: `T => kind(f => read)` hands `to.kind` a function
/// that reads the field `f` as `read`.
macro_rules! access {
    ($($ty:ty => $kind:ident($f:ident => $read:expr),)*) => {$(
        impl Access for $ty {
            fn access<R, T, G>(to: T, get: G) -> T::Output
            where
                T: Accessors<R>,
                G: for<'a> Fn(&'a R) -> &'a Field<Self> + Send + Sync + 'static,
            {
                to.$kind(move |r: &R| {
                    let $f = get(r);
                    $read
                })
            }
        }
    )*};
}

access! {
    String => string(f => f.as_deref()),
    Number => number(f => f.by_ref()),
    bool => boolean(f => f.by_ref().map(|b| *b)),
    Vec<String> => direct(f => field_direct(f)),
    Value => direct(f => field_direct(f)),
}

impl Emit for String {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        if rest.is_empty() {
            found(Leaf::Str(self));
        }
    }
}

impl AsLeaf for String {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::Str(self)
    }
}

impl Emit for Number {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        if rest.is_empty() {
            found(Leaf::from(self));
        }
    }
}

impl AsLeaf for Number {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::from(self)
    }
}

impl Emit for bool {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        if rest.is_empty() {
            found(Leaf::Bool(*self));
        }
    }
}

impl AsLeaf for bool {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::Bool(*self)
    }
}

impl Emit for Vec<String> {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        match rest {
            [] => {
                found(Leaf::Strs(self));
            }
            [index] => {
                if let Some(s) = index.parse::<usize>().ok().and_then(|i| self.get(i)) {
                    found(Leaf::Str(s));
                }
            }
            _ => {}
        }
    }
}

impl AsLeaf for Vec<String> {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::Strs(self)
    }
}

impl Emit for Value {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        walk(self, rest, found);
    }
}

impl AsLeaf for Value {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::from(self)
    }
}

#[inline]
fn field_direct<T: AsLeaf>(field: &Field<T>) -> Direct<'_> {
    match field {
        Field::Missing => Direct::Missing,
        Field::Null => Direct::Value(Leaf::Null),
        Field::Value(v) => Direct::Value(v.leaf()),
    }
}

impl<T: Emit> Emit for Field<T> {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        match self {
            Field::Missing => {}
            Field::Null => {
                if rest.is_empty() {
                    found(Leaf::Null);
                }
            }
            Field::Value(v) => v.emit(rest, found),
        }
    }
}

macro_rules! cluster_record {
    ($($(#[$doc:meta])* $name:ident: $ty:ty,)*) => {
        /// A List Clusters record (the seed's response `results` item): every
        /// documented field typed, open objects as JSON, and any field the
        /// documents do not name kept in `extra`. Fields tell missing from
        /// `null` ([`Field`]).
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct ClusterRecord {
            $($(#[$doc])* #[serde(skip_serializing_if = "Field::is_missing")] pub $name: Field<$ty>,)*
            /// Fields the documents do not name.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }

        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy)]
        #[repr(u16)]
        enum ClusterField { $($name,)* }

        impl Record for ClusterRecord {
            fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
                let rest = &path[1..];
                match &*path[0] {
                    $(stringify!($name) => self.$name.emit(rest, found),)*
                    other => {
                        if let Some(v) = self.extra.get(other) {
                            walk(v, rest, found);
                        }
                    }
                }
            }

            fn slot(name: &str) -> Option<u16> {
                match name {
                    $(stringify!($name) => Some(ClusterField::$name as u16),)*
                    _ => None,
                }
            }

            fn lookup_slot<F: Found>(&self, slot: u16, rest: &[Box<str>], found: &mut F) {
                match ClusterField::from_slot(slot) {
                    $(Some(ClusterField::$name) => self.$name.emit(rest, found),)*
                    None => {}
                }
            }

            #[inline]
            fn get(&self, name: &str) -> Direct<'_> {
                match Self::slot(name) {
                    Some(slot) => self.get_slot(slot),
                    None => direct(self.extra.get(name)),
                }
            }

            #[inline(always)]
            fn get_slot(&self, slot: u16) -> Direct<'_> {
                match slot {
                    $(Slot::$name => field_direct(&self.$name),)*
                    _ => Direct::Lookup,
                }
            }

            fn accessor<T: Accessors<Self>>(name: &str, to: T) -> Option<T::Output> {
                match name {
                    $(stringify!($name) => Some(<$ty as Access>::access(to, |r: &ClusterRecord| &r.$name)),)*
                    _ => None,
                }
            }
        }

        /// The slot numbers, usable as patterns.
        struct Slot;

        #[allow(non_upper_case_globals)]
        impl Slot {
            $(const $name: u16 = ClusterField::$name as u16;)*
        }

        impl ClusterField {
            const ALL: &[ClusterField] = &[$(ClusterField::$name,)*];

            #[inline]
            fn from_slot(slot: u16) -> Option<ClusterField> {
                ClusterField::ALL.get(usize::from(slot)).copied()
            }
        }
    };
}

cluster_record! {
    /// Human-readable name.
    cluster_name: String,
    /// Namespace the cluster belongs to.
    namespace_id: String,
    /// Collections clustered.
    input_collections: Vec<String>,
    /// Unique id.
    cluster_id: String,
    /// Source buckets.
    source_bucket_ids: Vec<String>,
    /// The filters the cluster was built with.
    filters: Value,
    /// Feature URIs used.
    feature_uris: Vec<String>,
    /// How several features combine.
    multi_feature_strategy: String,
    /// Learned feature weights.
    learned_weights: Value,
    /// Quality of the learned weights.
    learning_quality_score: Number,
    /// Feature method in effect.
    effective_feature_method: String,
    /// Face-cluster merge settings.
    face_cluster_merge: Value,
    /// Sample size.
    sample_size: Number,
    /// Preprocessing steps.
    preprocessing_steps: Value,
    /// Hierarchical vectors.
    hierarchical_vector: bool,
    /// Maximum hierarchy depth.
    max_hierarchy_depth: Number,
    /// Attributes clustered.
    clustered_attributes: Vec<String>,
    /// Hierarchical grouping.
    hierarchical_grouping: bool,
    /// Aggregation method.
    aggregation_method: String,
    /// Output collection ids.
    output_collection_ids: Vec<String>,
    /// Output collection names.
    output_collection_names: Vec<String>,
    /// Clustering algorithm.
    algorithm: String,
    /// Algorithm parameters.
    algorithm_params: Value,
    /// Whether source documents are enriched.
    enrich_source: bool,
    /// Enrichment settings.
    source_enrichment_config: Value,
    /// LLM labelling settings.
    llm_labeling: Value,
    /// Number of clusters found.
    num_clusters: Number,
    /// Number of documents clustered.
    num_documents_clustered: Number,
    /// Execution time.
    execution_time_seconds: Number,
    /// Quality metrics.
    quality_metrics: Value,
    /// Whether a hierarchy was detected.
    hierarchy_detected: bool,
    /// Parent cluster.
    parent_cluster_id: String,
    /// Child clusters.
    child_cluster_ids: Vec<String>,
    /// Hierarchy relationships.
    hierarchy_relationships: Value,
    /// Status (`PENDING`, `COMPLETED`, …).
    status: String,
    /// Error message.
    error: String,
    /// Last execution task.
    last_execution_task_id: String,
    /// Last run.
    last_run_id: String,
    /// Creation time (RFC 3339).
    created_at: String,
    /// Update time (RFC 3339).
    updated_at: String,
    /// Last execution time (RFC 3339).
    last_executed_at: String,
    /// Completion time (RFC 3339).
    completed_at: String,
    /// LLM labelling errors.
    llm_labeling_errors: Vec<String>,
    /// Free-form metadata.
    metadata: Value,
}
