"""Many districts at once: `planner plan-many` and friends on a Dask distributed cluster (optional extra `batch`).

- `inputs`: find the district inputs under ROOT and read each into bytes (so a remote worker needs no shared disk).
- `district`: what one worker does for one district — `planner plan` + `planner check` — returning plain data.
- `outputs`: the client writes OUT/<district>/ (a plain plan folder), the rerun state and OUT/summary.csv.
- `run`: the cluster, the submission window, retries, streaming results as they finish.
- `export`: `planner export-many`, every district's workbook and calendars on the same cluster.
- `progress_district` / `progress_many`: `planner progress-many`, `planner progress` for every district.
- `save`: `plan-many --save`, each district's plan as a version of its own scenario (client side).
- `cli`: the commands.

Only `run` imports Dask; nothing here is imported unless a batch is started.
"""
