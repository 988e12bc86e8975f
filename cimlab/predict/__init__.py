"""Predict: customer lifetime value, P(alive), churn risk and forecasts.

- :mod:`cimlab.predict.purchases`: BG/NBD, MBG/NBD and Pareto/NBD purchase models (expected purchases,
  P(alive)), fitted on :func:`cimlab.analytics.rfm.customer_summary`, in the summary's time unit.
- :mod:`cimlab.predict.spend`: the Gamma-Gamma spend-per-purchase model.
- :mod:`cimlab.predict.holdout`: the calibration/holdout validation of the purchase models.
"""
