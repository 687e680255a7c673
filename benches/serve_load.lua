-- wrk script for `siftql serve`: POSTs the bodies of benches/serve_load.py
-- (generated from it; `BODIES=1` runs only the 20-condition filter) in
-- turn. `errors` counts connection errors, timeouts and answers that are
-- not 2xx.
local bodies = {
  "{\"filter\": \"status in [\\\"completed\\\", \\\"failed\\\", \\\"running\\\"] and num_clusters >= 2 and num_clusters <= 60 and num_documents_clustered > 100 and execution_time_seconds < 5000 and algorithm in [\\\"kmeans\\\", \\\"hdbscan\\\", \\\"agglomerative\\\", \\\"dbscan\\\"] and created_at >= \\\"2020-01-01T00:00:00Z\\\" and cluster_name exists and namespace_id exists and hierarchical_vector is not null and llm_labeling.enabled exists and metadata.team is not null and input_collections exists and cluster_id starts with \\\"clu\\\" and not cluster_name contains \\\"zzz\\\" and not status = \\\"deleted\\\" and not algorithm = \\\"none\\\" and (sample_size > 0 or sample_size not exists or learning_quality_score >= 0 or error is null)\", \"limit\": 20, \"sort\": {\"field\": \"created_at\", \"direction\": \"desc\"}}",
  "{\"filter\": \"status = \\\"completed\\\" and num_clusters >= 10\", \"limit\": 50}",
  "{\"filters\": {\"AND\": [{\"field\": \"algorithm\", \"operator\": \"in\", \"value\": [\"kmeans\", \"hdbscan\"]}], \"NOT\": [{\"field\": \"cluster_name\", \"operator\": \"starts_with\", \"value\": \"faces\"}]}, \"sorts\": [{\"field\": \"num_documents_clustered\", \"direction\": \"desc\"}], \"page\": 3}",
  "{\"search\": \"gpu\", \"limit\": 10}",
  "{\"filter\": \"metadata.team = \\\"data-eng\\\" or llm_labeling.model_name starts with \\\"gpt\\\"\", \"limit\": 100}"
}
local only = os.getenv("BODIES")
local n = only and tonumber(only) or #bodies
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  i = i % n + 1
  return wrk.format(nil, "/v1/clusters/list", nil, bodies[i])
end

done = function(summary, latency)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms  max %.2f ms  %.0f req/s  errors %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
