"""siftql: filters for the List Clusters API.

Write filters the way people talk -- ``status = "active" and not department = "HR"`` --
and get the AND/OR/NOT filter JSON the API takes, an evaluator over records,
and SQL for PostgreSQL, MySQL/MariaDB and SQLite, all from the siftql Rust crate,
so a filter means the same here, in a Rust server and in the database.

>>> import siftql
>>> siftql.parse('status = "active" and not department = "HR"')
{'AND': [{'field': 'status', 'operator': 'eq', 'value': 'active'}], 'NOT': [{'field': 'department', 'operator': 'eq', 'value': 'HR'}]}
>>> siftql.to_dsl({"AND": [{"field": "num_clusters", "operator": "gte", "value": 5}]})
'num_clusters >= 5'
"""

from ._siftql import (
    Filter,
    FilterError,
    Predicate,
    check,
    loads,
    parse,
    to_dsl,
    to_json,
    to_sql,
)

__all__ = [
    "Filter",
    "FilterError",
    "Predicate",
    "check",
    "loads",
    "parse",
    "to_dsl",
    "to_json",
    "to_sql",
]
