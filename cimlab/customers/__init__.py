"""One customer: golden records, the 360 profile, tags and consent."""
