#!/usr/bin/env python3
"""Tables for bench/portal/run (markdown, as docs/benchmarks.md keeps them).

  report.py api VARIANT API_JSONL UNLOADED_TXT METRICS_TXT CAMPAIGN DATASET
  report.py paint VARIANT BIG_JSONL SMALL_JSONL LINEAGE_JSONL

api: one row per endpoint from wrk's done() lines (bench/portal/api.lua): p50, p99, max,
requests/s, p99 / p99(/healthz), the 50 ms target, the body's size and an idle request's time
(curl, median of 5); then the server's own view from /metrics
(skein_http_request_duration_seconds, quantiles interpolated in its buckets as Prometheus'
histogram_quantile does). Exits 1 when any request failed.
paint: the summary lines of bench/portal/first-paint.mjs, with the ratio to the reference.
"""
import json
import re
import statistics
import sys


def api(variant, api_jsonl, unloaded_txt, metrics_txt, campaign, dataset):
    rows = [json.loads(line) for line in open(api_jsonl) if line.strip()]
    unloaded = {}
    for line in open(unloaded_txt):
        name, code, size, secs = line.split()
        unloaded.setdefault(name, []).append((int(code), int(size), float(secs)))
    paths = {
        "healthz": "/healthz (reference)",
        "campaigns": "/api/v1/campaigns",
        "campaign": f"/api/v1/campaigns/{campaign}",
        "jobs-page": f"/api/v1/campaigns/{campaign}/jobs?limit=100&offset=<random page>",
        "jobs-search": f"/api/v1/campaigns/{campaign}/jobs?q=<random term>&state=failed",
        "job": "/api/v1/jobs/<random consumer job>",
        "attempts": "/api/v1/jobs/<random consumer job>/attempts",
        "datasets": "/api/v1/datasets",
        "lineage": f"/api/v1/datasets/{dataset}/lineage",
    }
    ref = next(r for r in rows if r["endpoint"] == "healthz")
    bad = False
    print()
    print(f"[{variant}]")
    print()
    print("| endpoint | p50 ms | p99 ms | max ms | requests/s | p99 / p99(healthz) | p99 < 50 ms | body bytes "
          "| idle request ms (median of 5) |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in rows:
        e = r["endpoint"]
        if r["requests"] == 0:
            print(f"| {paths.get(e, e)} | no request completed | | | | | **no** | | |")
            bad = True
            continue
        errors = sum(r["errors"].values())
        u = unloaded.get(e, [])
        if errors or {c for c, _, _ in u} - {200}:
            bad = True
        size = u[0][1] if u else 0
        idle = statistics.median(s for _, _, s in u) * 1000 if u else 0
        rps = r["requests"] / (r["duration_us"] / 1e6)
        ratio = r["p99_us"] / ref["p99_us"] if ref["p99_us"] else float("nan")
        target = "(ref)" if e == "healthz" else ("yes" if r["p99_us"] < 50000 else "**no**")
        print(f"| {paths.get(e, e)} | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | {r['max_us'] / 1000:.1f} "
              f"| {rps:,.0f} | {ratio:,.1f} | {target} | {size:,} | {idle:.1f} |"
              + (f" errors {r['errors']}" if errors else ""))

    buckets, sums, counts = {}, {}, {}
    for line in open(metrics_txt):
        m = re.match(r'skein_http_request_duration_seconds_bucket\{(.*)\} (\S+)', line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            buckets.setdefault(labels["route"], []).append((le, float(m.group(2))))
            continue
        m = re.match(r'skein_http_request_duration_seconds_(sum|count)\{(.*)\} (\S+)', line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            (sums if m.group(1) == "sum" else counts)[labels["route"]] = float(m.group(3))

    def quantile(q, bs):
        bs = sorted(bs)
        total = bs[-1][1]
        if total == 0:
            return float("nan")
        rank = q * total
        prev_le, prev_c = 0.0, 0.0
        for le, c in bs:
            if c >= rank:
                if le == float("inf"):
                    return prev_le
                return prev_le + (le - prev_le) * ((rank - prev_c) / (c - prev_c) if c > prev_c else 0)
            prev_le, prev_c = le, c
        return prev_le

    les = sorted({le for bs in buckets.values() for le, _ in bs})
    print()
    print(f"[{variant}] the server's own view, /metrics skein_http_request_duration_seconds over the whole "
          f"run (warm-ups and idle requests included); buckets {' '.join(str(le) for le in les)} s:")
    print()
    print("| route | requests | mean ms | ~p50 ms | ~p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for route in sorted(counts, key=lambda r: -counts[r]):
        if counts[route] == 0:
            continue
        print(f"| {route} | {counts[route]:,.0f} | {sums[route] / counts[route] * 1000:.2f} "
              f"| {quantile(0.5, buckets[route]) * 1000:.2f} | {quantile(0.99, buckets[route]) * 1000:.2f} |")
    if bad:
        print("\nbench/portal/run: some requests failed (errors above, or an idle request not 200)", file=sys.stderr)
        sys.exit(1)


def paint(variant, big_jsonl, small_jsonl, lineage_jsonl):
    def summary(path):
        for line in open(path):
            d = json.loads(line)
            if d.get("summary"):
                return d
        raise SystemExit(f"no summary line in {path}")

    big, small, lineage = summary(big_jsonl), summary(small_jsonl), summary(lineage_jsonl)

    def f(v):
        return "–" if v is None else f"{v:,.0f}"

    print()
    print(f"[{variant}]")
    print()
    print("| page | runs | FCP median / max ms | job rows painted median / max ms | every card painted median / max ms "
          "| ratio to the reference (rows, medians) | < 1 s (max) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for s, ref in ((big, False), (small, True)):
        ratio = s["visible_median"] / small["visible_median"]
        target = "(ref)" if ref else ("yes" if s["visible_max"] < 1000 else "**no**")
        print(f"| {s['label']}{' (reference)' if ref else ''} | {s['runs']} | {f(s['fcp_median'])} / {f(s['fcp_max'])} "
              f"| {f(s['visible_median'])} / {f(s['visible_max'])} | {f(s['settled_median'])} / {f(s['settled_max'])} "
              f"| {ratio:.2f} | {target} |")
    print(f"| {lineage['label']}: graph nodes painted | {lineage['runs']} | {f(lineage['fcp_median'])} / "
          f"{f(lineage['fcp_max'])} | {f(lineage['visible_median'])} / {f(lineage['visible_max'])} | – | – | (no target) |")


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "api":
        api(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "paint":
        paint(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
