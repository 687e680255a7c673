#!/usr/bin/env python3
"""The official Python client (`mixpeek` on PyPI) against `siftql serve`:
every answer must parse with the client's own response models.

    pip install mixpeek
    python3 tests/python/mixpeek_client.py http://127.0.0.1:PORT

The server must hold records the client's `ClusterMetadata` model accepts
(the script loads none itself); `tests/python/clusters.jsonl` has some:

    siftql serve --db sqlite:/tmp/py.db --load tests/python/clusters.jsonl --addr 127.0.0.1:8080
"""
import sys

import mixpeek
from mixpeek.models.list_clusters_request import ListClustersRequest

url = sys.argv[1]
api = mixpeek.ClustersApi(mixpeek.ApiClient(mixpeek.Configuration(host=url)))

# The seed's request, as the client builds it: nothing matches.
seed = ListClustersRequest.from_dict({
    "filters": {
        "AND": [{"field": "name", "operator": "eq", "value": "John"},
                {"field": "age", "operator": "gte", "value": 30}],
        "OR": [{"field": "status", "operator": "eq", "value": "active"},
               {"field": "role", "operator": "eq", "value": "admin"}],
        "NOT": [{"field": "department", "operator": "eq", "value": "HR"},
                {"field": "location", "operator": "eq", "value": "remote"}],
        "case_sensitive": True,
    },
    "sort": {"field": "created_at", "direction": "desc"},
    "search": "<string>",
})
r = api.list_clusters(list_clusters_request=seed)
assert r.total_count == 0 and r.results == [], r

# Cluster fields, a sort, pages by number and by cursor.
body = ListClustersRequest.from_dict({
    "filters": {"AND": [{"field": "status", "operator": "in", "value": ["COMPLETED", "FAILED"]}]},
    "sort": {"field": "created_at", "direction": "desc"},
    "limit": 2,
})
first = api.list_clusters(list_clusters_request=body, include_total=True)
assert first.total_count > 2 and len(first.results) == 2, first
assert first.pagination.next_cursor and first.pagination.next_page == "2", first.pagination
seen = [c.cluster_id for c in first.results]
page = first
while page.pagination.next_cursor:
    page = api.list_clusters(list_clusters_request=body, cursor=page.pagination.next_cursor)
    seen += [c.cluster_id for c in page.results]
assert len(seen) == len(set(seen)) == first.total_count, seen
assert sum(first.stats.clusters_by_status.values()) == first.total_count
again = api.list_clusters(list_clusters_request=body, page=2, limit=2)
assert [c.cluster_id for c in again.results] == seen[2:4]
print(f"ok: {first.total_count} clusters over {first.pagination.total_pages} pages, "
      f"stats {first.stats.to_dict()}")
