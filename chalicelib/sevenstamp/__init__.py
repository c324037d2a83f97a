"""7stamp: the one HTTP client of its API, customer resolution, the shared pacing of calls, and connecting a location."""
