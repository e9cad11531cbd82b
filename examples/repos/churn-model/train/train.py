"""Trains the churn model on ml.churn_features."""
FEATURES = "ml.churn_features"


def load(con):
    return con.execute(f"SELECT * FROM {FEATURES}").fetchdf()
