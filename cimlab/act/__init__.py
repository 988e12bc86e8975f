"""Act: audiences, consent-safe campaign lists and their exports (the home of campaign work)."""
