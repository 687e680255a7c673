//! Where each field lives in a table.

use serde::{Deserialize, Serialize};

use crate::ast::FieldPath;
use crate::error::{did_you_mean, Error, ErrorCode};

/// The SQL type of a typed column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text.
    Text,
    /// A whole number.
    Integer,
    /// A floating-point number.
    Float,
    /// A boolean.
    Bool,
    /// An RFC 3339 date-time or date, kept as text and compared as an instant.
    Timestamp,
    /// A JSON document; the field's path continues inside it.
    Json,
}

impl ColumnType {
    /// The name used in schema files: `text`, `integer`, ….
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Float => "float",
            ColumnType::Bool => "bool",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Json => "json",
        }
    }
}

/// One column: the field path it holds, its name and type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The field path (`status`, `metadata`).
    pub field: String,
    /// The column name.
    pub column: String,
    /// The column type. A `json` column also serves every path below its
    /// field (`metadata.team` lives inside the `metadata` column).
    #[serde(rename = "type")]
    pub ty: ColumnType,
}

/// Maps field paths to columns of one table.
///
/// * A field with a typed column compiles to that column.
/// * A field below a `json` column compiles to a path inside it.
/// * Any other field: an **open** schema looks it up inside the `document`
///   column (the whole record as JSON), so it matches nothing when absent; a
///   **closed** schema rejects it, suggesting the nearest known field.
///
/// Schemas can be written in code or read from JSON (`--schema FILE`):
///
/// ```json
/// {"table": "items", "open": false,
///  "columns": [{"field": "name", "column": "name", "type": "text"},
///              {"field": "meta", "column": "meta", "type": "json"}]}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The table name.
    pub table: String,
    /// Typed and JSON columns.
    #[serde(default)]
    pub columns: Vec<Column>,
    /// The column holding each whole record as JSON, if any.
    #[serde(default)]
    pub document: Option<String>,
    /// Whether unknown fields are looked up in `document` (true) or rejected.
    #[serde(default)]
    pub open: bool,
}

