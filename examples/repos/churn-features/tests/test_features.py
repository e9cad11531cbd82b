from jobs.churn_features import FEATURES_SQL


def test_features_sql_selects_tenure():
    assert "tenure_days" in FEATURES_SQL
