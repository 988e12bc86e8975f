"""Predict: customer lifetime value, P(alive), churn risk and forecasts (the home of the CLV and churn models)."""