/// Where a field path lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place<'s> {
    /// A typed column.
    Column(&'s Column),
    /// A path inside a JSON column (possibly empty: the column itself).
    Json { column: &'s str, path: Vec<String> },
}

/// Columns of the cluster record (the seed's List Clusters response).
const CLUSTER_COLUMNS: &[(&str, ColumnType)] = &[
    ("cluster_id", ColumnType::Text),
    ("cluster_name", ColumnType::Text),
    ("namespace_id", ColumnType::Text),
    ("status", ColumnType::Text),
    ("algorithm", ColumnType::Text),
    ("multi_feature_strategy", ColumnType::Text),
    ("effective_feature_method", ColumnType::Text),
    ("aggregation_method", ColumnType::Text),
    ("parent_cluster_id", ColumnType::Text),
    ("error", ColumnType::Text),
    ("last_execution_task_id", ColumnType::Text),
    ("last_run_id", ColumnType::Text),
    ("num_clusters", ColumnType::Float),
    ("num_documents_clustered", ColumnType::Float),
    ("execution_time_seconds", ColumnType::Float),
    ("learning_quality_score", ColumnType::Float),
    ("sample_size", ColumnType::Float),
    ("max_hierarchy_depth", ColumnType::Float),
    ("hierarchical_vector", ColumnType::Bool),
    ("hierarchical_grouping", ColumnType::Bool),
    ("enrich_source", ColumnType::Bool),
    ("hierarchy_detected", ColumnType::Bool),
    ("created_at", ColumnType::Timestamp),
    ("updated_at", ColumnType::Timestamp),
    ("last_executed_at", ColumnType::Timestamp),
    ("completed_at", ColumnType::Timestamp),
    ("input_collections", ColumnType::Json),
    ("source_bucket_ids", ColumnType::Json),
    ("filters", ColumnType::Json),
    ("feature_uris", ColumnType::Json),
    ("learned_weights", ColumnType::Json),
    ("face_cluster_merge", ColumnType::Json),
    ("preprocessing_steps", ColumnType::Json),
    ("clustered_attributes", ColumnType::Json),
    ("output_collection_ids", ColumnType::Json),
    ("output_collection_names", ColumnType::Json),
    ("algorithm_params", ColumnType::Json),
    ("source_enrichment_config", ColumnType::Json),
    ("llm_labeling", ColumnType::Json),
    ("quality_metrics", ColumnType::Json),
    ("child_cluster_ids", ColumnType::Json),
    ("hierarchy_relationships", ColumnType::Json),
    ("llm_labeling_errors", ColumnType::Json),
    ("metadata", ColumnType::Json),
];

impl Schema {
    /// The default schema for cluster records: table `clusters`, a typed
    /// column for each top-level scalar field of the seed's record, a JSON
    /// column for each array and object field, and the whole record in the
    /// JSON column `doc` (which `query` returns unchanged). Open: other
    /// fields are looked up inside `doc`.
    pub fn clusters() -> Schema {
        Schema {
            table: "clusters".to_owned(),
            columns: CLUSTER_COLUMNS
                .iter()
                .map(|&(name, ty)| Column {
                    field: name.to_owned(),
                    column: name.to_owned(),
                    ty,
                })
                .collect(),
            document: Some("doc".to_owned()),
            open: true,
        }
    }

    /// Reads a schema from TOML: the same keys as the JSON form, columns as
    /// `[[columns]]` tables.
    ///
    /// ```
    /// let s = siftql::sql::Schema::from_toml_str(r#"
    /// table = "items"
    /// [[columns]]
    /// field = "name"
    /// column = "name"
    /// type = "text"
    /// "#)?;
    /// assert_eq!(s.columns.len(), 1);
    /// # Ok::<(), siftql::Error>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Schema, Error> {
        let schema: Schema = toml::from_str(text)
            .map_err(|e| Error::new(ErrorCode::InvalidSchema, format!("invalid schema: {e}")))?;
        schema.validate()?;
        Ok(schema)
    }

    /// Reads a schema from JSON.
    pub fn from_json_str(text: &str) -> Result<Schema, Error> {
        let schema: Schema = serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorCode::InvalidSchema, format!("invalid schema: {e}")))?;
        schema.validate()?;
        Ok(schema)
    }

    fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::new(ErrorCode::InvalidSchema, m));
        if self.open && self.document.is_none() {
            return bad("an open schema needs a `document` column".to_owned());
        }
        for c in &self.columns {
            if FieldPath::new(c.field.as_str()).is_err() {
                return bad(format!("invalid field path `{}` in the schema", c.field));
            }
        }
        Ok(())
    }

    /// Where `field` lives, or an error naming the nearest known field.
    pub(crate) fn place(&self, field: &FieldPath) -> Result<Place<'_>, Error> {
        let path = field.as_str();
        if let Some(c) = self.columns.iter().find(|c| c.field == path) {
            return Ok(match c.ty {
                ColumnType::Json => Place::Json {
                    column: &c.column,
                    path: Vec::new(),
                },
                _ => Place::Column(c),
            });
        }
        let json_prefix = self.columns.iter().find(|c| {
            c.ty == ColumnType::Json
                && path
                    .strip_prefix(c.field.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        });
        if let Some(c) = json_prefix {
            let rest = &path[c.field.len() + 1..];
            return Ok(Place::Json {
                column: &c.column,
                path: rest.split('.').map(str::to_owned).collect(),
            });
        }
        match (&self.document, self.open) {
            (Some(doc), true) => Ok(Place::Json {
                column: doc,
                path: field.segments().map(str::to_owned).collect(),
            }),
            _ => {
                let e = Error::new(
                    ErrorCode::UnknownField,
                    format!("unknown field `{path}` for table `{}`", self.table),
                );
                Err(match self.field_help(path, usize::MAX) {
                    Some(help) => e.with_help(help),
                    None => e,
                })
            }
        }
    }

    /// The hint for an unknown field: the nearest known field, or the list
    /// of them when there are at most `list_up_to`.
    pub(crate) fn field_help(&self, path: &str, list_up_to: usize) -> Option<String> {
        let known = self.columns.iter().map(|c| c.field.as_str());
        match did_you_mean(path, known) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if self.columns.len() <= list_up_to => Some(format!(
                "known fields: {}",
                self.columns
                    .iter()
                    .map(|c| c.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => None,
        }
    }
}
