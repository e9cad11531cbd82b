"""Builds ml.churn_features from the user profile."""
import duckdb

SOURCE_TABLE = "core.user_profile_v1"

FEATURES_SQL = """
SELECT user_id,
       country,
       is_premium,
       legacy_segment,
       date_diff('day', CAST(signup_ts AS TIMESTAMP), CAST(dt AS TIMESTAMP)) AS tenure_days
FROM core.user_profile_v1
WHERE dt = ?
"""


def build(con: duckdb.DuckDBPyConnection, day: str):
    rows = con.execute(FEATURES_SQL, [day]).fetchall()
    return [
        {"user_id": row[0], "segment": row[3] or "none", "tenure_days": row[4]}
        for row in rows
    ]


def row_count(con, day):
    return con.execute(f"SELECT count(*) FROM {SOURCE_TABLE} WHERE dt = '{day}'").fetchone()[0]
