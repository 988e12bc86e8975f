"""Understand customers: RFM, lifecycle, channels, cohorts, KPIs, satisfaction, affinity, clusters."""
